"""Ask the worker's Python what it can run, from outside it.

The model stack lives in its own interpreter (never in Blender's), so the only honest way to
know whether torch or diffusers work there is to start that interpreter and import them.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

# (distribution name shown to people, module to import)
MODEL_PACKAGES: tuple[tuple[str, str], ...] = (
    ("torch", "torch"),
    ("diffusers", "diffusers"),
    ("transformers", "transformers"),
    ("coqui-tts", "TTS"),
)

DEVICE_CHOICES: tuple[str, ...] = ("auto", "cuda", "mps", "cpu")

# Runs inside the worker's Python: stdlib only, prints one JSON line.
_PROBE_SCRIPT = r"""
import importlib, json, sys
report = {"python": sys.version.split()[0], "executable": sys.executable, "packages": {}}
for module in sys.argv[1:]:
    try:
        imported = importlib.import_module(module)
        report["packages"][module] = {"ok": True, "version": str(getattr(imported, "__version__", "?"))}
    except Exception as error:  # any failure means "cannot import": report it, never crash
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        report["packages"][module] = {"ok": False, "error": f"{type(error).__name__}: {first_line}"[:200]}
devices = ["cpu"]
if report["packages"].get("torch", {}).get("ok"):
    torch = importlib.import_module("torch")
    if torch.cuda.is_available():
        devices.insert(0, "cuda")
        report["cuda_name"] = torch.cuda.get_device_name(0)
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.insert(0 if "cuda" not in devices else 1, "mps")
report["devices"] = devices
print("STORYLOOM-PROBE " + json.dumps(report))
"""


# What each kind of backend imports in the worker (module names), so a build can check the
# runtime before it writes anything. The zero-download ones are requirements-previz.txt.
PREVIZ_MODULES: tuple[str, ...] = ("numpy", "scipy", "pyloudnorm", "espeakng_loader", "cv2")
FAMILY_MODULES: dict[str, tuple[str, ...]] = {
    "diffusers": ("torch", "diffusers", "transformers", "safetensors"),
    "vits": ("torch", "transformers"),
    "speecht5": ("torch", "transformers", "sentencepiece"),
    "coqui-vits": ("torch", "TTS"),
    "coqui-xtts": ("torch", "TTS"),
    "musicgen": ("torch", "transformers"),
    "causal-lm": ("torch", "transformers", "xgrammar"),
}
BUNDLED = frozenset({"espeak", "procedural", "previz"})


def modules_for(family: str) -> tuple[str, ...]:
    """The modules a model family's backend imports (every other family runs on diffusers)."""
    if family in BUNDLED:
        return ()
    return FAMILY_MODULES.get(family, FAMILY_MODULES["diffusers"])


# Runs inside the worker's Python: stdlib only, finds (without importing) each module.
_FIND_SCRIPT = (
    "import importlib.util, sys\n"
    "print('STORYLOOM-MISSING ' + ' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))"
)


class RuntimePythonError(RuntimeError):
    """The configured runtime Python cannot be used; the message names the fix."""


@dataclass
class RuntimeProbe:
    python: str
    python_version: str = ""
    packages: dict[str, dict[str, str | bool]] = field(default_factory=dict)
    devices: list[str] = field(default_factory=lambda: ["cpu"])
    cuda_name: str = ""

    def can_import(self, module: str) -> bool:
        return bool(self.packages.get(module, {}).get("ok"))


def check_runtime_python(python: str) -> Path:
    """Return the interpreter path, or raise with a message that says how to fix the setting."""
    fix = (
        "Set Preferences > Add-ons > Storyloom > Runtime Python to a python executable "
        "(or leave it empty to use Blender's own), or run the runtime installer."
    )
    if not python:
        raise RuntimePythonError(f"No runtime Python is configured. {fix}")
    path = Path(python)
    if not path.exists():
        raise RuntimePythonError(f"Runtime Python not found: {python}. {fix}")
    if path.is_dir() or not os.access(path, os.X_OK):
        raise RuntimePythonError(f"Runtime Python is not an executable file: {python}. {fix}")
    return path


def missing_modules(python: str, modules: list[str] | tuple[str, ...], timeout: float = 30.0) -> list[str]:
    """Which of ``modules`` the runtime Python cannot find (a quick look: nothing is imported)."""
    path = check_runtime_python(python)
    try:
        completed = subprocess.run(
            [str(path), "-c", _FIND_SCRIPT, *modules], capture_output=True, text=True, timeout=timeout
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RuntimePythonError(f"Runtime Python {python} cannot be started: {error}") from None
    for line in completed.stdout.splitlines():
        if line.startswith("STORYLOOM-MISSING"):
            return line.removeprefix("STORYLOOM-MISSING").split()
    detail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
    raise RuntimePythonError(f"Runtime Python {python} failed the check: {detail}")


def check_runtime_modules(python: str, modules: list[str], what: str) -> None:
    """Refuse a runtime that lacks a module ``what`` needs, naming them all and the exact fix."""
    missing = missing_modules(python, sorted(set(modules)))
    if not missing:
        return
    profile = "models" if set(missing) - set(PREVIZ_MODULES) else "previz"
    label = "Models" if profile == "models" else "Previz Only"
    raise RuntimePythonError(
        f"The runtime Python {python} lacks {', '.join(missing)}, which {what} needs. Fix: "
        f"Preferences > Add-ons > Storyloom > Install Runtime (runtime '{label}'), or on the command "
        f"line `blender -b -c storyloom install-runtime --profile {profile}` (with the bpy module: "
        f"`python -m addon.cli install-runtime --profile {profile}`; add --wheels DIR without network); "
        "or set Runtime Python to a venv that has them."
    )


def probe_runtime(python: str, timeout: float = 180.0) -> RuntimeProbe:
    """Start ``python`` once and report which model packages import and which devices exist."""
    path = check_runtime_python(python)
    modules = [module for _, module in MODEL_PACKAGES]
    env = dict(os.environ, HF_HUB_OFFLINE=os.environ.get("HF_HUB_OFFLINE", "1"))
    try:
        completed = subprocess.run(
            [str(path), "-c", _PROBE_SCRIPT, *modules],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired:
        raise RuntimePythonError(
            f"Runtime Python {python} did not answer within {timeout:.0f} s while importing "
            "the model packages."
        ) from None
    except OSError as error:
        raise RuntimePythonError(f"Runtime Python {python} cannot be started: {error}") from None
    for line in completed.stdout.splitlines():
        if line.startswith("STORYLOOM-PROBE "):
            data = json.loads(line.removeprefix("STORYLOOM-PROBE "))
            return RuntimeProbe(
                python=data["executable"] or str(path),
                python_version=data["python"],
                packages=data["packages"],
                devices=data["devices"],
                cuda_name=data.get("cuda_name", ""),
            )
    detail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
    raise RuntimePythonError(f"Runtime Python {python} failed the probe: {detail}")


def choose_device(preference: str, available: list[str]) -> tuple[str, str]:
    """Pick the device for model work: (device, note). 'auto' prefers cuda, then mps, then cpu."""
    if preference not in DEVICE_CHOICES:
        raise ValueError(f"Unknown device '{preference}': expected one of {', '.join(DEVICE_CHOICES)}.")
    if preference == "auto":
        for device in ("cuda", "mps", "cpu"):
            if device in available:
                return device, "chosen automatically"
    if preference in available:
        return preference, "as set in preferences"
    return "cpu", f"{preference} was asked for but is not available to the runtime Python; using cpu"
