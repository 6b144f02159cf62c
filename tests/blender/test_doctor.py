"""`doctor` through the CLI entry point, and the bad inputs it must explain."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time

import bpy
import pytest

from tests.tools.extension import ADDON_MODULE, REPO
from tests.unit.test_runtime_probe import stub_python


def run_module_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m addon.cli ...`` in a fresh process of this venv (the module build's CLI)."""
    return subprocess.run(
        [sys.executable, "-m", "addon.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, **(env or {})),
    )


def test_doctor_cli_lists_the_facts(storyloom):
    result = run_module_cli("doctor")
    out = result.stdout
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Blender:            {bpy.app.version_string}" in out
    assert "Storyloom:          0.1.0" in out
    assert f"Extension user dir: {bpy.utils.user_resource('EXTENSIONS')}" in out
    for label in ("Media folder:", "Models folder:", "Online access:      off", "Device:             cpu"):
        assert label in out
    assert f"Runtime Python:     {sys.executable}" in out
    for package in ("torch", "diffusers", "transformers", "coqui-tts"):
        assert f"  {package}:" in out
    # This venv is Blender's side: no torch here, and doctor says so instead of crashing.
    assert "torch:              no - ModuleNotFoundError" in out
    # An unsaved session: the media folder falls back to temp, with a warning naming the fix.
    assert "WARNING: The .blend file is not saved" in out and "Save the .blend file" in out


def test_doctor_cli_with_a_saved_blend_puts_media_beside_it(storyloom, tmp_path):
    blend = tmp_path / "shot010.blend"
    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    result = run_module_cli("--blend", str(blend), "doctor", "--no-probe")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Media folder:       {tmp_path / 'storyloom'}" in result.stdout
    assert "not saved" not in result.stdout
    assert (tmp_path / "storyloom").is_dir()


def test_cli_help_and_usage_errors(storyloom):
    cli = storyloom.addon.cli
    help_result = run_module_cli("--help")
    assert help_result.returncode == 0
    assert "usage: blender -c storyloom" in help_result.stdout and "doctor" in help_result.stdout
    assert cli.main(["no-such-command"]) == 2
    assert cli.main(["--blend", "/nowhere/missing.blend", "doctor"]) == 1


def test_module_cli_without_the_extension_installed_says_how_to_install(tmp_path):
    result = run_module_cli("doctor", env={"BLENDER_USER_RESOURCES": str(tmp_path)})
    assert result.returncode == 1
    assert "not installed" in result.stderr and "python -m addon.cli install" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_runtime_python_is_a_clear_problem(storyloom, prefs, capsys):
    prefs.runtime_python = "/nowhere/bin/python3"
    assert storyloom.addon.cli.main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM: Runtime Python not found: /nowhere/bin/python3" in out
    assert "Preferences > Add-ons > Storyloom > Runtime Python" in out
    with pytest.raises(RuntimeError, match="Runtime Python not found"):
        bpy.ops.storyloom.doctor()


def test_unwritable_media_folder_is_a_clear_problem_and_writes_nothing(storyloom, prefs, tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    prefs.media_folder = str(blocker / "media") + os.sep
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(
        RuntimeError, match=r"Cannot create the media folder .*Choose a folder you can write to"
    ):
        bpy.ops.storyloom.doctor(probe=False)
    assert storyloom.addon.cli.main(["doctor", "--no-probe"]) == 1
    assert "PROBLEM: Cannot create the media folder" in capsys.readouterr().out
    assert sorted(tmp_path.rglob("*")) == before


def test_unsaved_blend_falls_back_to_temp_with_a_warning(storyloom, prefs, empty_file):
    prefs.media_folder = "//storyloom/"
    assert bpy.ops.storyloom.doctor(probe=False) == {"FINISHED"}
    report = bpy.context.window_manager.storyloom_doctor_report
    assert "WARNING: The .blend file is not saved" in report
    assert "storyloom-unsaved" in report


def test_loading_a_file_forgets_the_last_report(storyloom, prefs):
    bpy.ops.storyloom.doctor(probe=False)
    assert bpy.context.window_manager.storyloom_doctor_report
    bpy.ops.wm.read_homefile(use_empty=True)
    assert bpy.context.window_manager.storyloom_doctor_report == ""
    assert ADDON_MODULE in bpy.context.preferences.addons


# -- The UI's doctor: the probe polled from a timer, never waited on ------------------------------

STUB_TORCH = (
    "__version__ = '2.11.0+stub'\n"
    "class cuda:\n    is_available = staticmethod(lambda: False)\n"
    "class backends:\n    mps = None\n"
)


def doctor_module(storyloom):
    return importlib.import_module(storyloom.__name__ + ".addon.blender.doctor")


def probe_runtime(storyloom, python: str):
    """What the CLI's doctor reports for ``python`` (it waits for the probe)."""
    return storyloom.addon.core.runtime_probe.probe_runtime(python)


def test_the_ui_doctor_polls_the_probe_and_gets_what_the_cli_gets(storyloom, prefs, tmp_path):
    prefs.runtime_python = stub_python(
        tmp_path, {"torch": STUB_TORCH, "diffusers": "raise ImportError('no')"}
    )
    doctor = doctor_module(storyloom)
    run = doctor.DoctorRun(probe=True)
    ticks = []
    while True:
        started = time.perf_counter()
        done = run.tick()
        ticks.append(time.perf_counter() - started)
        if done:
            break
        assert len(ticks) < 600, "the probe never answered"
        time.sleep(0.05)  # the timer interval
    assert len(ticks) > 1 and max(ticks) < 0.05  # it answered over several ticks, none of them waited
    assert run.facts.problems == []
    assert run.facts.probe == probe_runtime(storyloom, prefs.runtime_python)  # what the CLI's probe reports
    assert run.facts.probe.packages["torch"] == {"ok": True, "version": "2.11.0+stub"}
    assert "diffusers:" in storyloom.addon.core.doctor.format_report(run.facts)


def test_esc_kills_the_probe_at_once(storyloom, prefs, tmp_path):
    prefs.runtime_python = stub_python(tmp_path, {"torch": "import time\ntime.sleep(120)\n"})
    doctor = doctor_module(storyloom)
    run = doctor.DoctorRun(probe=True)
    process = run.probe.process
    time.sleep(0.3)
    assert run.tick() is False and process.poll() is None  # still importing torch
    started = time.perf_counter()
    run.cancel()
    assert process.returncode is not None and time.perf_counter() - started < 2
    assert run.tick() is True and run.facts.probe is None


def test_a_probe_that_hangs_or_fails_is_a_problem_like_the_clis(storyloom, prefs, tmp_path):
    doctor = doctor_module(storyloom)
    hanging = doctor.RuntimeProbeProcess(
        stub_python(tmp_path / "hang", {"torch": "import time\ntime.sleep(120)\n"}), timeout=1.0
    )
    deadline = time.monotonic() + 10
    with pytest.raises(RuntimeError, match=r"did not answer within 1 s"):
        while hanging.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
    assert hanging.process.returncode is not None  # killed, not left running
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'fatal: cannot start' >&2\nexit 3\n")
    broken.chmod(0o755)
    prefs.runtime_python = str(broken)
    run = doctor.DoctorRun(probe=True)
    while not run.tick():
        time.sleep(0.05)
    with pytest.raises(RuntimeError) as cli:
        probe_runtime(storyloom, str(broken))
    assert run.facts.problems == [str(cli.value)] and "failed the probe: fatal: cannot start" in str(
        cli.value
    )
