"""App handlers: kept here so register and unregister can mirror each other."""

from __future__ import annotations

import bpy
from bpy.app.handlers import persistent


@persistent
def forget_doctor_report(_scene, _depsgraph=None) -> None:
    # The media folder is relative to the .blend: a report about another file would mislead.
    bpy.context.window_manager.storyloom_doctor_report = ""


@persistent
def follow_lip_sync(scene, _depsgraph=None) -> None:
    # Lip-sync keys sit on NLA strips bound to sound strips: moving a line moves its mouth.
    if scene is not None and scene.get("storyloom_has_lips"):
        from .blender.lip_sync import follow_sound_strips

        follow_sound_strips(scene)


_HANDLERS = (
    (bpy.app.handlers.load_post, forget_doctor_report),
    (bpy.app.handlers.depsgraph_update_post, follow_lip_sync),
)


def register() -> None:
    for handler_list, function in _HANDLERS:
        handler_list.append(function)


def unregister() -> None:
    for handler_list, function in reversed(_HANDLERS):
        if function in handler_list:
            handler_list.remove(function)
