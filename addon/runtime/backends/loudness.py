"""Loudness measurement for mastering (ITU-R BS.1770 via pyloudnorm)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np


def read_wav(path: str) -> tuple[np.ndarray, int]:
    with wave.open(path, "rb") as file:
        rate, channels, width = file.getframerate(), file.getnchannels(), file.getsampwidth()
        data = file.readframes(file.getnframes())
    if width == 2:
        samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    elif width == 4:
        samples = np.frombuffer(data, dtype="<i4").astype(np.float32) / 2147483648.0
    else:
        raise ValueError(f"{path}: {8 * width}-bit WAV is not supported")
    return samples.reshape(-1, channels), rate


def measure(job: dict, ctx) -> dict:
    """Task ``loudness``: integrated loudness (LUFS) and sample peak (dBFS) of a WAV."""
    import pyloudnorm

    samples, rate = read_wav(job["path"])
    loudness = float(pyloudnorm.Meter(rate).integrated_loudness(samples))
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    return {
        "lufs": loudness,
        "peak_dbfs": float(20 * np.log10(peak)) if peak > 0 else -120.0,
        "duration": len(samples) / rate,
    }


def limit(samples: np.ndarray, rate: int, ceiling_db: float = -1.0, lookahead: float = 0.005) -> np.ndarray:
    """A look-ahead peak limiter: gain dips smoothly just before peaks so none passes the ceiling.

    The needed gain is min-filtered over the look-ahead window, then averaged over the same
    window; an average of values that are each at most the need at every point stays at most
    the need, so the result never overshoots (a final clip only catches rounding).
    """
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = 10 ** (ceiling_db / 20)
    peak = np.abs(samples).max(axis=1) if samples.ndim == 2 else np.abs(samples)
    needed = np.minimum(1.0, ceiling / np.maximum(peak, 1e-9))
    window = max(1, int(lookahead * rate))
    gain = uniform_filter1d(minimum_filter1d(needed, size=2 * window + 1), size=window + 1)
    limited = samples * (gain[:, None] if samples.ndim == 2 else gain)
    return np.clip(limited, -ceiling, ceiling)


def master(job: dict, ctx) -> dict:
    """Task ``master``: gain a mix to a loudness target, peak-limit it, write the master WAV.

    Limiting lowers loudness a little, so the gain is corrected once after a first pass.
    """
    import pyloudnorm

    from .audio_io import write_wav

    samples, rate = read_wav(job["path"])
    meter = pyloudnorm.Meter(rate)
    before = float(meter.integrated_loudness(samples))
    target, ceiling = float(job["target_lufs"]), float(job.get("ceiling_db", -1.0))
    gain_db = target - before
    for _ in range(2):
        mastered = limit(samples * 10 ** (gain_db / 20), rate, ceiling)
        after = float(meter.integrated_loudness(mastered))
        gain_db += target - after
    output = write_wav(Path(job["output"]), mastered, rate)
    ctx.artifact(output)
    peak = float(np.abs(mastered).max())
    return {
        "output": str(output),
        "lufs_before": before,
        "lufs": after,
        "peak_dbfs": float(20 * np.log10(peak)) if peak > 0 else -120.0,
    }
