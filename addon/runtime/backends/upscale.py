"""Upscaling without a download: Lanczos resampling, then sharpening that keeps detail, tiled.

Lanczos (OpenCV's 8x8 kernel) keeps more detail than bicubic; the resampled luma is then
sharpened by an unsharp mask whose overshoot is held inside each pixel's neighbourhood range,
so edges get crisper without the bright and dark halos plain unsharp masking draws. Frames are
processed in tiles with overlapping context (:func:`~...core.post.tiles`), so memory is
bounded and every kept pixel sees the neighbourhood it would see untiled: no seams.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...core.atomic import atomic_path
from ...core.post import TILE, TILE_OVERLAP, check_upscale, factor_to_cover, tiles
from . import JobContext
from .post_frames import check_frames, luminance, read_frame, write_frame, write_sequence

SHARPEN_AMOUNT = 0.6
SHARPEN_SIGMA = 1.0  # in output pixels per unit of scale factor


def upscale_image(rgb: np.ndarray, factor: int) -> np.ndarray:
    """One untiled upscale: Lanczos, then halo-free sharpening of the luma."""
    import cv2

    big = cv2.resize(rgb, None, fx=factor, fy=factor, interpolation=cv2.INTER_LANCZOS4)
    luma = luminance(big)
    blurred = cv2.GaussianBlur(luma, (0, 0), SHARPEN_SIGMA * factor / 2)
    sharpened = luma + SHARPEN_AMOUNT * (luma - blurred)
    window = np.ones((3, 3), np.uint8)
    # Overshoot past the local range is what reads as a halo: clamp to it.
    sharpened = np.clip(sharpened, cv2.erode(luma, window), cv2.dilate(luma, window))
    return np.clip(big + (sharpened - luma)[..., None], 0.0, 1.0).astype(np.float32)


def upscale_tiled(rgb: np.ndarray, factor: int, tile: int = TILE, overlap: int = TILE_OVERLAP) -> np.ndarray:
    height, width = rgb.shape[:2]
    out = np.empty((height * factor, width * factor, 3), np.float32)
    for y0, y1, keep_y0, keep_y1 in tiles(height, tile, overlap):
        for x0, x1, keep_x0, keep_x1 in tiles(width, tile, overlap):
            big = upscale_image(rgb[y0:y1, x0:x1], factor)
            top, left = (keep_y0 - y0) * factor, (keep_x0 - x0) * factor
            out[keep_y0 * factor : keep_y1 * factor, keep_x0 * factor : keep_x1 * factor] = big[
                top : top + (keep_y1 - keep_y0) * factor, left : left + (keep_x1 - keep_x0) * factor
            ]
    return out


def upscale(job: dict, ctx: JobContext) -> dict:
    """Task ``upscale``: one picture (``image``/``output``) or a sequence (``frames``/``output_dir``).

    ``method`` "lanczos" (``factor`` 2, 3 or 4) or "model" (a learned upscaler at ``model_path``,
    its own factor); or ``cover`` [width, height]: only pictures smaller than that frame are
    upscaled (by the smallest Lanczos factor that fills it), others are left alone (``skipped``).
    """
    single = "image" in job
    frames = check_frames([job["image"]] if single else job["frames"])
    first = read_frame(frames[0])
    height, width = first.shape[:2]
    if "cover" in job and factor_to_cover(width, height, *job["cover"]) == 1:
        return {"skipped": True, "width": width, "height": height}
    tile = int(job.get("tile", TILE))
    if job.get("method", "lanczos") == "model":
        from .upscale_model import load_upscaler

        model = load_upscaler(job["model_path"], job.get("device", "auto"))
        size, factor = model.check_size(width, height), model.scale
        method = f"{model.architecture} (learned)"

        def make(rgb):
            return model.upscale(rgb, tile)
    else:
        factor = factor_to_cover(width, height, *job["cover"]) if "cover" in job else int(job["factor"])
        size, method = check_upscale(width, height, factor), "lanczos"

        def make(rgb):
            return upscale_tiled(rgb, factor, tile)

    record = {"width": size[0], "height": size[1], "factor": factor, "method": method}
    if single:
        output = Path(job["output"])
        with atomic_path(output) as temp:
            write_frame(temp, make(first))
        ctx.artifact(output, width=size[0], height=size[1])
        return {"output": str(output), **record}
    names = write_sequence(
        Path(job["output_dir"]), len(frames), lambda index: make(read_frame(frames[index])), ctx
    )
    ctx.artifact(Path(job["output_dir"]), frames=len(names))
    return {"output_dir": job["output_dir"], "frames": names, **record}
