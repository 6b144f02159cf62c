"""Probing the runtime Python and choosing a device (pure core, real subprocesses)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from addon.core.doctor import DoctorFacts, format_report
from addon.core.runtime_probe import (
    RuntimePythonError,
    check_runtime_modules,
    check_runtime_python,
    choose_device,
    missing_modules,
    probe_runtime,
)


def stub_python(folder: Path, packages: dict[str, str]) -> str:
    """An interpreter (this one, behind a wrapper) that imports ``packages`` from stub sources first."""
    site = folder / "site"
    for name, source in packages.items():
        (site / name).mkdir(parents=True)
        (site / name / "__init__.py").write_text(source)
    wrapper = folder / "python"
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH="{site}" exec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def test_the_probe_tells_importable_broken_and_absent_packages_apart(tmp_path):
    python = stub_python(
        tmp_path,
        {
            "torch": (
                "__version__ = '2.11.0+stub'\n"
                "class cuda:\n"
                "    is_available = staticmethod(lambda: True)\n"
                "    get_device_name = staticmethod(lambda index: 'Stub GPU 80GB')\n"
                "class backends:\n"
                "    mps = None\n"
            ),
            "transformers": "__version__ = '5.23.0'\n",
            "diffusers": "raise ImportError('libcudart.so.12: cannot open shared object file')\n",
        },
    )
    probe = probe_runtime(python)
    assert probe.python_version == sys.version.split()[0]
    assert probe.packages["torch"] == {"ok": True, "version": "2.11.0+stub"}
    assert probe.packages["transformers"] == {"ok": True, "version": "5.23.0"}
    assert probe.packages["diffusers"] == {
        "ok": False,
        "error": "ImportError: libcudart.so.12: cannot open shared object file",
    }
    assert probe.packages["TTS"] == {"ok": False, "error": "ModuleNotFoundError: No module named 'TTS'"}
    assert (probe.can_import("torch"), probe.can_import("diffusers"), probe.can_import("TTS")) == (
        True,
        False,
        False,
    )
    assert probe.devices == ["cuda", "cpu"] and probe.cuda_name == "Stub GPU 80GB"


def test_the_quick_check_finds_what_is_absent_without_importing(tmp_path):
    python = stub_python(
        tmp_path, {"torch": "raise SystemExit('imported!')\n", "numpy": "", "scipy": "", "pyloudnorm": ""}
    )
    # find_spec looks without importing: the stub torch that would exit is found, not run.
    assert missing_modules(python, ["torch", "diffusers", "numpy", "TTS"]) == ["diffusers", "TTS"]
    assert missing_modules(python, ["torch", "numpy"]) == []
    with pytest.raises(RuntimePythonError, match=r"lacks diffusers, which a film needs.*--profile models"):
        check_runtime_modules(python, ["torch", "diffusers", "numpy"], "a film")
    with pytest.raises(RuntimePythonError, match=r"lacks espeakng_loader, which .*--profile previz"):
        check_runtime_modules(python, ["numpy", "scipy", "pyloudnorm", "espeakng_loader"], "speech")


@pytest.mark.parametrize(
    ("python", "message"),
    [
        ("", "No runtime Python is configured"),
        ("/nowhere/python3", "Runtime Python not found: /nowhere/python3"),
    ],
)
def test_missing_python_names_the_fix(python, message):
    with pytest.raises(RuntimePythonError, match=message) as caught:
        check_runtime_python(python)
    assert "Preferences > Add-ons > Storyloom > Runtime Python" in str(caught.value)


def test_a_folder_or_a_broken_interpreter_is_refused(tmp_path):
    with pytest.raises(RuntimePythonError, match="not an executable file"):
        check_runtime_python(str(tmp_path))
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'fatal: cannot start' >&2\nexit 3\n")
    broken.chmod(0o755)
    with pytest.raises(RuntimePythonError, match="failed the probe: fatal: cannot start"):
        probe_runtime(str(broken))


@pytest.mark.parametrize(
    ("preference", "available", "expected"),
    [
        ("auto", ["cuda", "cpu"], "cuda"),
        ("auto", ["mps", "cpu"], "mps"),
        ("auto", ["cpu"], "cpu"),
        ("cpu", ["cuda", "cpu"], "cpu"),
        ("cuda", ["cpu"], "cpu"),
        ("mps", ["mps", "cpu"], "mps"),
    ],
)
def test_choose_device(preference, available, expected):
    device, note = choose_device(preference, available)
    assert device == expected
    if preference not in ("auto", expected):
        assert "not available" in note


def test_unknown_device_preference():
    with pytest.raises(ValueError, match="Unknown device 'tpu'"):
        choose_device("tpu", ["cpu"])


def test_report_lists_facts_problems_and_warnings():
    facts = DoctorFacts(
        blender_version="5.0.1",
        extension_version="0.1.0",
        media_folder="/m",
        models_folder="/models",
        extension_user_dir="/ext",
        online_access=False,
        runtime_python="/py",
        device_preference="auto",
        probe=probe_runtime(sys.executable),
        problems=["Runtime Python not found"],
        warnings=["not saved"],
    )
    report = format_report(facts)
    for expected in (
        "Blender:            5.0.1",
        "Media folder:       /m",
        "Models folder:      /models",
        "Extension user dir: /ext",
        "Online access:      off",
        "Runtime Python:     /py",
        "torch:",
        "diffusers:",
        "transformers:",
        "coqui-tts:",
        "Device:             cpu",
        "WARNING: not saved",
        "PROBLEM: Runtime Python not found",
    ):
        assert expected in report
    assert "No problems found." not in report
