"""Audio jobs in the worker: 48 kHz WAVs, word timings, beat grids, refusals."""

from __future__ import annotations

import json
import subprocess
import sys
import wave
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from addon.core.audio import words_of
from addon.core.models import load_registry
from addon.core.validation import BadInput
from addon.runtime.backends import JobContext
from addon.runtime.backends.alignment import align_words
from addon.runtime.backends.audio_io import read_wav, write_wav
from addon.runtime.backends.beats import track_beats
from addon.runtime.worker import Worker

REPO = Path(__file__).resolve().parents[2]
LINE = "The light moves slowly over the hills, and the valley wakes."
ALIGNMENT_BOUND_S = 0.15  # documented in alignment.py: mean start error against espeak's events


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("audio-models")
    subprocess.run(
        [sys.executable, str(REPO / "tests/tools/tiny_audio_models.py"), str(folder)],
        check=True,
        capture_output=True,
    )
    (folder / "tiny-musicgen-long.toml").write_text(
        'id = "tiny-musicgen-long"\nfamily = "musicgen"\nsource = "tiny-musicgen"\n'
        "[defaults]\nwindow_seconds = 0.2\noverlap_seconds = 0.05\nguidance = 1.0\n"
    )
    return folder


@pytest.fixture(scope="module")
def worker() -> Worker:
    return Worker(open("/dev/null", "w"), memory_budget_bytes=2**40)


def run(worker, models: Path, task: str, model: str, output: Path, **fields) -> dict:
    job = {
        "task": task,
        "spec": load_registry(models)[model].to_dict(),
        "output": str(output),
        "models_folder": str(models),
        "device": "cpu",
        **fields,
    }
    return worker.run_task(job, JobContext(job_id="a", emit=lambda *a, **k: None))


def wav_info(path: Path) -> tuple[int, int]:
    with wave.open(str(path), "rb") as file:
        return file.getframerate(), file.getnframes()


def check_timings(sidecar: Path, text: str, duration: float) -> list[dict]:
    timings = json.loads(sidecar.read_text())
    words = timings["words"]
    assert [w["text"].lower() for w in words] == [w.lower() for w in words_of(text)]
    for word in words:
        assert 0 <= word["start"] <= word["end"] <= duration + 1e-6
    assert all(a["start"] <= b["start"] for a, b in pairwise(words))
    return words


def test_espeak_line_is_48k_with_exact_word_timings(worker, models, tmp_path):
    result = run(worker, models, "speech-line", "espeak", tmp_path / "line.wav", text=LINE, seed=0)
    rate, frames = wav_info(tmp_path / "line.wav")
    assert rate == 48000 and frames == round(result["duration"] * 48000)
    assert result["method"].startswith("espeak events")
    check_timings(Path(result["timings"]), LINE, result["duration"])


def test_alignment_error_against_espeaks_exact_timings(worker, models, tmp_path):
    errors = []
    for index, text in enumerate(
        [
            LINE,
            "Every great journey starts with a single step. Take yours today.",
            "We tell stories with light.",
        ]
    ):
        result = run(worker, models, "speech-line", "espeak", tmp_path / f"{index}.wav", text=text)
        exact = json.loads(Path(result["timings"]).read_text())["words"]
        samples, rate = read_wav(tmp_path / f"{index}.wav")
        aligned = align_words(samples, rate, words_of(text))
        errors += [abs(a["start"] - e["start"]) for a, e in zip(aligned, exact, strict=True)]
    mean = float(np.mean(errors))
    print(f"alignment vs espeak word starts: mean {mean * 1000:.0f} ms, max {max(errors) * 1000:.0f} ms")
    assert mean <= ALIGNMENT_BOUND_S


def test_neural_vits_voice_is_48k_repeatable_and_timed(worker, models, tmp_path):
    first = run(worker, models, "speech-line", "tiny-vits", tmp_path / "a.wav", text=LINE, seed=4)
    run(worker, models, "speech-line", "tiny-vits", tmp_path / "b.wav", text=LINE, seed=4)
    run(worker, models, "speech-line", "tiny-vits", tmp_path / "c.wav", text=LINE, seed=5)
    a, rate = read_wav(tmp_path / "a.wav")
    assert rate == 48000 and len(a) > 0 and np.abs(a).max() > 0
    assert np.array_equal(a, read_wav(tmp_path / "b.wav")[0])
    assert not np.array_equal(a, read_wav(tmp_path / "c.wav")[0])
    words = check_timings(Path(first["timings"]), LINE, first["duration"])
    assert first["method"].startswith("energy alignment") and words[-1]["end"] > words[0]["start"]


