"""Frames in and out for the post layer (interpolation, upscaling, deflicker, colour match).

OpenCV reads and writes them: it ships in both runtimes (the zero-download one has no PIL)
and reads 8- and 16-bit PNG alike. Pictures travel as float32 RGB in 0..1 (display-referred
sRGB, as models and the VSE hold them); a sequence is written into a temp folder that becomes
the target only when every frame is there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ...core.atomic import atomic_folder
from ...core.validation import BadInput
from . import JobContext

PNG_LEVEL = 1  # Blender's own default (15 %): fast, a few percent larger than level 6


def read_frame(path: str | Path) -> np.ndarray:
    import cv2

    pixels = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if pixels is None:
        raise BadInput(f"{Path(path).name} is not a picture OpenCV can read (PNG, JPEG, EXR, TIFF).")
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[:, :, None], 3, axis=2)
    scale = 65535.0 if pixels.dtype == np.uint16 else 255.0 if pixels.dtype == np.uint8 else 1.0
    rgb = pixels[:, :, 2::-1] if pixels.shape[2] >= 3 else pixels  # BGR(A) -> RGB, alpha dropped
    return np.ascontiguousarray(rgb, dtype=np.float32) / np.float32(scale)


def write_frame(path: Path, rgb: np.ndarray) -> Path:
    """``rgb`` as an 8-bit PNG at ``path`` (PNG whatever the name ends in: temp names too)."""
    import cv2

    pixels = np.round(np.clip(rgb, 0.0, 1.0) * 255.0).astype(np.uint8)
    ok, encoded = cv2.imencode(
        ".png", np.ascontiguousarray(pixels[:, :, ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, PNG_LEVEL]
    )
    if not ok:
        raise BadInput(f"Could not encode {Path(path).name} as PNG.")
    Path(path).write_bytes(encoded.tobytes())
    return Path(path)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Rec. 709 luma of display-referred RGB, the brightness a viewer sees flicker in."""
    return rgb @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((np.maximum(rgb, 0) + 0.055) / 1.055) ** 2.4).astype(
        np.float32
    )


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    linear = np.maximum(linear, 0)
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055).astype(
        np.float32
    )


def check_frames(paths: Sequence[str]) -> list[Path]:
    frames = [Path(path) for path in paths]
    missing = [path.name for path in frames if not path.is_file()]
    if missing:
        raise BadInput(f"{len(missing)} frame(s) are missing, first {missing[0]}: regenerate the strip.")
    return frames


def write_sequence(
    output_dir: Path, count: int, make: Callable[[int], np.ndarray], ctx: JobContext, prefix: str = "frame_"
) -> list[str]:
    """Write ``make(i)`` for i in 0..count-1 as ``frame_0001.png``...; all or nothing."""
    names = [f"{prefix}{index + 1:04d}.png" for index in range(count)]
    with atomic_folder(Path(output_dir)) as temp:
        for index, name in enumerate(names):
            ctx.check_cancelled()
            write_frame(temp / name, make(index))
            ctx.progress(index + 1, count)
    return names
