"""Procedural music: a small composer with numpy (pad, bass, drums) and its exact beat grid.

Tempo, key and mood come from the style bible. The same seed gives the same samples, and the
beat grid it returns is the grid the audio was built on, so cuts can land on beats exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .audio_io import write_wav

SAMPLE_RATE = 48000
NOTE_INDEX = {
    "C": 0,
    "C#": 1,
    "D": 2,
    "D#": 3,
    "E": 4,
    "F": 5,
    "F#": 6,
    "G": 7,
    "G#": 8,
    "A": 9,
    "A#": 10,
    "B": 11,
}
# Scale degrees (semitones from the root) of each chord's root, one chord per bar.
PROGRESSIONS = {"major": (0, 7, 9, 5), "minor": (0, 8, 3, 10)}
CHORD_SHAPES = {
    "major": ((0, 4, 7), (0, 4, 7), (0, 3, 7), (0, 4, 7)),
    "minor": ((0, 3, 7), (0, 4, 7), (0, 4, 7), (0, 4, 7)),
}


def midi_to_hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def beat_grid(duration: float, bpm: float) -> list[float]:
    beat = 60.0 / bpm
    return [round(i * beat, 6) for i in range(int(duration / beat) + 1) if i * beat <= duration]


def _tone(freq: float, length: int, harmonics: int = 4) -> np.ndarray:
    t = np.arange(length, dtype=np.float32) / SAMPLE_RATE
    wave_ = np.zeros(length, dtype=np.float32)
    for k in range(1, harmonics + 1):  # a soft saw: 1/k harmonics
        wave_ += np.sin(2 * np.pi * freq * k * t, dtype=np.float32) / k
    return wave_


def _envelope(length: int, attack: float, release: float) -> np.ndarray:
    env = np.ones(length, dtype=np.float32)
    a, r = min(length, int(attack * SAMPLE_RATE)), min(length, int(release * SAMPLE_RATE))
    if a:
        env[:a] = np.linspace(0, 1, a, dtype=np.float32)
    if r:
        env[-r:] *= np.linspace(1, 0, r, dtype=np.float32)
    return env


def _add(track: np.ndarray, sound: np.ndarray, start: int) -> None:
    end = min(len(track), start + len(sound))
    if start < end:
        track[start:end] += sound[: end - start]


def compose(
    duration: float, bpm: float, key: str, mode: str, energy: float, seed: int
) -> tuple[np.ndarray, list]:
    """Return (stereo float32 samples in [-1, 1], beat times in seconds)."""
    rng = np.random.default_rng(seed)
    total = int(duration * SAMPLE_RATE)
    beat = 60.0 / bpm
    bar = 4 * beat
    root = 48 + NOTE_INDEX.get(key, 0)  # C3
    progression, shapes = PROGRESSIONS[mode], CHORD_SHAPES[mode]
    pad = np.zeros(total, dtype=np.float32)
    bass = np.zeros(total, dtype=np.float32)
    drums = np.zeros(total, dtype=np.float32)
    bar_samples = int(bar * SAMPLE_RATE)
    for index in range(int(np.ceil(duration / bar))):
        start = int(index * bar * SAMPLE_RATE)
        chord_root = root + progression[index % 4]
        chord = sum(_tone(midi_to_hz(chord_root + 12 + i), bar_samples, 5) for i in shapes[index % 4])
        _add(pad, chord * _envelope(bar_samples, 0.4, 0.5) * 0.12, start)
        for beat_in_bar in (0, 2):
            length = int(beat * SAMPLE_RATE)
            note = _tone(midi_to_hz(chord_root - 12), length, 3) * _envelope(length, 0.01, beat * 0.6)
            _add(bass, note * 0.35, start + int(beat_in_bar * beat * SAMPLE_RATE))
    kick_len, snare_len, hat_len = int(0.25 * SAMPLE_RATE), int(0.18 * SAMPLE_RATE), int(0.05 * SAMPLE_RATE)
    t = np.arange(kick_len, dtype=np.float32) / SAMPLE_RATE
    kick = np.sin(2 * np.pi * (50 + 100 * np.exp(-t * 30)) * t) * np.exp(-t * 12)
    snare = rng.standard_normal(snare_len).astype(np.float32) * np.exp(
        -np.arange(snare_len) / SAMPLE_RATE * 25
    )
    hat = rng.standard_normal(hat_len).astype(np.float32)
    hat = np.diff(hat, prepend=0) * np.exp(-np.arange(hat_len) / SAMPLE_RATE * 80)
    grid = beat_grid(duration, bpm)
    for number, time in enumerate(grid):
        position = int(time * SAMPLE_RATE)
        if energy > 0.2:
            _add(drums, kick * 0.6, position) if number % 2 == 0 else _add(
                drums, snare * 0.25 * energy, position
            )
        if energy > 0.5:
            _add(drums, hat * 0.12, position)
            _add(drums, hat * 0.08, position + int(beat / 2 * SAMPLE_RATE))
    mix = pad + bass + drums
    fade = min(total, int(1.5 * SAMPLE_RATE))
    mix[-fade:] *= np.linspace(1, 0, fade, dtype=np.float32)
    mix /= max(1e-6, float(np.abs(mix).max())) / 0.8
    stereo = np.stack([mix, np.roll(mix, 240) * 0.98], axis=1)  # 5 ms offset: a little width
    return stereo, grid


def music(job: dict, ctx) -> dict:
    """Task ``music``: a WAV of the asked length plus its beat grid."""
    samples, grid = compose(
        float(job["duration"]),
        float(job["bpm"]),
        job.get("key", "C"),
        job.get("mode", "minor"),
        float(job.get("energy", 0.6)),
        int(job.get("seed", 0)),
    )
    output = write_wav(Path(job["output"]), samples)
    ctx.artifact(output, duration=len(samples) / SAMPLE_RATE)
    return {
        "output": str(output),
        "beats": grid,
        "bpm": float(job["bpm"]),
        "duration": len(samples) / SAMPLE_RATE,
    }
