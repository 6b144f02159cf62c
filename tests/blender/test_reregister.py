"""enable -> disable -> enable in one Blender: nothing left behind, everything back."""

from __future__ import annotations

import importlib
import inspect
import sys

import addon_utils
import bpy

from tests.tools.extension import ADDON_MODULE


def _package_functions():
    for name, module in list(sys.modules.items()):
        if name == ADDON_MODULE or name.startswith(ADDON_MODULE + "."):
            for _, function in inspect.getmembers(module, inspect.isfunction):
                yield function


def snapshot() -> dict[str, set]:
    """Everything Storyloom can register, read back from Blender itself."""
    handlers = set()
    for list_name in dir(bpy.app.handlers):
        handler_list = getattr(bpy.app.handlers, list_name)
        if isinstance(handler_list, list):
            for function in handler_list:
                if getattr(function, "__module__", "").startswith(ADDON_MODULE):
                    handlers.add((list_name, function.__name__))
    cli = sys.modules.get(ADDON_MODULE + ".addon.cli")
    return {
        "classes": {name for name in dir(bpy.types) if "storyloom" in name.lower()},
        "operators": set(dir(bpy.ops.storyloom)),
        "properties": {
            f"{owner.__name__}.{prop.identifier}"
            for owner in (bpy.types.WindowManager, bpy.types.Scene, bpy.types.Object)
            for prop in owner.bl_rna.properties
            if prop.identifier.startswith("storyloom")
        },
        "handlers": handlers,
        "timers": {f.__qualname__ for f in _package_functions() if bpy.app.timers.is_registered(f)},
        "cli_command": {"storyloom"} if cli is not None and cli._cli_handle is not None else set(),
        "addon": {name for name in bpy.context.preferences.addons.keys() if name == ADDON_MODULE},
    }


def test_disable_leaves_nothing_and_enable_restores_everything(storyloom, prefs, tmp_path, runtime_python):
    session = importlib.import_module(ADDON_MODULE + ".addon.blender.worker_session")
    prefs.runtime_python = runtime_python
    session.get_client().start()
    worker = session.current_client()._process
    enabled = snapshot()
    assert enabled["classes"] >= {"STORYLOOM_OT_doctor", "VIEW3D_PT_storyloom"}
    assert enabled["operators"] == {
        "doctor",
        "generate_image",
        "install_runtime",
        "download_model",
        "unload_models",
        "open_worker_log",
        "build_film",
        "export_plan",
        "import_plan",
        "project_image",
        "set_plate",
        "restyle_render",
        "generate_video",
        "restyle_strip",
        "footage_to_plane",
        "interpolate_strip",
        "upscale_strip",
        "deflicker_strip",
        "upscale_image",
        "generate_speech",
        "generate_music",
        "generate_sfx",
        "voice_add",
        "voice_remove",
        "plan_film",
        "revise_plan",
        "undo_revision",
        "lip_sync",
        "detect_visemes",
        "stage_plan",
        "render_previz",
        "import_rhubarb",
        "viseme_add",
        "viseme_remove",
    }
    assert {"SEQUENCER_PT_storyloom_film", "NODE_PT_storyloom_image"} <= enabled["classes"]
    assert enabled["properties"] == {
        "WindowManager.storyloom_doctor_report",
        "Scene.storyloom_image",
        "Scene.storyloom_film",
        "Scene.storyloom_voices",
        "Scene.storyloom_voice_index",
        "Scene.storyloom_shots",
        "Object.storyloom_visemes",
        "Object.storyloom_viseme_index",
        "Scene.storyloom_shot_index",
    }
    assert ("load_post", "forget_doctor_report") in enabled["handlers"]
    assert ("depsgraph_update_post", "follow_lip_sync") in enabled["handlers"]
    assert enabled["cli_command"] == {"storyloom"}

    addon_utils.disable(ADDON_MODULE, default_set=True)
    disabled = snapshot()
    assert all(not found for found in disabled.values()), disabled
    assert worker is None or worker.poll() is not None  # no worker process outlives the add-on

    addon_utils.enable(ADDON_MODULE, default_set=True)
    assert snapshot() == enabled
    # Blender drops a disabled add-on's preferences: they come back as defaults, and work.
    preferences = bpy.context.preferences.addons[ADDON_MODULE].preferences
    assert preferences.media_folder == "//storyloom/"
    preferences.media_folder = str(tmp_path / "media") + "/"
    assert bpy.ops.storyloom.doctor(probe=False) == {"FINISHED"}
    assert "Storyloom doctor" in bpy.context.window_manager.storyloom_doctor_report
    assert importlib.import_module(ADDON_MODULE).addon.cli._cli_handle is not None
