"""Frame interpolation: a clip made at the model's rate, retimed to the timeline's (task ``interpolate``).

``repeat`` shows the nearest earlier frame, ``blend`` cross-fades neighbours, ``flow`` warps
both neighbours along optical flow (OpenCV's DIS, both directions) to the in-between moment and
mixes them by how visible each is there, and ``model`` asks a learned interpolator
(:mod:`.interpolate_rife`). The clip keeps its real-time length, so the strip does too.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ...core.post import check_fps_fit, check_frame_count, check_ratio, output_times
from . import JobContext
from .post_frames import check_frames, read_frame, write_sequence

OCCLUSION_PIXELS = 1.5  # forward/backward flow disagreeing by this much marks a pixel occluded
FLOW_MAX_SIDE = 960  # flow is estimated at most this wide and scaled up: motion is smooth, 4x faster


def interpolate(job: dict, ctx: JobContext) -> dict:
    method = check_fps_fit(job.get("method", "flow"))
    frames = check_frames(job["frames"])
    check_frame_count(len(frames), "strip")
    source_fps, target_fps = float(job["source_fps"]), float(job["target_fps"])
    check_ratio(source_fps, target_fps)
    times = output_times(len(frames), source_fps, target_fps)
    between = _between_function(method, job)
    read = lru_cache(maxsize=4)(lambda index: read_frame(frames[index]))

    def make(index: int) -> np.ndarray:
        position = times[index]
        before = math.floor(position + 1e-6)
        t = position - before
        if t < 1e-6 or before >= len(frames) - 1:
            return read(min(before, len(frames) - 1))
        return between(read(before), read(before + 1), t, before)

    names = write_sequence(Path(job["output_dir"]), len(times), make, ctx)
    ctx.artifact(Path(job["output_dir"]), frames=len(names))
    return {"output_dir": job["output_dir"], "frames": names, "fps": target_fps, "method": method}


def _between_function(method: str, job: dict):
    if method == "repeat":
        return lambda a, b, t, pair: a
    if method == "blend":
        return lambda a, b, t, pair: (1 - t) * a + t * b
    if method == "model":
        from .interpolate_rife import load_interpolator

        model = load_interpolator(job.get("model_path", ""), job.get("device", "cpu"))
        return lambda a, b, t, pair: model.between(a, b, t)
    flows = FlowPairs()
    return lambda a, b, t, pair: flow_between(a, b, t, flows.get(pair, a, b))


class Motion(NamedTuple):
    """What a pair of neighbours tells about motion: flows both ways, and where each sees."""

    flow_ab: np.ndarray
    flow_ba: np.ndarray
    seen_in_a: np.ndarray  # 1 where a pixel of a is visible in b too, toward 0 where hidden
    seen_in_b: np.ndarray


def motion(a: np.ndarray, b: np.ndarray) -> Motion:
    flow_ab, flow_ba = two_way_flow(a, b)
    return Motion(flow_ab, flow_ba, visibility(flow_ab, flow_ba), visibility(flow_ba, flow_ab))


class FlowPairs:
    """Motion of the last pair of neighbours: consecutive output frames mostly share a pair."""

    def __init__(self):
        self._pair, self._motion = None, None

    def get(self, pair: int, a: np.ndarray, b: np.ndarray) -> Motion:
        if pair != self._pair:
            self._pair, self._motion = pair, motion(a, b)
        return self._motion


def two_way_flow(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense flow a->b and b->a (pixels), by DIS on the 8-bit luma (on a smaller copy of big frames)."""
    import cv2

    height, width = a.shape[:2]
    scale = min(1.0, FLOW_MAX_SIDE / max(height, width))
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    gray_a, gray_b = (_gray8(frame, scale) for frame in (a, b))
    flows = dis.calc(gray_a, gray_b, None), dis.calc(gray_b, gray_a, None)
    if scale == 1.0:
        return flows
    return tuple(
        cv2.resize(flow, (width, height), interpolation=cv2.INTER_LINEAR) / np.float32(scale)
        for flow in flows
    )


def _gray8(rgb: np.ndarray, scale: float) -> np.ndarray:
    import cv2

    gray = cv2.cvtColor(np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray


@lru_cache(maxsize=2)
def _grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    return np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))


def warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Sample ``image`` at x + flow(x) (backward warping)."""
    import cv2

    grid_x, grid_y = _grid(*flow.shape[:2])
    return cv2.remap(
        image, grid_x + flow[..., 0], grid_y + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def visibility(flow_out: np.ndarray, flow_back: np.ndarray) -> np.ndarray:
    """1 where following the flow out and back returns home; toward 0 where the pixel is hidden."""
    round_trip = flow_out + warp(flow_back, flow_out)
    error = np.sum(round_trip * round_trip, axis=2)
    return np.exp(-error / (2 * OCCLUSION_PIXELS**2)).astype(np.float32)


def flow_between(a: np.ndarray, b: np.ndarray, t: float, pair: Motion) -> np.ndarray:
    """The picture at time ``t`` in (0, 1) between ``a`` and ``b``.

    The flows from the unknown middle frame back to each neighbour are approximated from the
    two known flows, assuming motion is locally linear (Jiang et al., Super SloMo, 2018):
    F_t0 = -(1-t) t F_01 + t^2 F_10 and F_t1 = (1-t)^2 F_01 - t (1-t) F_10. Each neighbour is
    warped to t; a pixel a neighbour cannot see (its flows disagree) takes the other's colour.
    """
    flow_ab, flow_ba = pair.flow_ab, pair.flow_ba
    t = np.float32(t)
    flow_t0 = -(1 - t) * t * flow_ab + t * t * flow_ba
    flow_t1 = (1 - t) ** 2 * flow_ab - t * (1 - t) * flow_ba
    weight_a = (1 - t) * warp(pair.seen_in_a, flow_t0) + np.float32(1e-4)
    weight_b = t * warp(pair.seen_in_b, flow_t1) + np.float32(1e-4)
    from_a, from_b = warp(a, flow_t0), warp(b, flow_t1)
    total = weight_a + weight_b
    return from_a * (weight_a / total)[..., None] + from_b * (weight_b / total)[..., None]
