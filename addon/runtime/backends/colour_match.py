"""Shot colour matching (task ``colour_match``): a film's shots made to look like one film.

Each shot's colour statistics in CIELAB (mean and spread of L*, a*, b* over its static pixels)
are moved onto the reference's (the first shot, or a chosen frame), as Reinhard et al.'s
colour transfer does, before the look grade. How far apart shots are is measured as CIEDE2000
between their mean colours, the difference a viewer sees between two flat patches.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...core.validation import BadInput
from . import JobContext
from .deflicker import static_mask
from .post_frames import check_frames, luminance, read_frame, srgb_to_linear, write_sequence

SAMPLE_FRAMES = 6  # a shot's statistics come from this many frames spread over it
SPREAD_LIMITS = (0.5, 2.0)  # never stretch or squeeze a channel's contrast more than this
BLACK_LUMA = 0.002  # linear (about 6/255 in sRGB): a reference this dark holds no colour to match


def to_lab(rgb: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(np.ascontiguousarray(rgb, dtype=np.float32), cv2.COLOR_RGB2Lab)


def from_lab(lab: np.ndarray) -> np.ndarray:
    import cv2

    return np.clip(cv2.cvtColor(lab.astype(np.float32), cv2.COLOR_Lab2RGB), 0.0, 1.0)


def delta_e_2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference (Sharma, Wu and Dalal's formulation), for (..., 3) arrays."""
    lab1, lab2 = np.asarray(lab1, np.float64), np.asarray(lab2, np.float64)
    l1, a1, b1 = np.moveaxis(lab1, -1, 0)
    l2, a2, b2 = np.moveaxis(lab2, -1, 0)
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25.0**7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p, h2p = np.degrees(np.arctan2(b1, a1p)) % 360, np.degrees(np.arctan2(b2, a2p)) % 360
    dl, dc = l2 - l1, c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0, dh)
    d_big_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_mean = np.where(
        c1p * c2p == 0,
        h_sum,
        np.where(
            np.abs(h1p - h2p) <= 180, h_sum / 2, np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2)
        ),
    )
    t = (
        1
        - 0.17 * np.cos(np.radians(h_mean - 30))
        + 0.24 * np.cos(np.radians(2 * h_mean))
        + 0.32 * np.cos(np.radians(3 * h_mean + 6))
        - 0.20 * np.cos(np.radians(4 * h_mean - 63))
    )
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c, s_h = 1 + 0.045 * cp_mean, 1 + 0.015 * cp_mean * t
    r_t = (
        -2
        * np.sqrt(cp_mean**7 / (cp_mean**7 + 25.0**7))
        * np.sin(np.radians(60 * np.exp(-(((h_mean - 275) / 25) ** 2))))
    )
    return np.sqrt(
        (dl / s_l) ** 2 + (dc / s_c) ** 2 + (d_big_h / s_h) ** 2 + r_t * (dc / s_c) * (d_big_h / s_h)
    )


def shot_statistics(frames: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread of L*a*b* over the static pixels of a few frames spread over the shot."""
    picks = sorted({round(i * (len(frames) - 1) / max(1, SAMPLE_FRAMES - 1)) for i in range(SAMPLE_FRAMES)})
    pictures = [read_frame(frames[index]) for index in picks]
    labs = np.stack([to_lab(picture) for picture in pictures])
    mask = (
        static_mask(np.stack([luminance(srgb_to_linear(p)) for p in pictures])) if len(pictures) > 1 else None
    )
    pixels = labs[:, mask] if mask is not None else labs.reshape(len(labs), -1, 3)
    pixels = pixels.reshape(-1, 3)
    return pixels.mean(axis=0), pixels.std(axis=0)


def check_reference(frame: Path) -> None:
    if luminance(srgb_to_linear(read_frame(frame))).mean() < BLACK_LUMA:
        raise BadInput(
            f"The colour reference {frame.name} is black: there is no colour in it to match. "
            "Choose a frame that shows the scene."
        )


def colour_match(job: dict, ctx: JobContext) -> dict:
    shots = [check_frames(shot["frames"]) for shot in job["shots"]]
    if job.get("reference_frame"):
        (reference,) = check_frames([job["reference_frame"]])
        reference_frames = [reference]
    else:
        reference_frames = shots[int(job.get("reference_shot", 0))]
        reference = reference_frames[0]
    check_reference(reference)
    ref_mean, ref_spread = shot_statistics(reference_frames)
    before, after, outputs = [], [], []
    for shot, request in zip(shots, job["shots"], strict=True):
        ctx.check_cancelled()
        mean, spread = shot_statistics(shot)
        scale = np.clip(ref_spread / np.maximum(spread, 1e-3), *SPREAD_LIMITS).astype(np.float32)

        def make(index: int, shot=shot, mean=mean, scale=scale) -> np.ndarray:
            lab = to_lab(read_frame(shot[index]))
            return from_lab((lab - mean) * scale + ref_mean)

        names = write_sequence(Path(request["output_dir"]), len(shot), make, ctx)
        matched = [Path(request["output_dir"]) / name for name in names]
        before.append(float(delta_e_2000(mean, ref_mean)))
        after.append(float(delta_e_2000(shot_statistics(matched)[0], ref_mean)))
        outputs.append({"output_dir": request["output_dir"], "frames": names})
    return {"shots": outputs, "delta_e_before": before, "delta_e_after": after, "reference": str(reference)}
