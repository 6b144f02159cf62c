"""Small facts about audio files, read without loading them into Blender."""

from __future__ import annotations

import wave
from pathlib import Path


def wav_seconds(path: Path) -> float:
    """Length of a PCM WAV in seconds, from its header."""
    with wave.open(str(path), "rb") as file:
        return file.getnframes() / file.getframerate()
