"""Audio jobs' rules, checked before any model loads: text, durations, reference clips, words.

Pure standard library (Blender's Python and the worker both use it).
"""

from __future__ import annotations

import array
import math
import re
import wave
from pathlib import Path

from .validation import BadInput, check_text

SAMPLE_RATE = 48_000  # every clip Storyloom lands is 48 kHz, the rate video edits use
MAX_MUSIC_SECONDS = 600.0
MAX_SFX_SECONDS = 60.0
MIN_REFERENCE_SECONDS = 3.0  # voice cloning needs a few seconds of one voice
SILENT_DBFS = -50.0

# A word: letters or digits, with inner apostrophes or hyphens (don't, twenty-one).
WORD = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")


def words_of(text: str) -> list[str]:
    """The words of ``text`` in order, as timings list them (punctuation dropped)."""
    return WORD.findall(text)


def check_speech_text(text: object) -> str:
    text = check_text(text, "line", required=True)
    if not words_of(text):
        raise BadInput(f"The line {text!r} has no words to speak.")
    return text


def check_duration(seconds: object, what: str, high: float) -> float:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not math.isfinite(seconds):
        raise BadInput(f"The {what} duration must be a number of seconds, not {seconds!r}.")
    if seconds <= 0:
        raise BadInput(f"The {what} duration must be more than 0 seconds, got {seconds:g}.")
    if seconds > high:
        raise BadInput(
            f"The {what} duration of {seconds:g} s is too long: at most {high:g} s per clip "
            "(generate it in parts, or loop it on the timeline)."
        )
    return float(seconds)


def check_reference_clip(path: str) -> Path:
    """A voice-cloning reference: a readable WAV of at least 3 s that is not silent."""
    clip = Path(path)
    if not clip.is_file():
        raise BadInput(f"The reference clip {clip} does not exist.")
    try:
        with wave.open(str(clip), "rb") as file:
            width, rate, frames = file.getsampwidth(), file.getframerate(), file.getnframes()
            raw = file.readframes(frames)
    except (wave.Error, EOFError) as error:
        raise BadInput(
            f"The reference clip {clip.name} is not WAV audio ({error}); export it as WAV."
        ) from None
    seconds = frames / rate if rate else 0.0
    if seconds < MIN_REFERENCE_SECONDS:
        raise BadInput(
            f"The reference clip {clip.name} is {seconds:.1f} s long: at least {MIN_REFERENCE_SECONDS:g} s "
            "of one voice speaking are needed."
        )
    if width != 2:
        raise BadInput(f"The reference clip {clip.name} is {8 * width}-bit: save it as 16-bit PCM WAV.")
    samples = array.array("h", raw)
    rms = math.sqrt(sum(value * value for value in samples) / max(1, len(samples))) / 32768.0
    if rms == 0 or 20 * math.log10(rms) < SILENT_DBFS:
        raise BadInput(f"The reference clip {clip.name} is silent: record the voice to clone.")
    return clip
