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


@pytest.fixture(scope="module")
def restore_preferences(storyloom):
    """For modules whose tests point the preferences at the runtime and temp media: put them back."""
    preferences = bpy.context.preferences.addons[ADDON_MODULE].preferences
    saved = {name: getattr(preferences, name) for name in ("runtime_python", "media_folder")}
    yield
    preferences = bpy.context.preferences.addons[ADDON_MODULE].preferences
    for name, value in saved.items():
        setattr(preferences, name, value)


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


# Tiny video specs: the real models' frame rules with small windows and sizes.
_VIDEO_COMMON = "steps = 2\nguidance = 3.0\n"
TINY_VIDEO_SPECS = {
    "tiny-ltx": 'id = "tiny-ltx"\nfamily = "ltx-video"\nsource = "tiny-ltx"\n[defaults]\n'
    "width = 32\nheight = 32\nframes = 9\nfps = 24\nframe_step = 8\nframe_offset = 1\nmax_frames = 9\n"
    "size_multiple = 32\nimage_input = true\n" + _VIDEO_COMMON,
    "tiny-wan": 'id = "tiny-wan"\nfamily = "wan"\nsource = "tiny-wan"\n[defaults]\nwidth = 16\nheight = 16\n'
    "frames = 9\nfps = 16\nframe_step = 4\nframe_offset = 1\nmax_frames = 9\nsize_multiple = 16\n"
    + _VIDEO_COMMON,
    "tiny-cogvideox": 'id = "tiny-cogvideox"\nfamily = "cogvideox"\nsource = "tiny-cogvideox"\n[defaults]\n'
    "width = 16\nheight = 16\nframes = 9\nfps = 8\nframe_step = 8\nframe_offset = 1\nmax_frames = 9\n"
    "size_multiple = 16\nmax_sequence_length = 16\n" + _VIDEO_COMMON,
    "tiny-svd": 'id = "tiny-svd"\nfamily = "svd"\ntask = "image-to-video"\nsource = "tiny-svd"\n[defaults]\n'
    "width = 32\nheight = 32\nframes = 4\nfps = 7\nmax_frames = 4\nsize_multiple = 8\nimage_input = true\n"
    "decode_chunk_size = 4\n" + _VIDEO_COMMON,
    # AnimateDiff the way the built-in spec loads it: an SD 1.5 base plus a separate motion adapter.
    "tiny-animatediff": 'id = "tiny-animatediff"\nfamily = "animatediff"\nsource = "tiny-sd"\n[defaults]\n'
    "width = 32\nheight = 32\nframes = 4\nfps = 8\nmax_frames = 16\n"
    'motion_adapter = "FOLDER/tiny-motion-adapter"\n' + _VIDEO_COMMON,
}


@pytest.fixture(scope="session")
def models_folder(runtime_python, tmp_path_factory) -> Path:
    """A models folder: tiny random-weight SD (+ pickle copy, ControlNet) and one model per video family."""
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
    # Tiny video models of every family, with specs that keep their real frame rules.
    subprocess.run(
        [
            runtime_python,
            str(extension.REPO / "tests/tools/tiny_video_models.py"),
            str(folder),
            "ltx",
            "wan",
            "cogvideox",
            "svd",
            "motion-adapter",
        ],
        check=True,
        capture_output=True,
        env=dict(os.environ, HF_HUB_OFFLINE="1"),
    )
    subprocess.run(
        [
            runtime_python,
            str(extension.REPO / "tests/tools/tiny_audio_models.py"),
            str(folder),
            *("vits", "musicgen", "stable-audio", "coqui-vits"),  # XTTS cloning runs in tests/runtime
        ],
        check=True,
        capture_output=True,
        env=dict(os.environ, HF_HUB_OFFLINE="1"),
    )
    subprocess.run(
        [runtime_python, str(extension.REPO / "tests/tools/tiny_llm.py"), str(folder / "tiny-llm")],
        check=True,
        capture_output=True,
        env=dict(os.environ, HF_HUB_OFFLINE="1"),
    )
    subprocess.run(  # Stable Diffusion's x4 upscaler, tiny
        [
            runtime_python,
            str(extension.REPO / "tests/tools/tiny_models.py"),
            "sd-upscale",
            str(folder / "tiny-sd-upscale"),
        ],
        check=True,
        capture_output=True,
        env=dict(os.environ, HF_HUB_OFFLINE="1"),
    )
    subprocess.run(  # RIFE and ESRGAN twins for the learned post paths
        [runtime_python, str(extension.REPO / "tests/tools/tiny_post_models.py"), str(folder)],
        check=True,
        capture_output=True,
        env=dict(os.environ, HF_HUB_OFFLINE="1"),
    )
    for model_id, table in TINY_VIDEO_SPECS.items():
        (folder / f"{model_id}.toml").write_text(table.replace("FOLDER", str(folder)))
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
