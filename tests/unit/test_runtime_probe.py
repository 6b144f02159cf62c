"""Probing the runtime Python and choosing a device (pure core, real subprocesses)."""

from __future__ import annotations

import sys

import pytest

from addon.core.doctor import DoctorFacts, format_report
from addon.core.runtime_probe import (
    RuntimePythonError,
    check_runtime_python,
    choose_device,
    probe_runtime,
)


def test_probe_of_a_real_python_reports_every_package():
    probe = probe_runtime(sys.executable)
    assert probe.python_version == sys.version.split()[0]
    assert set(probe.packages) == {"torch", "diffusers", "transformers", "TTS"}
    for info in probe.packages.values():
        assert info["ok"] or info["error"]
    assert probe.devices[-1] == "cpu"


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
