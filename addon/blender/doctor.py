"""Gather the doctor's facts from Blender and the runtime Python."""

from __future__ import annotations

import tomllib
from pathlib import Path

import bpy

from ..core.doctor import DoctorFacts, format_report
from ..core.paths import StoryloomPathError
from ..core.runtime_probe import RuntimePythonError, probe_runtime
from ..prefs import get_preferences
from . import project


def extension_version() -> str:
    """The version in the manifest that shipped with this copy of the extension."""
    manifest = Path(__file__).resolve().parents[2] / "blender_manifest.toml"
    try:
        with manifest.open("rb") as file:
            return str(tomllib.load(file)["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def gather_facts(probe: bool = True) -> DoctorFacts:
    prefs = get_preferences()
    facts = DoctorFacts(
        blender_version=bpy.app.version_string,
        extension_version=extension_version(),
        media_folder="?",
        models_folder=str(project.models_folder()),
        extension_user_dir=str(project.extension_user_dir()),
        online_access=bool(bpy.app.online_access),
        runtime_python=project.runtime_python(),
        device_preference=prefs.device,
    )
    try:
        resolved = project.media_folder(create=False)
        facts.media_folder = str(resolved.path)
        facts.warnings.extend(resolved.warnings)
        project.media_folder(create=True)
    except StoryloomPathError as error:
        facts.problems.append(str(error))
    if probe:
        try:
            facts.probe = probe_runtime(facts.runtime_python)
        except RuntimePythonError as error:
            facts.problems.append(str(error))
    return facts


def report() -> tuple[str, DoctorFacts]:
    facts = gather_facts()
    return format_report(facts), facts
