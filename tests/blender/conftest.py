"""Blender tests: the extension built, installed and enabled as a user would.

One bpy per process: ``make test`` runs this folder once in the bpy 5.0.1 venv and once in the
bpy 4.5.4 venv. ``BLENDER_USER_RESOURCES`` must point at a temp folder *before* bpy is imported,
so it is set here, when pytest loads this file and before any test module imports bpy.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

if "bpy" in sys.modules:
    raise pytest.UsageError("bpy was imported before tests/blender/conftest.py set BLENDER_USER_RESOURCES")

USER_RESOURCES = Path(tempfile.mkdtemp(prefix="storyloom-user-resources-"))
os.environ["BLENDER_USER_RESOURCES"] = str(USER_RESOURCES)

import bpy  # noqa: E402  (needs the environment above)

from tests.tools import extension  # noqa: E402
from tests.tools.extension import ADDON_MODULE  # noqa: E402


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(USER_RESOURCES, ignore_errors=True)


@pytest.fixture(scope="session")
def extension_zip(tmp_path_factory) -> Path:
    """The zip built once per run with Blender's own extension tool (and validated)."""
    return extension.build(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def storyloom(extension_zip):
    """The installed, enabled add-on package (``bl_ext.user_default.storyloom``)."""
    result = bpy.ops.extensions.package_install_files(
        filepath=str(extension_zip), repo="user_default", enable_on_install=True
    )
    assert result == {"FINISHED"}
    assert ADDON_MODULE in bpy.context.preferences.addons
    return importlib.import_module(ADDON_MODULE)


@pytest.fixture
def prefs(storyloom, tmp_path):
    """The add-on preferences, with the media folder in a temp dir; restored after the test."""
    preferences = bpy.context.preferences.addons[ADDON_MODULE].preferences
    saved = {
        name: getattr(preferences, name)
        for name in ("media_folder", "models_folder", "runtime_python", "device")
    }
    preferences.media_folder = str(tmp_path / "media") + os.sep
    yield preferences
    # Looked up again: a test that disables and re-enables the add-on replaces the struct.
    preferences = bpy.context.preferences.addons[ADDON_MODULE].preferences
    for name, value in saved.items():
        setattr(preferences, name, value)


@pytest.fixture
def empty_file(storyloom):
    """A new, unsaved, empty .blend (File > New) for each test that builds scene data."""
    bpy.ops.wm.read_homefile(use_empty=True)
    return bpy.context.scene


# -- The model runtime ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def runtime_python() -> str:
    """The model runtime venv's Python (torch, diffusers): built by ``make venvs``."""
    python = os.environ.get("STORYLOOM_RUNTIME_PYTHON") or str(extension.REPO / ".venvs/runtime/bin/python")
    if not Path(python).is_file():
        pytest.fail(f"No runtime Python at {python}: run `make venvs` (or set STORYLOOM_RUNTIME_PYTHON)")
    return python


@pytest.fixture(scope="session")
def models_folder(runtime_python, tmp_path_factory) -> Path:
    """A models folder: a tiny random-weight SD (safetensors), a pickle-weight copy, a tiny ControlNet."""
    folder = tmp_path_factory.mktemp("models")
    subprocess.run(
        [
            runtime_python,
            str(extension.REPO / "tests/tools/tiny_models.py"),
            "sd",
            str(folder / "tiny-sd"),
            "--pickle-out",
            str(folder / "tiny-sd-pickle"),
            "--controlnet-out",
            str(folder / "tiny-controlnet"),
        ],
        check=True,
        capture_output=True,
        env=dict(os.environ, HF_HUB_OFFLINE="1"),
    )
    # A user spec over the same weights, with defaults that keep film tests fast.
    (folder / "tiny-sd-fast.toml").write_text(
        'id = "tiny-sd-fast"\nfamily = "stable-diffusion"\nsource = "tiny-sd"\n'
        "[defaults]\nsteps = 2\nguidance = 1.0\n"
    )
    return folder


@pytest.fixture
def runtime(prefs, runtime_python, models_folder):
    """Preferences pointing at the runtime Python and the tiny models; the session's client."""
    prefs.runtime_python = runtime_python
    prefs.models_folder = str(models_folder)
    prefs.device = "cpu"
    return prefs


@pytest.fixture
def worker_session(storyloom):
    return importlib.import_module(storyloom.__name__ + ".addon.blender.worker_session")
