"""Diffusion upscaling: Stable Diffusion's x4 upscaler (the registry's ``sd-x4-upscaler``).

The pipeline denoises latents at the low-resolution picture's size, conditioned on the picture
itself and a prompt, and its VAE decodes them four times larger: it invents plausible detail
where Lanczos can only interpolate. It is run in tiles of 128 low-resolution pixels (its
training size) with 16 px of context, so memory stays bounded at any size; tile i is seeded
with seed + i, so the same seed gives the same picture and no grain repeats tile to tile.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...core.models import ModelSpec
from ...core.post import MAX_OUTPUT_SIDE, tiles
from ...core.validation import BadInput
from ..devices import Placement
from . import JobContext, cancellable, loading
from .post_frames import check_frames, read_frame, write_frame, write_sequence

PIPELINE_CLASS = "StableDiffusionUpscalePipeline"
SCALE = 4
TILE, OVERLAP = 128, 16


def load(spec: ModelSpec, placement: Placement, models_folder: Path, allow_online: bool):
    return loading.load_diffusers_pipeline(PIPELINE_CLASS, spec, placement, models_folder, allow_online)


def _progress(ctx: JobContext, steps: int):
    """This pipeline's (older) per-step callback: progress, then a cancel between two steps."""

    def on_step(step: int, timestep, latents) -> None:
        ctx.progress(step + 1, steps)
        ctx.check_cancelled()

    return on_step


def upscale_picture(pipe, rgb: np.ndarray, settings: dict, ctx: JobContext, tile: int = TILE) -> np.ndarray:
    import torch
    from PIL import Image

    height, width = rgb.shape[:2]
    if max(width, height) * SCALE > MAX_OUTPUT_SIDE:
        raise BadInput(
            f"Upscaling {width}x{height} by 4 gives {width * SCALE}x{height * SCALE}, over 8K "
            f"({MAX_OUTPUT_SIDE} px a side): crop first."
        )
    out = np.empty((height * SCALE, width * SCALE, 3), np.float32)
    pieces = [(row, column) for row in tiles(height, tile, OVERLAP) for column in tiles(width, tile, OVERLAP)]
    steps = int(settings["steps"])
    for index, ((y0, y1, keep_y0, keep_y1), (x0, x1, keep_x0, keep_x1)) in enumerate(pieces):
        # The VAE's three stages want sides divisible by 4 at the low resolution: pad by edge copy.
        piece = rgb[y0:y1, x0:x1]
        pad = (-piece.shape[0] % 4, -piece.shape[1] % 4)
        piece = np.pad(piece, ((0, pad[0]), (0, pad[1]), (0, 0)), mode="edge")
        picture = Image.fromarray(np.round(np.clip(piece, 0, 1) * 255).astype(np.uint8), "RGB")
        with cancellable(pipe):
            made = pipe(
                prompt=settings.get("prompt", ""),
                image=picture,
                num_inference_steps=steps,
                guidance_scale=float(settings["guidance"]),
                noise_level=int(settings["noise_level"]),
                # A seed per tile: one seed for all would repeat the same grain at every tile.
                generator=torch.Generator().manual_seed(int(settings.get("seed", 0)) + index),
                output_type="np",
                callback=_progress(ctx.part(index, len(pieces)), steps),
                callback_steps=1,
            ).images[0]
        top, left = (keep_y0 - y0) * SCALE, (keep_x0 - x0) * SCALE
        out[keep_y0 * SCALE : keep_y1 * SCALE, keep_x0 * SCALE : keep_x1 * SCALE] = made[
            top : top + (keep_y1 - keep_y0) * SCALE, left : left + (keep_x1 - keep_x0) * SCALE
        ]
    return out


def upscale(pipe, spec: ModelSpec, job: dict, ctx: JobContext) -> dict:
    """Task ``upscale`` with ``method`` "diffusion": one picture or a sequence, 4x."""
    settings = {"steps": 20, "guidance": 9.0, "noise_level": 20, **spec.defaults, **job.get("settings", {})}
    tile = int(job.get("tile", TILE))
    if "image" in job:
        (source,) = check_frames([job["image"]])
        from ...core.atomic import atomic_path

        made = upscale_picture(pipe, read_frame(source), settings, ctx, tile)
        with atomic_path(Path(job["output"])) as temp:
            write_frame(temp, made)
        ctx.artifact(Path(job["output"]), width=made.shape[1], height=made.shape[0])
        return {"output": job["output"], "width": made.shape[1], "height": made.shape[0], "factor": SCALE}
    frames = check_frames(job["frames"])
    made_size = []

    def make(index: int) -> np.ndarray:
        picture = upscale_picture(
            pipe, read_frame(frames[index]), settings, ctx.part(index, len(frames)), tile
        )
        made_size[:] = picture.shape[1::-1]
        return picture

    names = write_sequence(Path(job["output_dir"]), len(frames), make, ctx)
    ctx.artifact(Path(job["output_dir"]), frames=len(names))
    return {
        "output_dir": job["output_dir"],
        "frames": names,
        "width": made_size[0],
        "height": made_size[1],
        "factor": SCALE,
    }
