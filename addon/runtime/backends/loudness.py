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


OVERSAMPLE = 4  # ITU-R BS.1770-4 Annex 2: true peak measured at 4x the sample rate (or more)


def _db(level: float) -> float:
    return float(20 * np.log10(level)) if level > 0 else -120.0


def sample_envelope(samples: np.ndarray) -> np.ndarray:
    """The highest absolute sample per instant over all channels (frames, channels) -> (frames,)."""
    return np.abs(samples).max(axis=1) if samples.ndim == 2 else np.abs(samples)


def true_peak_envelope(samples: np.ndarray) -> np.ndarray:
    """Per sample, the highest level the reconstructed waveform reaches from it to the next one.

    A DAC (and a lossy decoder) draws the band-limited curve through the samples, which can
    rise above them between two samples by up to ~3 dB: those inter-sample peaks are found by
    4x polyphase oversampling.
    """
    from scipy.signal import resample_poly

    upsampled = resample_poly(samples, OVERSAMPLE, 1, axis=0)[: len(samples) * OVERSAMPLE]
    per_sample = sample_envelope(upsampled).reshape(len(samples), OVERSAMPLE).max(axis=1)
    return np.maximum(per_sample, sample_envelope(samples))


def true_peak_db(samples: np.ndarray) -> float:
    return _db(float(true_peak_envelope(samples).max())) if len(samples) else -120.0


def measure(job: dict, ctx) -> dict:
    """Task ``loudness``: integrated loudness (LUFS), sample peak (dBFS) and true peak (dBTP)."""
    import pyloudnorm

    samples, rate = read_wav(job["path"])
    loudness = float(pyloudnorm.Meter(rate).integrated_loudness(samples))
    return {
        "lufs": loudness,
        "peak_dbfs": _db(float(sample_envelope(samples).max())) if samples.size else -120.0,
        "true_peak_db": true_peak_db(samples),
        "duration": len(samples) / rate,
    }


def limit(samples: np.ndarray, rate: int, ceiling_db: float = -1.0, lookahead: float = 0.005) -> np.ndarray:
    """A look-ahead true-peak limiter: gain dips smoothly before peaks so none passes the ceiling.

    The needed gain comes from the 4x-oversampled envelope (inter-sample peaks included), is
    min-filtered over the look-ahead window, then averaged over the same window; an average of
    values that are each at most the need stays at most the need. The gain's own movement can
    still add a hair between samples, so the result is measured and, if it is over, limited
    again against a ceiling lowered by the excess.
    """
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    window = max(1, int(lookahead * rate))
    target = ceiling_db
    limited = samples
    envelope = np.maximum(true_peak_envelope(samples), 1e-9)  # the input's: computed once
    for _ in range(4):
        ceiling = 10 ** (target / 20)
        needed = np.minimum(1.0, ceiling / envelope)
        gain = uniform_filter1d(minimum_filter1d(needed, size=2 * window + 1), size=window + 1)
        limited = samples * (gain[:, None] if samples.ndim == 2 else gain)
        excess = true_peak_db(limited) - ceiling_db
        if excess <= 0:
            return limited
        target -= excess + 0.01
    return limited * 10 ** (-max(0.0, true_peak_db(limited) - ceiling_db) / 20)


def master(job: dict, ctx) -> dict:
    """Task ``master``: gain a mix to a loudness target, true-peak-limit it, write the master WAV.

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
    return {
        "output": str(output),
        "lufs_before": before,
        "lufs": after,
        "peak_dbfs": _db(float(sample_envelope(mastered).max())),
        "true_peak_db": true_peak_db(mastered),
        "ceiling_db": ceiling,
    }
