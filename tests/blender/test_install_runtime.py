"""The runtime installer: a venv of its own, a local wheel, progress, a log; Blender's Python untouched."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess

import bpy
import pytest

from tests.tools.wheels import write_wheel

PACKAGE = "storyloom_wheel_probe"


@pytest.fixture
def wheelhouse(tmp_path):
    write_wheel(tmp_path / "wheels", PACKAGE, "1.2.3")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"{PACKAGE}==1.2.3\n")
    return tmp_path / "wheels", requirements


def test_installer_creates_a_venv_and_installs_a_local_wheel_with_progress(
    storyloom, prefs, wheelhouse, tmp_path, capfd
):
    wheels, requirements = wheelhouse
    venv = tmp_path / "runtime"
    result = bpy.ops.storyloom.install_runtime(
        venv_dir=str(venv), requirements=str(requirements), wheelhouse=str(wheels), check_modules=PACKAGE
    )
    assert result == {"FINISHED"}
    out = capfd.readouterr().out
    assert "Storyloom: Installing runtime 0/3" in out and "Storyloom: Installing runtime 3/3" in out
    python = venv / "bin" / "python"
    assert prefs.runtime_python == str(python)
    imported = subprocess.run(
        [str(python), "-c", f"import {PACKAGE}; print({PACKAGE}.VERSION)"], capture_output=True, text=True
    )
    assert imported.stdout.strip() == "1.2.3"
    assert importlib.util.find_spec(PACKAGE) is None  # never installed into Blender's Python
    log = storyloom.operators.runtime.install_log_path().read_text()
    assert f"Successfully installed {PACKAGE}-1.2.3" in log and "-m venv" in log


def test_installer_failure_names_the_log(storyloom, prefs, wheelhouse, tmp_path):
    wheels, _ = wheelhouse
    requirements = tmp_path / "missing-package.txt"
    requirements.write_text("no-such-package-anywhere==9.9\n")
    with pytest.raises(RuntimeError, match="Installing packages failed .*See the log: .*install-runtime.log"):
        bpy.ops.storyloom.install_runtime(
            venv_dir=str(tmp_path / "venv"),
            requirements=str(requirements),
            wheelhouse=str(wheels),
            check_modules="",
        )
    assert prefs.runtime_python == ""


def test_installer_needs_online_access_or_a_wheel_folder(storyloom, prefs):
    with pytest.raises(RuntimeError, match="online access is off.*give a wheel folder"):
        bpy.ops.storyloom.install_runtime()
    with pytest.raises(RuntimeError, match="Wheel folder not found"):
        bpy.ops.storyloom.install_runtime(wheelhouse="/nowhere/wheels")


def test_cli_install_runtime_does_what_the_preferences_button_does(
    storyloom, prefs, wheelhouse, tmp_path, capsys
):
    cli = importlib.import_module(storyloom.__name__ + ".addon.cli")
    wheels, requirements = wheelhouse
    assert cli.main(["install-runtime", "--profile", "previz", "--wheels", "/nowhere/wheels"]) == 1
    assert "Wheel folder not found" in capsys.readouterr().err
    venv = tmp_path / "cli-runtime"
    arguments = ["--venv", str(venv), "--wheels", str(wheels), "--requirements", str(requirements)]
    code = cli.main(["install-runtime", *arguments, "--check", PACKAGE])
    assert code == 0
    assert prefs.runtime_python == str(venv / "bin" / "python")
    assert f"runtime ready: {venv / 'bin' / 'python'}" in capsys.readouterr().out
