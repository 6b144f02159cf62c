"""The `doctor` report: what an artist or TD needs to see when something does not work.

Facts are gathered by the Blender side (version, paths, online access) and by probing the
runtime Python; this module only decides what they mean and how they read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .runtime_probe import MODEL_PACKAGES, RuntimeProbe, choose_device


@dataclass
class DoctorFacts:
    blender_version: str
    extension_version: str
    media_folder: str
    models_folder: str
    extension_user_dir: str
    online_access: bool
    runtime_python: str
    device_preference: str
    probe: RuntimeProbe | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def format_report(facts: DoctorFacts) -> str:
    lines = [
        "Storyloom doctor",
        f"  Blender:            {facts.blender_version}",
        f"  Storyloom:          {facts.extension_version}",
        f"  Media folder:       {facts.media_folder}",
        f"  Models folder:      {facts.models_folder}",
        f"  Extension user dir: {facts.extension_user_dir}",
        f"  Online access:      {'allowed' if facts.online_access else 'off (no downloads)'}",
        f"  Runtime Python:     {facts.runtime_python}",
    ]
    probe = facts.probe
    if probe is not None:
        lines.append(f"  Runtime version:    Python {probe.python_version}")
        for name, module in MODEL_PACKAGES:
            info = probe.packages.get(module, {})
            state = (
                f"yes ({info.get('version')})"
                if info.get("ok")
                else f"no - {info.get('error', 'not probed')}"
            )
            lines.append(f"  {name + ':':<20}{state}")
        device, note = choose_device(facts.device_preference, probe.devices)
        if device == "cuda" and probe.cuda_name:
            note = f"{probe.cuda_name}, {note}"
        lines.append(f"  Device:             {device} ({note}; available: {', '.join(probe.devices)})")
    else:
        lines.append(f"  Device:             unknown (preference: {facts.device_preference})")
    for warning in facts.warnings:
        lines.append(f"WARNING: {warning}")
    for problem in facts.problems:
        lines.append(f"PROBLEM: {problem}")
    if not facts.problems:
        lines.append("No problems found.")
    return "\n".join(lines)
