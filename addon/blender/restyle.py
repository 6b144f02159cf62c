"""The "AI render": render the scene (a frame or the animation), restyle it, land the result.

Rendering runs in Blender on the main thread (it is Blender's own render); the restyle runs in
the worker, one fixed seed for every frame so the look holds still from frame to frame.
"""

from __future__ import annotations

from pathlib import Path

import bpy

from ..core.paths import contained_path
from ..core.validation import BadInput
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
