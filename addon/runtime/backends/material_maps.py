"""Roughness and normal maps derived from a generated colour texture (numpy, no model).

The method, kept simple on purpose (a starting point an artist refines, not a measurement):
- height = Rec. 709 luminance, lightly blurred (3x3 box) so pixel noise does not become bumps;
- normal = normalise(-dh/dx * s, -dh/dy * s, 1) from central differences, OpenGL convention
  (+Y up, what Blender's Normal Map node expects), stored as (n + 1) / 2;
- roughness = 0.35 + 0.6 * (1 - height): dark crevices read rough, bright tops a little glossy.
Differences wrap around the edges for seamless textures, so the maps tile like the colour does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...core.atomic import write_atomic

NORMAL_STRENGTH = 4.0


def _shift(array: np.ndarray, offset: int, axis: int, wrap: bool) -> np.ndarray:
    if wrap:
        return np.roll(array, offset, axis=axis)
    pad = [(0, 0)] * array.ndim
    pad[axis] = (max(offset, 0), max(-offset, 0))
    padded = np.pad(array, pad, mode="edge")
    start = max(-offset, 0)
    return np.take(padded, range(start, start + array.shape[axis]), axis=axis)


def height_map(rgb: np.ndarray, wrap: bool) -> np.ndarray:
    """Luminance in 0..1 of an (H, W, 3) uint8 image, box-blurred 3x3."""
    luminance = rgb[..., :3].astype(np.float32) @ np.array([0.2126, 0.7152, 0.0722], np.float32) / 255.0
    blurred = sum(
        _shift(_shift(luminance, dy, 0, wrap), dx, 1, wrap) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
    )
    return blurred / 9.0


def normal_map(height: np.ndarray, wrap: bool, strength: float = NORMAL_STRENGTH) -> np.ndarray:
    # _shift(h, -1) holds h[x + 1]: central difference (h[x + 1] - h[x - 1]) / 2.
    dx = (_shift(height, -1, 1, wrap) - _shift(height, 1, 1, wrap)) / 2.0
    # Image rows go down, the normal map's +Y goes up: flip the row derivative.
    dy = -(_shift(height, -1, 0, wrap) - _shift(height, 1, 0, wrap)) / 2.0
    normal = np.stack([-dx * strength, -dy * strength, np.ones_like(height)], axis=-1)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    return normal


def roughness_map(height: np.ndarray) -> np.ndarray:
    return 0.35 + 0.6 * (1.0 - height)


def write_maps(color_png: Path, wrap: bool) -> dict[str, Path]:
    """Write ``<stem>-normal.png`` and ``<stem>-roughness.png`` beside the colour texture."""
    from PIL import Image

    rgb = np.asarray(Image.open(color_png).convert("RGB"))
    height = height_map(rgb, wrap)
    normal = np.round((normal_map(height, wrap) + 1.0) * 127.5).clip(0, 255).astype(np.uint8)
    roughness = np.round(roughness_map(height) * 255.0).clip(0, 255).astype(np.uint8)
    outputs = {
        "normal": color_png.with_name(f"{color_png.stem}-normal.png"),
        "roughness": color_png.with_name(f"{color_png.stem}-roughness.png"),
    }
    write_atomic(outputs["normal"], lambda temp: Image.fromarray(normal, "RGB").save(temp, format="PNG"))
    write_atomic(outputs["roughness"], lambda temp: Image.fromarray(roughness, "L").save(temp, format="PNG"))
    return outputs
