"""The post layer's rules, checked before any frame is read: frame-rate fits, upscales, matches.

Pure standard library: Blender's Python checks an operator's settings with these, the worker
checks a job with the same ones, so the artist sees one message for one mistake.
"""

from __future__ import annotations

import math
from fractions import Fraction

from .validation import BadInput

# How a clip made at the model's rate reaches the timeline's: repeat the nearest earlier frame
# (today's retime), cross-fade neighbours, warp them along optical flow, or a learned model.
FPS_FITS = ("repeat", "blend", "flow", "model")
FPS_FIT_LABELS = {
    "repeat": "Repeat frames (no new pictures)",
    "blend": "Blend neighbours (ghosts on motion)",
    "flow": "Optical flow (zero download)",
    "model": "Learned interpolator (RIFE 4.6, safetensors in the models folder)",
}
# The learned interpolator: RIFE 4.6's IFNet (Practical-RIFE, MIT licence). Its released weights
# are a pickle, converted once to this file in the models folder (see interpolate_rife.py).
INTERPOLATOR_FILE = "interpolators/rife-4.6.safetensors"
INTERPOLATOR_SOURCE = "https://github.com/hzwer/Practical-RIFE (flownet v4.6, MIT)"


def interpolator_path(models_folder, override: str = ""):
    """Where the learned interpolator's weights are: ``override`` or the models folder's file.

    Refused with the way to get them when missing, before any frame is read.
    """
    from pathlib import Path

    path = Path(override) if override else Path(models_folder) / INTERPOLATOR_FILE
    if not path.is_file():
        raise BadInput(
            f"The learned interpolator needs RIFE 4.6 weights at {path}: download flownet v4.6 from "
            f"{INTERPOLATOR_SOURCE}, convert it with `python -m addon.runtime.backends.interpolate_rife "
            "convert flownet.pkl rife-4.6.safetensors` and put the file there; or choose the flow fit."
        )
    return path


# A deliverable of another shape: letterbox/pillarbox it, fill it and cut, or refuse.
ASPECT_FITS = ("pad", "crop", "refuse")
MIN_RATIO, MAX_RATIO = 1.0, 8.0  # interpolation makes up to seven new frames between two
MAX_OUTPUT_SIDE = 8192  # 8K: beyond it frames no longer fit a GPU, a VSE strip or a deliverable
UPSCALE_FACTORS = (2, 3, 4)
TILE = 512  # pixels per tile side: memory stays bounded whatever the frame size
TILE_OVERLAP = 32  # each tile sees this much context past its edge, so seams never show


UPSCALERS_FOLDER = "upscalers"  # learned upscalers' .safetensors files, in the models folder


def upscaler_path(models_folder, override: str = ""):
    """The learned upscaler to use: ``override``, else the first in the models folder's upscalers."""
    from pathlib import Path

    if override:
        return Path(override)
    folder = Path(models_folder) / UPSCALERS_FOLDER
    found = sorted(folder.glob("*.safetensors")) if folder.is_dir() else []
    if not found:
        raise BadInput(
            f"No learned upscaler in {folder}: put an upscaler's .safetensors there (an ESRGAN, "
            "Real-ESRGAN or SwinIR release), or use Lanczos."
        )
    return found[0]


def numbered_frames(folder) -> list:
    """``frame_*.png`` in ``folder`` in frame order (by number: frame_10000 after frame_9999)."""
    import re
    from pathlib import Path

    def number(path: Path) -> int:
        digits = re.findall(r"\d+", path.stem)
        return int(digits[-1]) if digits else -1

    return sorted(Path(folder).glob("frame_*.png"), key=number)


def check_frame_count(count: int, what: str) -> int:
    if count < 2:
        raise BadInput(
            f"The {what} has {count} frame{'s' if count != 1 else ''}: interpolation needs at least "
            "two frames to make the ones between them."
        )
    return count


def check_ratio(source_fps: float, target_fps: float) -> Fraction:
    """The target/source frame-rate ratio, refused outside 1..8 (slow-down or drop is not this)."""
    for name, value in (("source", source_fps), ("target", target_fps)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value <= 0
        ):
            raise BadInput(f"The {name} frame rate must be a positive number, not {value!r}.")
    ratio = Fraction(target_fps).limit_denominator(1001) / Fraction(source_fps).limit_denominator(1001)
    if not MIN_RATIO <= ratio <= MAX_RATIO:
        raise BadInput(
            f"Interpolating {source_fps:g} fps to {target_fps:g} fps is a ratio of {float(ratio):.3g}: "
            f"it must be between {MIN_RATIO:g} and {MAX_RATIO:g} (more frames, at most eight times as many)."
        )
    return ratio


def check_fps_fit(method: str) -> str:
    if method not in FPS_FITS:
        raise BadInput(f"Unknown frame-rate fit '{method}': choose one of {', '.join(FPS_FITS)}.")
    return method


def output_times(frame_count: int, source_fps: float, target_fps: float) -> list[float]:
    """Where, in source frames, each output frame falls: 0, r, 2r, ... up to the last source frame.

    The clip keeps its real-time length: round(frames * target / source) output frames, the
    same count :func:`~.video.retime` gives, so a fit never changes a strip's duration.
    """
    step = source_fps / target_fps
    length = max(1, round(frame_count * target_fps / source_fps))
    return [min(frame_count - 1.0, index * step) for index in range(length)]


def check_upscale(width: int, height: int, factor: int) -> tuple[int, int]:
    """The upscaled size, refused when the factor is unknown or the result passes 8K."""
    if factor not in UPSCALE_FACTORS:
        raise BadInput(
            f"Upscale factor {factor!r} is not offered: choose {', '.join(map(str, UPSCALE_FACTORS))}."
        )
    size = (width * factor, height * factor)
    if max(size) > MAX_OUTPUT_SIDE:
        raise BadInput(
            f"Upscaling {width}x{height} by {factor} gives {size[0]}x{size[1]}, over 8K "
            f"({MAX_OUTPUT_SIDE} px a side): choose a smaller factor or crop first."
        )
    return size


def factor_to_cover(width: int, height: int, target_width: int, target_height: int) -> int:
    """The smallest offered factor that makes a picture cover the target frame (1: it already
    does; the largest offered when none reaches it, the VSE scales the rest)."""
    if width >= target_width and height >= target_height:
        return 1
    for factor in UPSCALE_FACTORS:
        if width * factor >= target_width and height * factor >= target_height:
            return factor
    return UPSCALE_FACTORS[-1]


def tiles(length: int, tile: int = TILE, overlap: int = TILE_OVERLAP) -> list[tuple[int, int, int, int]]:
    """Cut ``length`` pixels into tiles: (read_start, read_end, keep_start, keep_end) each.

    A tile is read with ``overlap`` pixels of context on each inner side and keeps only its own
    span, so every kept pixel saw the same neighbourhood it would have seen untiled.
    """
    spans = []
    for start in range(0, length, tile):
        end = min(length, start + tile)
        spans.append((max(0, start - overlap), min(length, end + overlap), start, end))
    return spans
