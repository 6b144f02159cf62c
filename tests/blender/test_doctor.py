"""`doctor` through the CLI entry point, and the bad inputs it must explain."""

from __future__ import annotations

import os
import subprocess
import sys

import bpy
import pytest

from tests.tools.extension import ADDON_MODULE, REPO


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
