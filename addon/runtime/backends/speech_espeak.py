"""Speech with espeak-ng: real synthesis, no downloads (PyPI ``espeakng-loader`` bundles it).

Robotic, but honest and instant: it times the edit (shot lengths follow the voice) and gives
word and phoneme timings for subtitles and lip sync, until a neural voice replaces it.
"""

from __future__ import annotations

import ctypes
import json
import subprocess
import sys
import threading
import wave
from dataclasses import dataclass, field
from pathlib import Path

from ...core.atomic import write_atomic

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_RATE, _VOLUME, _PITCH, _RANGE = 1, 2, 3, 4
_EVENT_WORD, _EVENT_END, _EVENT_PHONEME = 1, 5, 7


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass
class Speech:
    samples: bytearray = field(default_factory=bytearray)  # 16-bit mono PCM
    words: list[dict] = field(default_factory=list)  # {"text", "start", "end"} in seconds
    phonemes: list[dict] = field(default_factory=list)  # {"phoneme", "start"}


class EspeakVoice:
    """One espeak-ng engine per worker (it keeps global state); calls are serialised."""

    _lock = threading.Lock()
    _instance: EspeakVoice | None = None

    def __init__(self):
        import espeakng_loader

        self.lib = ctypes.cdll.LoadLibrary(str(espeakng_loader.get_library_path()))
        data = str(espeakng_loader.get_data_path()).encode()
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.sample_rate = self.lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, data, _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_DONT_EXIT
        )
        if self.sample_rate <= 0:
            raise RuntimeError("espeak-ng failed to initialise")
        self._speech = Speech()
        self._callback = _CALLBACK(self._on_audio)  # keep a reference: ctypes must not free it
        self.lib.espeak_SetSynthCallback(self._callback)

    @classmethod
    def get(cls) -> EspeakVoice:
        with cls._lock:
            if cls._instance is None:
                cls._instance = EspeakVoice()
            return cls._instance

    def _on_audio(self, wav, count: int, events) -> int:
        if count > 0:
            self._speech.samples += ctypes.string_at(wav, count * 2)
        index = 0
        while events[index].type != 0:
            event = events[index]
            seconds = event.audio_position / 1000.0
            if event.type == _EVENT_WORD:
                self._speech.words.append(
                    {"start": seconds, "text_position": event.text_position - 1, "length": event.length}
                )
            elif event.type == _EVENT_PHONEME:
                self._speech.phonemes.append(
                    {"phoneme": event.id.string.decode("ascii", "replace"), "start": seconds}
                )
            index += 1
        return 0

    def synthesize(
        self,
        text: str,
        voice: str = "en",
        words_per_minute: int = 160,
        pitch: int = 50,
        pitch_range: int = 50,
        volume: int = 100,
    ) -> Speech:
        with self._lock:
            self._speech = Speech()
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ValueError(f"espeak-ng has no voice '{voice}'")
            for parameter, value in (
                (_RATE, words_per_minute),
                (_PITCH, pitch),
                (_RANGE, pitch_range),
                (_VOLUME, volume),
            ):
                self.lib.espeak_SetParameter(parameter, int(value), 0)
            encoded = text.encode("utf-8")
            self.lib.espeak_Synth(encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            self.lib.espeak_Synchronize()
            speech = self._speech
        _finish_words(speech, text, len(speech.samples) / 2 / self.sample_rate)
        return speech


def _finish_words(speech: Speech, text: str, duration: float) -> None:
    """Give each word its text and an end time (the next word's start, or the end of audio)."""
    for index, word in enumerate(speech.words):
        start = word.pop("text_position")
        length = word.pop("length")
        # espeak reports positions in characters of the UTF-8 text it was given.
        word["text"] = text[start : start + length] if start >= 0 else ""
        following = speech.words[index + 1]["start"] if index + 1 < len(speech.words) else duration
        word["end"] = min(duration, max(word["start"], following))
        word["start"] = min(word["start"], word["end"])


def write_wav(path: Path, samples: bytes, sample_rate: int) -> Path:
    def write(temp: Path) -> None:
        with wave.open(str(temp), "wb") as file:
            file.setnchannels(1)
            file.setsampwidth(2)
            file.setframerate(sample_rate)
            file.writeframes(samples)

    return write_atomic(path, write)


def synthesize_to_file(job: dict) -> dict:
    engine = EspeakVoice.get()
    speech = engine.synthesize(
        job["text"],
        voice=job.get("voice", "en"),
        words_per_minute=job.get("wpm", 160),
        pitch=job.get("pitch", 50),
        pitch_range=job.get("range", 50),
        volume=job.get("volume", 100),
    )
    output = Path(job["output"])
    write_wav(output, bytes(speech.samples), engine.sample_rate)
    duration = len(speech.samples) / 2 / engine.sample_rate
    return {
        "output": str(output),
        "duration": duration,
        "sample_rate": engine.sample_rate,
        "words": speech.words,
        "phonemes": speech.phonemes,
    }


def speak(job: dict, ctx) -> dict:
    """Task ``speech``: text -> WAV (atomically) plus word and phoneme timings.

    espeak-ng keeps state between syntheses in one process (the same line spoken twice comes
    out slightly different), so each line is spoken by a fresh process: the same text always
    gives the same samples.
    """
    completed = subprocess.run(
        [sys.executable, "-m", __name__],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=120,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"espeak-ng failed: {(completed.stderr.strip().splitlines() or ['?'])[-1]}")
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    ctx.artifact(Path(result["output"]), duration=result["duration"])
    return result


if __name__ == "__main__":
    print(json.dumps(synthesize_to_file(json.loads(sys.stdin.read()))))
