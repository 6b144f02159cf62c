"""Speech and music jobs that land on the timeline: 48 kHz WAVs with their timings beside them.

Speech writes ``<clip>.json`` with word (and, from espeak, phoneme) timings; music writes its
tempo and beat grid. Families: espeak (zero download, exact event timings), transformers VITS
(timings by alignment), the procedural composer (exact grid) and MusicGen (grid by librosa).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ...core.audio import (
    MAX_MUSIC_SECONDS,
    MAX_SFX_SECONDS,
    SAMPLE_RATE,
    check_duration,
    check_reference_clip,
    check_speech_text,
    words_of,
)
from ...core.models import ModelError, ModelSpec
from ...core.validation import BadInput, check_int_range, check_text
from ...core.voices import check_style, espeak_settings
from . import JobContext
from .audio_io import read_wav, to_48k, write_sidecar, write_wav

SPEECH_FAMILIES = ("espeak", "vits", "speecht5", "coqui-vits", "coqui-xtts")
CLONING_FAMILIES = ("coqui-xtts",)  # voices made from a reference clip
MUSIC_FAMILIES = ("procedural", "musicgen", "stable-audio")
SFX_FAMILIES = ("stable-audio",)


def _speed(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.5 <= value <= 2.0:
        raise BadInput(f"The speaking speed must be between 0.5 and 2, got {value!r}.")
    return float(value)


def speech(job: dict, ctx: JobContext, cache, placement_for) -> dict:
    spec = ModelSpec(**job["spec"])
    if spec.family not in SPEECH_FAMILIES:
        raise ModelError(f"No speech backend for family '{spec.family}'.", kind="bad_input")
    text = check_speech_text(job.get("text"))
    seed = check_int_range(job.get("seed", 0), "seed", 0, 2**32 - 1)
    speed = _speed(job.get("speed", 1.0))
    style = check_style(spec.family, spec.id, job.get("style"))
    reference = job.get("reference") or ""
    if reference:
        check_reference_clip(reference)
        if spec.family not in CLONING_FAMILIES:
            raise BadInput(
                f"Voice '{spec.id}' cannot clone a voice from a reference clip: pick a cloning voice."
            )
    elif spec.family in CLONING_FAMILIES:
        raise BadInput(
            f"Voice '{spec.id}' clones a voice: give the character a reference clip (a WAV of 3 s or more)."
        )
    output = Path(job["output"])
    words = words_of(text)
    timings = {"method": "energy alignment (see alignment.py)", "words": []}
    if spec.family == "espeak":
        from .speech_espeak import speak

        raw = output.with_name(f".{output.stem}.espeak.wav")
        voice = {
            "text": text,
            "output": str(raw),
            **espeak_settings(job.get("voice") or "en", style, speed),
        }
        try:
            spoken = speak(voice, _Quiet(ctx))
            samples, rate = read_wav(raw)
        finally:
            raw.unlink(missing_ok=True)
        timings = {
            "method": "espeak events (exact)",
            "words": spoken["words"],
            "phonemes": spoken["phonemes"],
        }
    else:
        loaded = _speech_model(job, spec, cache, placement_for)
        try:
            if spec.family == "vits":
                from . import tts_vits

                samples, rate = tts_vits.synthesize(loaded, text, seed, speed)
            elif spec.family == "speecht5":
                from . import tts_speecht5

                voice = job.get("voice") or spec.defaults.get("voice", "")
                samples, rate = tts_speecht5.synthesize(loaded, text, voice, seed, speed)
            elif spec.family == "coqui-vits":
                from . import tts_coqui

                samples, rate, exact = tts_coqui.synthesize_vits(loaded, text, seed, speed)
                if exact:
                    timings = {"method": "model durations (exact)", "words": exact}
            else:
                from . import tts_coqui

                language = job.get("language") or spec.defaults.get("language", "en")
                samples, rate = tts_coqui.synthesize_xtts(loaded, text, language, reference, seed, speed)
        except BadInput:
            raise
        except ValueError:  # the voice's tokenizer kept none of the text
            raise BadInput(
                f"Voice '{spec.id}' cannot speak this text: none of its characters are in the voice's "
                "alphabet (another script?). Pick a voice for that language, or espeak."
            ) from None
    samples = to_48k(samples, rate)
    if job.get("polish", True):  # rumble out, sibilants tamed (voice_polish)
        from .voice_polish import polish_voice

        samples = polish_voice(samples, SAMPLE_RATE)
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    if peak > 1.0:
        samples = samples / peak  # neural voices can overshoot: normalise rather than clip
    if not timings["words"]:
        from .alignment import align_words

        timings["words"] = align_words(samples, SAMPLE_RATE, words)
    duration = len(samples) / SAMPLE_RATE
    write_wav(output, samples)
    sidecar = write_sidecar(
        output, {"text": text, "duration": duration, "sample_rate": SAMPLE_RATE, **timings}
    )
    ctx.artifact(output, duration=duration)
    return {"output": str(output), "duration": duration, "timings": str(sidecar), "method": timings["method"]}


def _speech_model(job: dict, spec: ModelSpec, cache, placement_for):
    if spec.family == "vits":
        from .tts_vits import load
    elif spec.family == "speecht5":
        from .tts_speecht5 import load
    else:
        from .tts_coqui import load
    placement = placement_for(spec)
    return cache.get(
        f"{spec.family}:{spec.source}@{placement.key}",
        lambda: load(spec, placement, Path(job["models_folder"]), bool(job.get("allow_online"))),
        clock=time.perf_counter,
    )


def music(job: dict, ctx: JobContext, cache, placement_for) -> dict:
    spec = ModelSpec(**job["spec"])
    if spec.family not in MUSIC_FAMILIES:
        raise ModelError(f"No music backend for family '{spec.family}'.", kind="bad_input")
    seconds = check_duration(job.get("duration"), "music", MAX_MUSIC_SECONDS)
    seed = check_int_range(job.get("seed", 0), "seed", 0, 2**32 - 1)
    output = Path(job["output"])
    if spec.family == "procedural":
        from .music_procedural import compose

        samples, grid = compose(
            seconds,
            float(job.get("bpm", 100)),
            job.get("key", "C"),
            job.get("mode", "minor"),
            float(job.get("energy", 0.6)),
            seed,
        )
        beats = {"method": "composed (exact)", "bpm": float(job.get("bpm", 100)), "beats": grid}
    else:
        from .beats import track_beats

        prompt = check_text(job.get("prompt"), "music prompt", required=True)
        samples = _model_audio(job, spec, prompt, seconds, seed, ctx, cache, placement_for)
        tempo, grid = track_beats(samples, SAMPLE_RATE)
        beats = {"method": "librosa beat_track", "bpm": tempo, "beats": grid}
    duration = len(samples) / SAMPLE_RATE
    write_wav(output, samples)
    sidecar = write_sidecar(output, {"duration": duration, "sample_rate": SAMPLE_RATE, **beats})
    ctx.artifact(output, duration=duration)
    return {"output": str(output), "duration": duration, "beats": str(sidecar), "bpm": beats["bpm"]}


def sfx(job: dict, ctx: JobContext, cache, placement_for) -> dict:
    spec = ModelSpec(**job["spec"])
    if spec.family not in SFX_FAMILIES:
        raise ModelError(f"No sound-effect backend for family '{spec.family}'.", kind="bad_input")
    seconds = check_duration(job.get("duration"), "sound effect", MAX_SFX_SECONDS)
    seed = check_int_range(job.get("seed", 0), "seed", 0, 2**32 - 1)
    prompt = check_text(job.get("prompt"), "sound prompt", required=True)
    samples = _model_audio(
        job, spec, prompt, seconds, seed, ctx, cache, placement_for, bool(job.get("fit_window"))
    )
    output = Path(job["output"])
    duration = len(samples) / SAMPLE_RATE
    write_wav(output, samples)
    ctx.artifact(output, duration=duration)
    return {"output": str(output), "duration": duration}


def _model_audio(
    job, spec: ModelSpec, prompt: str, seconds: float, seed: int, ctx, cache, placement_for, fit_window=False
):
    """48 kHz samples from a music/sound model (MusicGen, Stable Audio), peak-safe.

    ``fit_window``: a sound longer than the model makes at once (a film's ambience bed) is cut
    to the model's window instead of refused."""
    if spec.family == "musicgen":
        from . import music_musicgen as backend
    else:
        from . import audio_stable as backend
    placement = placement_for(spec)
    loaded = cache.get(
        f"{spec.family}:{spec.source}@{placement.key}",
        lambda: backend.load(spec, placement, Path(job["models_folder"]), bool(job.get("allow_online"))),
        clock=time.perf_counter,
    )
    if fit_window and hasattr(backend, "window_seconds"):
        seconds = min(seconds, backend.window_seconds(loaded))
    samples, rate = backend.generate(loaded, spec, prompt, seconds, seed, ctx)
    samples = to_48k(samples, rate)
    samples = samples[: round(seconds * SAMPLE_RATE)]
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    return samples / peak if peak > 1.0 else samples


class _Quiet:
    """A context for a sub-step whose artifacts the job reports itself."""

    def __init__(self, ctx: JobContext):
        self.cancelled = ctx.cancelled

    def artifact(self, path, **info) -> None:
        pass