def test_musicgen_continues_past_its_window_to_the_exact_length(worker, models, tmp_path):
    short = run(
        worker,
        models,
        "music-clip",
        "tiny-musicgen",
        tmp_path / "s.wav",
        prompt="calm piano",
        duration=0.15,
        seed=2,
    )
    again = run(
        worker,
        models,
        "music-clip",
        "tiny-musicgen",
        tmp_path / "t.wav",
        prompt="calm piano",
        duration=0.15,
        seed=2,
    )
    assert np.array_equal(read_wav(tmp_path / "s.wav")[0], read_wav(tmp_path / "t.wav")[0])
    assert (
        wav_info(tmp_path / "s.wav") == (48000, round(0.15 * 48000))
        and short["duration"] == again["duration"]
    )
    run(
        worker,
        models,
        "music-clip",
        "tiny-musicgen-long",
        tmp_path / "long.wav",
        prompt="calm piano",
        duration=0.5,
        seed=2,
    )  # windows of 0.2 s: three parts, each continuing the last 0.05 s
    assert wav_info(tmp_path / "long.wav") == (48000, 24000)
    beats = json.loads((tmp_path / "long.json").read_text())
    assert beats["method"] == "librosa beat_track" and "bpm" in beats


def test_procedural_music_carries_its_exact_grid(worker, models, tmp_path):
    result = run(
        worker, models, "music-clip", "procedural-music", tmp_path / "m.wav", duration=4.0, bpm=120, seed=1
    )
    beats = json.loads(Path(result["beats"]).read_text())
    assert beats["beats"][:3] == [0.0, 0.5, 1.0] and wav_info(tmp_path / "m.wav") == (48000, 192000)


def test_beat_grid_of_a_click_track_is_within_1_bpm_and_20_ms(tmp_path):
    bpm, rate = 120.0, 48000
    clicks = np.arange(0.5, 12.0, 60.0 / bpm)
    samples = np.zeros(int(12.5 * rate), np.float32)
    tick = np.sin(2 * np.pi * 1000 * np.arange(int(0.02 * rate)) / rate) * np.hanning(int(0.02 * rate))
    for t in clicks:
        start = int(t * rate)
        samples[start : start + len(tick)] += tick.astype(np.float32)
    write_wav(tmp_path / "clicks.wav", samples)
    tempo, beats = track_beats(*read_wav(tmp_path / "clicks.wav"))
    assert abs(tempo - bpm) <= 1.0
    nearest = [min(abs(b - c) for c in clicks) for b in beats]
    assert beats and max(nearest) <= 0.020


@pytest.mark.parametrize(
    ("task", "model", "fields", "message"),
    [
        ("speech-line", "espeak", {"text": "   "}, "The line is empty"),
        ("speech-line", "espeak", {"text": "... !!"}, "has no words to speak"),
        ("speech-line", "tiny-vits", {"text": "日本語のテキスト"}, "cannot speak this text"),
        ("music-clip", "procedural-music", {"duration": 0}, "more than 0 seconds"),
        ("music-clip", "procedural-music", {"duration": 7200}, "too long: at most 600 s"),
        ("speech-line", "espeak", {"text": "hi", "speed": 9}, "speaking speed must be between"),
    ],
)
def test_bad_audio_requests_are_refused(worker, models, tmp_path, task, model, fields, message):
    with pytest.raises(BadInput, match=message):
        run(worker, models, task, model, tmp_path / "x.wav", **fields)
    assert not (tmp_path / "x.wav").exists()


def test_reference_clips_that_cannot_clone_a_voice_are_refused(worker, models, tmp_path):
    write_wav(tmp_path / "silent.wav", np.zeros(48000 * 4, np.float32))
    write_wav(tmp_path / "short.wav", np.sin(np.arange(48000) / 10).astype(np.float32) * 0.5)
    (tmp_path / "notes.wav").write_text("not audio")
    for clip, message in (
        ("silent.wav", "is silent"),
        ("short.wav", "1.0 s long: at least 3 s"),
        ("notes.wav", "is not WAV audio"),
    ):
        with pytest.raises(BadInput, match=message):
            run(
                worker,
                models,
                "speech-line",
                "espeak",
                tmp_path / "x.wav",
                text="hello",
                reference=str(tmp_path / clip),
            )


