"""Pixels in and out of Blender images: sources, masks and renders written as PNG files.

The worker reads plain PNGs, so whatever the artist picks (an image datablock, the render, a
file) is written into the media folder first. The artist's own datablocks are never changed.
"""

from __future__ import annotations

import os
from pathlib import Path

import bpy
import numpy as np

from ..core.atomic import atomic_path
from ..core.keys import file_digest
from ..core.validation import BadInput
from . import compat

RENDER_RESULT = "Render Result"


def image_pixels(image: bpy.types.Image) -> np.ndarray:
    """The image's RGBA pixels as an (height, width, 4) float array, top row first."""
    width, height = image.size
    if width == 0 or height == 0:
        where = f" (file {image.filepath} missing?)" if image.filepath else ""
        raise BadInput(f"The image '{image.name}' has no pixels{where}: load or paint it first.")
    flat = np.empty(width * height * 4, dtype=np.float32)
    image.pixels.foreach_get(flat)
    pixels = flat.reshape(height, width, 4)[::-1]  # Blender stores the bottom row first
    if image.is_float and image.colorspace_settings.name in ("Linear Rec.709", "Linear", "scene_linear"):
        pixels = pixels.copy()
        pixels[..., :3] = linear_to_srgb(pixels[..., :3])
    return pixels


def linear_to_srgb(values: np.ndarray) -> np.ndarray:
    values = np.clip(values, 0.0, 1.0)
    return np.where(values <= 0.0031308, values * 12.92, 1.055 * np.power(values, 1 / 2.4) - 0.055)


def named_by_content(path: Path) -> Path:
    """Rename a written input to ``<stem>-<digest of its bytes><suffix>`` and return the new path.

    Inputs are written under names from a job's settings; a second job with the same settings
    but another source (queued while the first waits) must not overwrite the first one's input.
    """
    path = Path(path)
    target = path.with_name(f"{path.stem}-{file_digest(path)[:12]}{path.suffix}")
    os.replace(path, target)  # the same bytes again: the same name, so replacing changes nothing
    return target


def write_png(pixels: np.ndarray, path: Path) -> Path:
    """Write (height, width, 4) pixels in 0..1 (top row first) as an 8-bit RGBA PNG, atomically."""
    height, width = pixels.shape[:2]
    scratch = bpy.data.images.new("Storyloom scratch", width, height, alpha=True)
    try:
        scratch.pixels.foreach_set(np.ascontiguousarray(pixels[::-1], dtype=np.float32).ravel())
        scratch.file_format = "PNG"
        with atomic_path(path) as temp:
            scratch.filepath_raw = str(temp)
            scratch.save()
    finally:
        bpy.data.images.remove(scratch)
    return Path(path)


def save_render_result(scene: bpy.types.Scene, path: Path) -> Path:
    """Write the last render (the Render Result) as PNG, atomically; render now if there is none."""
    result = bpy.data.images.get(RENDER_RESULT)
    if result is None:
        if scene.camera is None:
            raise BadInput("There is no render yet and the scene has no active camera to render from.")
        bpy.ops.render.render()
        result = bpy.data.images[RENDER_RESULT]
    with compat.still_output(scene, "PNG", "RGBA"), atomic_path(path) as temp:
        result.save_render(filepath=str(temp), scene=scene)
    return Path(path)


def load_file_pixels(filepath: str) -> np.ndarray:
    """Pixels of an image file (any format Blender reads), without keeping a datablock."""
    path = Path(bpy.path.abspath(filepath))
    if not path.is_file():
        raise BadInput(f"The source file {path} does not exist.")
    try:
        image = bpy.data.images.load(str(path), check_existing=False)
    except RuntimeError as error:
        raise BadInput(f"The source file {path} is not an image Blender can read ({error}).") from None
    try:
        return image_pixels(image)
    finally:
        bpy.data.images.remove(image)


def alpha_mask(pixels: np.ndarray) -> np.ndarray:
    """A mask from painted alpha: transparent areas (alpha < 0.5) are repainted (white)."""
    repaint = (pixels[..., 3] < 0.5).astype(np.float32)
    if not repaint.any():
        raise BadInput("The source image has no transparent pixels: erase (paint alpha on) what to repaint.")
    return np.dstack([repaint, repaint, repaint, np.ones_like(repaint)])
