"""The "AI render": render the scene (a frame or the animation), restyle it, land the result.

Rendering runs in Blender on the main thread (it is Blender's own render); the restyle runs in
the worker, one fixed seed for every frame so the look holds still from frame to frame.
"""

from __future__ import annotations

from pathlib import Path

import bpy

from ..core.paths import contained_path
from ..core.validation import BadInput
from . import compat
from .depth import active_camera
from .image_io import save_render_result

MAX_FRAMES = 2000


def frame_range(scene: bpy.types.Scene, animation: bool) -> list[int]:
    if not animation:
        return [scene.frame_current]
    frames = list(range(scene.frame_start, scene.frame_end + 1, max(1, scene.frame_step)))
    if not frames:
        raise BadInput(f"The scene's frame range {scene.frame_start}..{scene.frame_end} is empty.")
    if len(frames) > MAX_FRAMES:
        raise BadInput(f"{len(frames)} frames is more than {MAX_FRAMES} at once: render a shorter range.")
    return frames


def render_frames(scene: bpy.types.Scene, frames: list[int], folder: Path) -> list[Path]:
    """Render each frame with the scene's own engine and settings into ``folder`` (PNG)."""
    active_camera(scene)
    current = scene.frame_current
    paths = []
    try:
        for frame in frames:
            scene.frame_set(frame)
            bpy.ops.render.render()
            paths.append(save_render_result(scene, contained_path(folder, f"render_{frame:04d}.png")))
    finally:
        scene.frame_set(current)
    return paths


def free_channel(scene: bpy.types.Scene, start: int, end: int) -> int:
    """The lowest channel with nothing between ``start`` and ``end``."""
    taken = {
        strip.channel
        for strip in compat.all_strips(scene)
        if strip.frame_final_start < end and strip.frame_final_end > start
    }
    return next(channel for channel in range(1, 129) if channel not in taken)


def land_sequence(scene: bpy.types.Scene, folder: Path, names: list[str], start: int, label: str):
    """An image-sequence strip of ``names`` (in ``folder``) from frame ``start`` on a free channel."""
    channel = free_channel(scene, start, start + len(names))
    strip = compat.strips(scene).new_image(label[:60], str(folder / names[0]), channel, start)
    for name in names[1:]:
        strip.elements.append(name)
    if bpy.data.filepath:
        try:
            strip.directory = bpy.path.relpath(str(folder)) + "/"
        except ValueError:
            pass
    strip["storyloom"] = "restyle"
    return strip
