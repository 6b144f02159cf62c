"""The "AI render": render the scene (a frame or the animation), restyle it, land the result.

Rendering runs in Blender on the main thread (it is Blender's own render), one frame per step
so an interactive run renders one frame per timer tick; the restyle runs in the worker, one
fixed seed for every frame so the look holds still from frame to frame.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import bpy

from ..core.atomic import atomic_folder
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


def render_frame_steps(
    scene: bpy.types.Scene, frames: list[int], folder: Path
) -> Generator[int, None, list[Path]]:
    """Render the frames with the scene's own engine and settings, one per step; return the PNGs.

    Each ``next()`` renders one frame and yields how many are done: a modal operator renders
    one frame per timer tick, so Blender stays responsive between frames. The frames go into a
    temp folder that becomes ``folder`` only after the last one: closing the generator early
    (Esc) or an error leaves no partial folder. The playhead is put back after every frame.
    """
    active_camera(scene)
    folder = Path(folder)
    names = [f"render_{frame:04d}.png" for frame in frames]
    with atomic_folder(folder) as temp:
        for done, (frame, name) in enumerate(zip(frames, names, strict=True), 1):
            current = scene.frame_current  # where the artist left it, maybe moved since the last frame
            try:
                scene.frame_set(frame)
                bpy.ops.render.render()
                save_render_result(scene, contained_path(temp, name))
            finally:
                scene.frame_set(current)
            yield done
    return [folder / name for name in names]