def test_stable_audio_sound_effect_is_48k_stereo_repeatable_and_bounded(worker, models, tmp_path):
    fields = {"prompt": "a wooden door slams", "duration": 0.1, "seed": 3}
    run(worker, models, "sfx-clip", "tiny-stable-audio", tmp_path / "a.wav", **fields)
    run(worker, models, "sfx-clip", "tiny-stable-audio", tmp_path / "b.wav", **fields)
    a, rate = read_wav(tmp_path / "a.wav")
    assert rate == 48000 and a.shape == (4800, 2)
    assert np.array_equal(a, read_wav(tmp_path / "b.wav")[0])
    with pytest.raises(BadInput, match="at most 0.16 s per clip"):
        run(
            worker, models, "sfx-clip", "tiny-stable-audio", tmp_path / "c.wav", **{**fields, "duration": 1.0}
        )
    with pytest.raises(BadInput, match="sound prompt is empty"):
        run(worker, models, "sfx-clip", "tiny-stable-audio", tmp_path / "d.wav", **{**fields, "prompt": ""})


def test_coqui_vits_voice_times_words_from_its_own_durations(worker, models, tmp_path):
    first = run(worker, models, "speech-line", "tiny-coqui-vits", tmp_path / "a.wav", text=LINE, seed=2)
    run(worker, models, "speech-line", "tiny-coqui-vits", tmp_path / "b.wav", text=LINE, seed=2)
    assert np.array_equal(read_wav(tmp_path / "a.wav")[0], read_wav(tmp_path / "b.wav")[0])
    assert wav_info(tmp_path / "a.wav")[0] == 48000
    assert first["method"] == "model durations (exact)"
    check_timings(Path(first["timings"]), LINE, first["duration"])


def test_cloning_voice_takes_its_voice_from_the_reference_clip(worker, models, tmp_path):
    def clip(name: str, period: float) -> str:
        write_wav(tmp_path / name, (np.sin(np.arange(48000 * 4) / period) * 0.3).astype(np.float32))
        return str(tmp_path / name)

    low, high = clip("low.wav", 19.0), clip("high.wav", 5.0)
    fields = {"text": "hello there", "seed": 1}
    with pytest.raises(BadInput, match="clones a voice: give the character a reference clip"):
        run(worker, models, "speech-line", "tiny-coqui-xtts", tmp_path / "none.wav", **fields)
    run(worker, models, "speech-line", "tiny-coqui-xtts", tmp_path / "a.wav", reference=low, **fields)
    run(worker, models, "speech-line", "tiny-coqui-xtts", tmp_path / "b.wav", reference=low, **fields)
    run(worker, models, "speech-line", "tiny-coqui-xtts", tmp_path / "c.wav", reference=high, **fields)
    a, b, c = (read_wav(tmp_path / f"{name}.wav")[0] for name in "abc")
    assert np.array_equal(a, b)  # same clip, same seed: the same take
    assert not np.array_equal(a[: min(len(a), len(c))], c[: min(len(a), len(c))])  # the clip shapes the voice


def test_speecht5_voice_is_a_named_speaker(worker, models, tmp_path):
    fields = {"text": "hello there, quick fox", "seed": 2}
    result = run(
        worker, models, "speech-line", "tiny-speecht5", tmp_path / "a.wav", voice="narrator", **fields
    )
    run(worker, models, "speech-line", "tiny-speecht5", tmp_path / "b.wav", voice="narrator", **fields)
    run(worker, models, "speech-line", "tiny-speecht5", tmp_path / "c.wav", voice="guide", **fields)
    a, b, c = (read_wav(tmp_path / f"{name}.wav")[0] for name in "abc")
    assert wav_info(tmp_path / "a.wav")[0] == 48000 and len(a) > 0
    assert np.array_equal(a, b) and not np.array_equal(a[: len(c)], c[: len(a)])
    check_timings(Path(result["timings"]), fields["text"], result["duration"])
    with pytest.raises(BadInput, match="no speaker 'ghost'; known: guide, narrator"):
        run(worker, models, "speech-line", "tiny-speecht5", tmp_path / "d.wav", voice="ghost", **fields)
