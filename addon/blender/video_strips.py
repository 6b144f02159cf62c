"""Generated video on the timeline and in the 3D scene: image-sequence strips and screens.

Frame-rate fit: a strip shows one file per scene frame, so a clip made at the model's fps is
laid out with :func:`~..core.video.retime`: each scene frame lists the generated frame that is
due at that moment (files repeat for a slower model, some are skipped for a faster one). The
strip lasts as long in seconds as the clip, on any scene rate including 23.976, and no frame
is written twice on disk.
"""

from __future__ import annotations

import json
from pathlib import Path

import bpy

from ..core.validation import BadInput
from ..core.video import retime, scene_fps
from . import compat
from .timeline import PICTURE_FILTER, free_channel

STRIP_TAG = "storyloom"


def sequence_strip(scene, folder: Path, files: list[str], start: int, label: str, lowest_channel: int = 1):
    """An image-sequence strip listing ``files`` (in ``folder``) from ``start`` on a free channel."""
    channel = free_channel(scene, start, start + len(files), lowest_channel)
    # A model's clip is smaller than the frame: fill the frame, scaled with a smooth filter.
    strip = compat.strips(scene).new_image(
        label[:60], str(folder / files[0]), channel, start, fit_method="FILL"
    )
    strip.transform.filter = PICTURE_FILTER
    for name in files[1:]:
        strip.elements.append(name)
    if bpy.data.filepath:
        try:
            strip.directory = bpy.path.relpath(str(folder)) + "/"
        except ValueError:  # another drive on Windows: keep it absolute
            pass
    return strip


def land_video(scene, folder: Path, frames: list[str], model_fps: float, start: int, label: str, job: dict):
    """Put a generated clip on the timeline at ``start``, retimed to the scene's frame rate."""
    target = scene_fps(scene.render.fps, scene.render.fps_base)
    files = [frames[index] for index in retime(len(frames), model_fps, target)]
    strip = sequence_strip(scene, folder, files, start, label)
    strip[STRIP_TAG] = "video"
    # Enough to regenerate it: what was asked, of which model, with which seed.
    strip["storyloom_job"] = json.dumps({**job, "model_fps": model_fps, "frames": len(frames)})
    return strip


def recorded_fps(strip) -> float:
    """The frame rate a generated strip's clip was made at (its job record), or 0 if unknown."""
    try:
        return float(json.loads(strip.get("storyloom_job", "{}")).get("model_fps", 0.0))
    except (TypeError, ValueError):
        return 0.0


def strip_files(strip) -> tuple[Path, list[str]]:
    """(folder, file names) of an image-sequence strip; refuses other strip types."""
    if strip is None or strip.type != "IMAGE":
        raise BadInput("Select an image-sequence strip (a generated shot or an imported image sequence).")
    folder = Path(bpy.path.abspath(strip.directory))
    names = [element.filename for element in strip.elements]
    missing = [name for name in dict.fromkeys(names) if not (folder / name).is_file()]
    if missing:
        raise BadInput(
            f"Strip '{strip.name}' is missing {len(missing)} frame file(s), e.g. {folder / missing[0]}."
        )
    return folder, names


def footage_screen(scene, strip, shadeless: bool = True) -> bpy.types.Object:
    """A plane showing ``strip``'s frames as a movie texture that follows the scene frame.

    The plane plays one file per scene frame from the strip's start; unique files only, in
    order (a retimed strip's repeats are not needed: the texture counts frames itself).
    """
    folder, names = strip_files(strip)
    unique = list(dict.fromkeys(names))
    image = bpy.data.images.load(str(folder / unique[0]), check_existing=False)
    image.source = "SEQUENCE"
    width, height = image.size
    mesh = bpy.data.meshes.new(f"Storyloom Screen {strip.name}")
    aspect = width / height if height else 16 / 9
    half_w, half_h = aspect, 1.0
    corners = [(-half_w, 0, -half_h), (half_w, 0, -half_h), (half_w, 0, half_h), (-half_w, 0, half_h)]
    mesh.from_pydata(corners, [], [(0, 1, 2, 3)])
    uv = mesh.uv_layers.new(name="UVMap")
    for loop, coords in zip(uv.data, ((0, 0), (1, 0), (1, 1), (0, 1)), strict=True):
        loop.uv = coords
    screen = bpy.data.objects.new(f"Storyloom Screen {strip.name}", mesh)
    scene.collection.objects.link(screen)
    material = bpy.data.materials.new(f"Storyloom Screen {strip.name}")
    tree = compat.material_node_tree(material)
    tree.nodes.clear()
    texture = tree.nodes.new("ShaderNodeTexImage")
    texture.image = image
    texture.image_user.frame_duration = len(unique)
    texture.image_user.frame_start = int(strip.frame_start)
    texture.image_user.frame_offset = 0
    texture.image_user.use_auto_refresh = True
    shader = tree.nodes.new("ShaderNodeEmission" if shadeless else "ShaderNodeBsdfPrincipled")
    output = tree.nodes.new("ShaderNodeOutputMaterial")
    tree.links.new(texture.outputs["Color"], shader.inputs["Color" if shadeless else "Base Color"])
    tree.links.new(shader.outputs[0], output.inputs["Surface"])
    mesh.materials.append(material)
    return screen
