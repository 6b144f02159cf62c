"""Gather the doctor's facts from Blender and the runtime Python.

Headless (the CLI, ``blender -b``) the probe runs to its end; in the UI, :class:`DoctorRun`
starts it as a subprocess that the operator polls from a timer, so importing torch in the
runtime Python (seconds to minutes) never holds Blender's main thread.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import tomllib
from pathlib import Path

import bpy

from ..core.doctor import DoctorFacts, format_report
from ..core.paths import StoryloomPathError
from ..core.runtime_probe import (
    _PROBE_SCRIPT,
    MODEL_PACKAGES,
    RuntimeProbe,
    RuntimePythonError,
    check_runtime_python,
    probe_runtime,
)
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


class RuntimeProbeProcess:
    """:func:`probe_runtime`'s subprocess, started now and polled without waiting.

    Its output goes to temp files, not pipes: a chatty import can never fill a pipe and stall.
    """

    def __init__(self, python: str, timeout: float = 180.0):
        path = check_runtime_python(python)
        self.python, self.timeout = python, timeout
        self._out = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
        self._err = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
        env = dict(os.environ, HF_HUB_OFFLINE=os.environ.get("HF_HUB_OFFLINE", "1"))
        try:
            self.process = subprocess.Popen(
                [str(path), "-c", _PROBE_SCRIPT, *(module for _, module in MODEL_PACKAGES)],
                stdin=subprocess.DEVNULL,
                stdout=self._out,
                stderr=self._err,
                env=env,
            )
        except OSError as error:
            self._close_files()
            raise RuntimePythonError(f"Runtime Python {python} cannot be started: {error}") from None
        self._started = time.monotonic()

    def poll(self) -> RuntimeProbe | None:
        """The probe's answer once the process has exited, None while it runs; never waits."""
        if self.process.poll() is None:
            if time.monotonic() - self._started <= self.timeout:
                return None
            self.cancel()
            raise RuntimePythonError(
                f"Runtime Python {self.python} did not answer within {self.timeout:.0f} s while "
                "importing the model packages."
            )
        self._out.seek(0)
        self._err.seek(0)
        stdout, stderr = self._out.read(), self._err.read()
        self._close_files()
        for line in stdout.splitlines():
            if line.startswith("STORYLOOM-PROBE "):
                data = json.loads(line.removeprefix("STORYLOOM-PROBE "))
                return RuntimeProbe(
                    python=data["executable"] or self.python,
                    python_version=data["python"],
                    packages=data["packages"],
                    devices=data["devices"],
                    cuda_name=data.get("cuda_name", ""),
                )
        detail = (stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimePythonError(f"Runtime Python {self.python} failed the probe: {detail}")

    def cancel(self) -> None:
        """Kill the probe (Esc, or the operator torn down) and reap it."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._close_files()

    def _close_files(self) -> None:
        self._out.close()
        self._err.close()


class DoctorRun:
    """The doctor for the UI: facts gathered at once, the runtime probe polled tick by tick."""

    def __init__(self, probe: bool = True):
        self.facts = gather_facts(probe=False)
        self.probe: RuntimeProbeProcess | None = None
        if probe:
            try:
                self.probe = RuntimeProbeProcess(self.facts.runtime_python)
            except RuntimePythonError as error:
                self.facts.problems.append(str(error))

    def tick(self) -> bool:
        """Look at the probe once, without waiting; True when the facts are complete."""
        if self.probe is None:
            return True
        try:
            answer = self.probe.poll()
        except RuntimePythonError as error:
            self.facts.problems.append(str(error))
            answer = None
        else:
            if answer is None:
                return False
        self.facts.probe, self.probe = answer, None
        return True

    def cancel(self) -> None:
        if self.probe is not None:
            self.probe.cancel()
            self.probe = None
