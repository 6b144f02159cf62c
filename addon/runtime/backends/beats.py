"""A beat grid for music that was not composed on one: librosa's beat tracker.

The procedural composer returns its grid exactly; for model music (MusicGen, Stable Audio) the
tempo and beat times come from ``librosa.beat.beat_track`` on the rendered audio.
"""

from __future__ import annotations

import numpy as np


def track_beats(samples: np.ndarray, rate: int) -> tuple[float, list[float]]:
    """(tempo in BPM, beat times in seconds) of mono or multi-channel float samples."""
    import librosa

    mono = np.asarray(samples, dtype=np.float32)
    if mono.ndim == 2:
        mono = mono.mean(axis=1)
    envelope = librosa.onset.onset_strength(y=mono, sr=rate)
    tempo, beats = librosa.beat.beat_track(onset_envelope=envelope, sr=rate, units="time")
    return float(np.atleast_1d(tempo)[0]), [round(float(t), 4) for t in beats]
