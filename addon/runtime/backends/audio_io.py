"""Audio files the worker writes: everything lands as 16-bit PCM WAV at 48 kHz, atomically."""

from __future__ import annotations

import json
import wave
from math import gcd
from pathlib import Path

import numpy as np

from ...core.atomic import write_atomic
from ...core.audio import SAMPLE_RATE


def to_rate(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Resample (polyphase, anti-aliased) float samples (frames[, channels]) to ``target`` Hz."""
    samples = np.asarray(samples, dtype=np.float32)
    if rate == target:
        return samples
    from scipy.signal import resample_poly

    common = gcd(int(rate), int(target))
    return resample_poly(samples, int(target) // common, int(rate) // common, axis=0).astype(np.float32)


def to_48k(samples: np.ndarray, rate: int) -> np.ndarray:
    return to_rate(samples, rate, SAMPLE_RATE)


def write_wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE) -> Path:
    """Float samples in -1..1 (frames[, channels]) as 16-bit PCM at ``rate``, atomically."""
    samples = np.asarray(samples, dtype=np.float32)
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2")

    def write(temp: Path) -> None:
        with wave.open(str(temp), "wb") as file:
            file.setnchannels(channels)
            file.setsampwidth(2)
            file.setframerate(rate)
            file.writeframes(pcm.tobytes())

    return write_atomic(path, write)


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Float samples (frames[, channels]) and the rate of a 16-bit PCM WAV."""
    with wave.open(str(path), "rb") as file:
        channels, rate = file.getnchannels(), file.getframerate()
        data = np.frombuffer(file.readframes(file.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    return (data if channels == 1 else data.reshape(-1, channels)), rate


def write_sidecar(wav: Path, data: dict) -> Path:
    """Timings or beats beside the WAV (``clip.wav`` -> ``clip.json``), atomically."""
    target = wav.with_suffix(".json")
    return write_atomic(target, lambda temp: temp.write_text(json.dumps(data, indent=1), encoding="utf-8"))
