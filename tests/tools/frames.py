"""Decoded frames and sound of a delivered film (PyAV), and what a viewer would notice in them."""

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


def median_f0(samples: np.ndarray, rate: int) -> float:
    """Median pitch (Hz) of the voiced 40 ms windows, by autocorrelation at 8 kHz."""
    step = rate // 8000
    mono = samples.mean(axis=1)[::step] if samples.ndim == 2 else samples[::step]
    rate = rate // step
    window, pitches = int(0.04 * rate), []
    low, high = rate // 400, rate // 70
    for start in range(0, len(mono) - window, window // 2):
        chunk = mono[start : start + window] - mono[start : start + window].mean()
        if np.sqrt(np.mean(chunk**2)) < 0.02:
            continue
        spectrum = np.fft.rfft(chunk, 2 * window)
        correlation = np.fft.irfft(spectrum * np.conj(spectrum))[:window]
        lag = low + int(np.argmax(correlation[low:high]))
        if correlation[lag] > 0.5 * correlation[0]:
            pitches.append(rate / lag)
    return float(np.median(pitches))
