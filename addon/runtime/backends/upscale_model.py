"""Learned super-resolution (ESRGAN, Real-ESRGAN, SwinIR, ... ) through spandrel, safetensors only.

spandrel recognises an upscaler's architecture from its state dict and builds it; Storyloom
hands it only .safetensors files, and only spandrel's core architectures, which are under
permissive licences (MIT, Apache-2.0, BSD); the non-commercial ones live in a separate package
Storyloom does not install. Frames are processed in tiles with overlapping context, as the
Lanczos path is, so memory stays bounded at any size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...core.models import ModelError, check_safetensors_file
from ...core.post import MAX_OUTPUT_SIDE, TILE, TILE_OVERLAP, tiles
from ...core.validation import BadInput

HINT = "Use an upscaler released as .safetensors (e.g. Real-ESRGAN x4plus converted with spandrel)."


class LearnedUpscaler:
    def __init__(self, descriptor, device: str):
        self.descriptor, self.device = descriptor, device
        self.scale = int(descriptor.scale)
        self.architecture = descriptor.architecture.name

    def check_size(self, width: int, height: int) -> tuple[int, int]:
        size = (width * self.scale, height * self.scale)
        if max(size) > MAX_OUTPUT_SIDE:
            raise BadInput(
                f"Upscaling {width}x{height} with a {self.scale}x model gives {size[0]}x{size[1]}, over 8K "
                f"({MAX_OUTPUT_SIDE} px a side): crop first or use a smaller factor."
            )
        return size

    def upscale(self, rgb: np.ndarray, tile: int = TILE, overlap: int = TILE_OVERLAP) -> np.ndarray:
        import torch

        height, width = rgb.shape[:2]
        scale = self.scale
        out = np.empty((height * scale, width * scale, 3), np.float32)
        with torch.inference_mode():
            for y0, y1, keep_y0, keep_y1 in tiles(height, tile, overlap):
                for x0, x1, keep_x0, keep_x1 in tiles(width, tile, overlap):
                    piece = torch.from_numpy(np.ascontiguousarray(rgb[y0:y1, x0:x1])).permute(2, 0, 1)[None]
                    made = (
                        self.descriptor(piece.to(self.device)).clamp(0, 1)[0].permute(1, 2, 0).cpu().numpy()
                    )
                    top, left = (keep_y0 - y0) * scale, (keep_x0 - x0) * scale
                    out[keep_y0 * scale : keep_y1 * scale, keep_x0 * scale : keep_x1 * scale] = made[
                        top : top + (keep_y1 - keep_y0) * scale, left : left + (keep_x1 - keep_x0) * scale
                    ]
        return out


def load_upscaler(path: str, device: str = "auto") -> LearnedUpscaler:
    import torch
    from spandrel import ImageModelDescriptor, ModelLoader

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    weights = check_safetensors_file(Path(path), "upscaler", HINT)
    try:
        descriptor = ModelLoader(device=device).load_from_file(str(weights))
    except Exception as error:  # spandrel's "unsupported model" and friends
        raise ModelError(
            f"{weights.name} is not an upscaler spandrel knows: {error}", kind="bad_input"
        ) from None
    if not isinstance(descriptor, ImageModelDescriptor) or descriptor.scale < 2:
        raise ModelError(
            f"{weights.name} is a {descriptor.architecture.name} model, not an upscaler.", kind="bad_input"
        )
    return LearnedUpscaler(descriptor.eval(), device)
