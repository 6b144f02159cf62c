"""Decoded frames of a delivered film (PyAV), and what a viewer would notice in them."""

from __future__ import annotations

import av
import numpy as np


def frame_at(path, seconds: float) -> np.ndarray:
    """The decoded RGB frame at ``seconds`` of the delivered file."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.time >= seconds:
                return frame.to_ndarray(format="rgb24")
    raise AssertionError(f"no frame at {seconds} s")


def assert_no_black_border(path, seconds: float) -> None:
    frame = frame_at(path, seconds).astype(float).mean(axis=2)
    edges = {"top": frame[:4], "bottom": frame[-4:], "left": frame[:, :4], "right": frame[:, -4:]}
    dark = {name: float(edge.mean()) for name, edge in edges.items() if edge.mean() < 10}
    assert not dark, f"black border at {seconds} s: {dark}"
