"""Loudness measurement for mastering (ITU-R BS.1770 via pyloudnorm)."""

from __future__ import annotations

import wave

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
