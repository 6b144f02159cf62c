"""What an image job starts from, gathered in Blender and written as PNGs for the worker.

Everything is checked before anything is written or submitted, so a bad input leaves the
scene and the media folder as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import bpy
import numpy as np

from ..core.paths import contained_path
from ..core.validation import SIZE_MULTIPLE, BadInput
from . import image_io
from .depth import active_camera, render_depth


@dataclass
class PreparedInputs:
    size: tuple[int, int] | None  # (width, height) the model works at; None: the settings' size
    edit: dict = field(default_factory=dict)


def fit_to_model(width: int, height: int) -> tuple[int, int]:
    """The largest multiple-of-8 size at or below (width, height)."""
    fitted = (width - width % SIZE_MULTIPLE, height - height % SIZE_MULTIPLE)
    if min(fitted) < SIZE_MULTIPLE:
        raise BadInput(f"The source image is {width}x{height}: it needs at least 8 pixels on each side.")
    return fitted


def camera_size(scene: bpy.types.Scene, longest: int) -> tuple[int, int]:
    """The render's aspect ratio with the longer side at ``longest`` (multiples of 8)."""
    width = scene.render.resolution_x * scene.render.pixel_aspect_x
    height = scene.render.resolution_y * scene.render.pixel_aspect_y
    scale = longest / max(width, height)
    return fit_to_model(max(8, round(width * scale)), max(8, round(height * scale)))


def _named_image(name: str, what: str) -> bpy.types.Image:
    if not name:
        raise BadInput(f"Pick the {what} image.")
    image = bpy.data.images.get(name)
    if image is None:
        raise BadInput(f"There is no image named '{name}' for the {what}.")
    return image


def source_pixels(settings, scene: bpy.types.Scene, media: Path, key: str) -> np.ndarray:
    if settings.source == "IMAGE":
        return image_io.image_pixels(_named_image(settings.source_image, "source"))
    if settings.source == "FILE":
        if not settings.source_file:
            raise BadInput("Pick the source image file.")
        return image_io.load_file_pixels(settings.source_file)
    render = image_io.save_render_result(scene, contained_path(media, f"renders/{key}-render.png"))
    return image_io.load_file_pixels(str(image_io.named_by_content(render)))


def prepare(settings, context: bpy.types.Context, media: Path, key: str, longest: int) -> PreparedInputs:
    """Check the mode's inputs and write them into ``media/inputs``; returns the edit settings."""
    mode = settings.mode
    common = {"seamless": settings.seamless, "maps": settings.material_maps == "PBR"}
    if mode == "TEXT":
        return PreparedInputs(size=None, edit={"mode": "text", **common})
    if mode == "DEPTH":
        size = camera_size(context.scene, longest)
        depth = render_depth(context.scene, contained_path(media, f"depth/{key}-depth.png"), size)
        control = image_io.named_by_content(depth.path)
        edit = {"mode": "depth", "control": str(control), "control_scale": settings.control_scale}
        return PreparedInputs(size=size, edit={**edit, **common})
    source = source_pixels(settings, context.scene, media, key)
    height, width = source.shape[:2]
    size = fit_to_model(width, height)
    mask = None
    if mode == "INPAINT":
        if settings.mask == "ALPHA":
            mask = image_io.alpha_mask(source)
        else:
            mask = image_io.image_pixels(_named_image(settings.mask_image, "mask"))
            if mask.shape[:2] != source.shape[:2]:
                raise BadInput(
                    f"The mask is {mask.shape[1]}x{mask.shape[0]} but the source image is {width}x{height}: "
                    "they must be the same size."
                )
    # Crop to the model's size here, so the mask and the source stay pixel-aligned.
    source_path = image_io.named_by_content(
        image_io.write_png(source[: size[1], : size[0]], contained_path(media, f"inputs/{key}-source.png"))
    )
    edit = {"mode": "image", "source": str(source_path), "strength": settings.strength, **common}
    if mask is not None:
        mask_path = image_io.named_by_content(
            image_io.write_png(mask[: size[1], : size[0]], contained_path(media, f"inputs/{key}-mask.png"))
        )
        edit.update(mode="inpaint", mask=str(mask_path))
    return PreparedInputs(size=size, edit=edit)


def check_use_as(settings, context: bpy.types.Context) -> None:
    """Refuse, before the job runs, a landing that cannot happen."""
    if settings.use_as in {"PROJECT", "CAMERA"}:
        active_camera(context.scene)
    if settings.use_as == "PROJECT":
        from .projection import check_meshes

        check_meshes(list(context.selected_objects), need_uvs=settings.bake)


def first_frame(kind: str, image_name: str, filepath: str, scene, media: Path, key: str) -> str:
    """Write the first frame an image-to-video job starts from; returns its path ("" for none).

    ``kind``: NONE, IMAGE (a datablock, e.g. a generated keyframe), RENDER (the last render, or
    one made now), PLAYHEAD (the picture at the playhead, rendered now through the sequencer)
    or CONTINUE (the last frame of the active image-sequence strip, used as it is on disk).
    """
    if kind == "NONE":
        return ""
    if kind == "CONTINUE":
        from .video_strips import strip_files

        folder, names = strip_files(compat_active_strip(scene))
        return str(folder / names[-1])
    if kind == "PLAYHEAD":
        if scene.camera is None and not scene.sequence_editor:
            raise BadInput("There is nothing at the playhead to start from: no camera and no strips.")
        bpy.ops.render.render()
        render = image_io.save_render_result(scene, contained_path(media, f"renders/{key}-playhead.png"))
        return str(image_io.named_by_content(render))
    if kind == "IMAGE":
        pixels = image_io.image_pixels(_named_image(image_name, "first frame"))
    elif kind == "FILE":
        if not filepath:
            raise BadInput("Pick the first frame's image file.")
        pixels = image_io.load_file_pixels(filepath)
    else:  # RENDER
        render = image_io.save_render_result(scene, contained_path(media, f"renders/{key}-render.png"))
        return str(image_io.named_by_content(render))
    return str(
        image_io.named_by_content(
            image_io.write_png(pixels, contained_path(media, f"inputs/{key}-first.png"))
        )
    )


def compat_active_strip(scene):
    editor = scene.sequence_editor
    return editor.active_strip if editor is not None else None
