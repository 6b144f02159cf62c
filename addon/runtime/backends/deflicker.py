"""Temporal deflicker for generated clips (task ``deflicker``).

Diffusion video often breathes: the whole frame brightens and darkens from one frame to the
next. The fix is a gain per frame, never a spatial filter, so edges stay where they are: each
frame's mean linear luminance over the clip's static regions is pulled to its running average
over neighbouring frames. Flicker is measured the same way before and after: the mean squared
frame-to-frame change of luma in static regions.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np

from ...core.post import check_frame_count
from . import JobContext
from .post_frames import check_frames, linear_to_srgb, luminance, read_frame, srgb_to_linear, write_sequence

TREND_WINDOW = 9  # frames in each local fit of the brightness trend
STATIC_CHANGE = 0.04  # luma change (after removing each frame's global gain) that counts as motion
ANALYSIS_SIDE = 256  # frames are measured on a copy this wide: fast, and enough pixels
GAIN_LIMITS = (0.5, 2.0)  # linear light; anything bigger is not flicker
CUT_CHANGE = 0.25  # mean change of gain-normalised luma between neighbours that means a cut
LIGHT_JUMP = 3.0  # linear brightness changing more than this between neighbours: a flash, kept
DARK_LEVEL = 0.01  # linear: frames this dark (a fade's start, a black frame) are left alone


def _small_luma(rgb: np.ndarray) -> np.ndarray:
    import cv2

    scale = min(1.0, ANALYSIS_SIDE / rgb.shape[1])
    small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
    return luminance(srgb_to_linear(small))


def static_mask(lumas: np.ndarray) -> np.ndarray:
    """Pixels that do not move: their gain-normalised luma barely changes between frames."""
    means = lumas.reshape(len(lumas), -1).mean(axis=1)
    normalised = lumas / np.maximum(means, 1e-6)[:, None, None] * means.mean()
    change = np.abs(np.diff(normalised, axis=0)).max(axis=0)
    mask = change < STATIC_CHANGE
    return mask if mask.mean() > 0.05 else np.ones_like(mask)  # all moving: use every pixel


def flicker(lumas: np.ndarray, mask: np.ndarray) -> float:
    """Mean squared frame-to-frame luma change in static regions (display-referred, 0..1)."""
    display = linear_to_srgb(lumas)
    return float(np.mean(np.diff(display, axis=0)[:, mask] ** 2))


def breaks(lumas: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Per pair of neighbours, whether the trend breaks there: the picture changes (a cut: the
    frames differ even with their gains evened out) or the light jumps far beyond flicker."""
    import cv2

    # Compared as 16-pixel-wide thumbnails: moving texture averages out, a new picture does not.
    size = (16, max(1, round(16 * lumas.shape[1] / lumas.shape[2])))
    thumbs = np.stack([cv2.resize(frame, size, interpolation=cv2.INTER_AREA) for frame in lumas])
    shapes = thumbs / np.maximum(thumbs.reshape(len(thumbs), -1).mean(axis=1), 1e-6)[:, None, None]
    content = np.abs(np.diff(shapes, axis=0)).reshape(len(thumbs) - 1, -1).mean(axis=1)
    ratio = np.abs(np.diff(np.log(np.maximum(levels, 1e-6))))
    return (content > CUT_CHANGE) | (ratio > np.log(LIGHT_JUMP))


def frame_gains(lumas: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per frame, the gain that puts its static regions' brightness on the clip's smooth trend.

    The trend is a local quadratic fit (Savitzky-Golay) of the display-referred mean luma, which
    follows fades and slow light changes exactly and leaves frame-to-frame flicker out; a jump
    bigger than flicker (a cut, a flash) starts a new trend.
    """
    from scipy.signal import savgol_filter

    levels = np.array([frame[mask].mean() for frame in lumas])
    display = linear_to_srgb(levels)
    edges = [0, *(np.flatnonzero(breaks(lumas, levels)) + 1), len(levels)]
    trend = display.copy()
    for start, end in pairwise(edges):
        window = min(TREND_WINDOW, end - start - (1 - (end - start) % 2))
        if window >= 5:  # shorter runs cannot tell flicker from change: left alone
            trend[start:end] = savgol_filter(display[start:end], window, 2, mode="interp")
    gains = np.clip(srgb_to_linear(np.maximum(trend, 0)) / np.maximum(levels, 1e-6), *GAIN_LIMITS)
    return np.where(levels < DARK_LEVEL, 1.0, gains)


def deflicker(job: dict, ctx: JobContext) -> dict:
    frames = check_frames(job["frames"])
    check_frame_count(len(frames), "clip to deflicker")
    lumas = np.stack([_small_luma(read_frame(path)) for path in frames])
    mask = static_mask(lumas)
    gains = frame_gains(lumas, mask)
    after = lumas * gains[:, None, None]

    def make(index: int) -> np.ndarray:
        return linear_to_srgb(srgb_to_linear(read_frame(frames[index])) * np.float32(gains[index]))

    names = write_sequence(Path(job["output_dir"]), len(frames), make, ctx)
    ctx.artifact(Path(job["output_dir"]), frames=len(names))
    return {
        "output_dir": job["output_dir"],
        "frames": names,
        "flicker_before": flicker(lumas, mask),
        "flicker_after": flicker(after, mask),
        "static_share": float(mask.mean()),
    }
