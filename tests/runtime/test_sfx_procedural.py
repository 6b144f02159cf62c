"""Procedural sound effects and beds, in the runtime Python: the WAVs each cue lands."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from addon.core.sounds import AMBIENCES, ONE_SHOTS, SOUNDS, onset_of
from addon.core.validation import BadInput
from addon.runtime.backends import JobCancelled, JobContext
from addon.runtime.backends.audio_io import read_wav
from addon.runtime.backends.sfx_procedural import SYNTHS, render, sfx
from addon.runtime.client import WorkerClient

RATE = 48_000


def make(folder: Path, sound: str, duration: float = 1.5, **fields) -> tuple[np.ndarray, dict]:
    """Run the ``sfx`` task; (the WAV's samples, the result), checking what it reported."""
    output = folder / f"{sound}-{len(list(folder.iterdir()))}.wav"
    events = []
    context = JobContext(job_id="t", emit=lambda kind, job_id, **data: events.append((kind, data)))
    result = sfx({"sound": sound, "duration": duration, "output": str(output), **fields}, context)
    samples, rate = read_wav(output)
    assert rate == RATE and samples.ndim == 1
    assert ("artifact", {"path": str(output), "duration": result["duration"]}) in events
    return samples, result


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


def window_rms(samples: np.ndarray, seconds: float) -> np.ndarray:
    """The RMS of every window of ``seconds``, by start sample."""
    width = int(seconds * RATE)
    energy = np.concatenate([[0.0], np.cumsum(np.square(samples, dtype=np.float64))])
    return np.sqrt((energy[width:] - energy[:-width]) / width)


def test_every_name_in_the_library_has_a_recipe():
    assert list(SYNTHS) == list(SOUNDS)


@pytest.mark.parametrize("sound", list(SOUNDS))
def test_every_sound_is_48k_mono_of_its_length_audible_bounded_and_repeatable(tmp_path, sound):
    samples, result = make(tmp_path, sound, 1.5, seed=4)
    assert len(samples) == int(1.5 * RATE) and result["duration"] == 1.5
    assert result["sound"] == sound and result["intensity"] == 0.7  # the default intensity
    assert result["onset"] == onset_of(sound, 1.5) and result["output"].endswith(".wav")
    assert rms(samples) > 1e-3 and 0.01 < np.abs(samples).max() <= 0.98
    again, _ = make(tmp_path, sound, 1.5, seed=4)
    other, _ = make(tmp_path, sound, 1.5, seed=5)
    assert np.array_equal(samples, again) and not np.array_equal(samples, other)


def test_intensity_turns_every_sound_down():
    for sound in SOUNDS:
        quiet, loud = (render(sound, 1.0, level, 0) for level in (0.3, 0.9))
        assert rms(quiet) < 0.5 * rms(loud), sound


def test_an_alias_runs_its_sound(tmp_path):
    _, result = make(tmp_path, "waves", 1.0)
    assert result["sound"] == "ocean"


def test_impact_lands_in_its_first_150_ms_and_decays(tmp_path):
    samples, result = make(tmp_path, "impact", 2.0)
    head = samples[: int(0.15 * RATE)]
    assert result["onset"] == 0.0
    assert window_rms(samples, 0.01).argmax() < 0.15 * RATE  # the hit itself
    assert np.sum(np.square(head, dtype=np.float64)) > 0.5 * np.sum(np.square(samples, dtype=np.float64))
    assert rms(samples[int(1.5 * RATE) :]) < 0.05 * rms(head)  # the tail dies away


def test_riser_ends_louder_than_it_starts(tmp_path):
    samples, result = make(tmp_path, "riser", 2.0)
    quarter = len(samples) // 4
    assert rms(samples[-quarter:]) > 4 * rms(samples[:quarter])
    assert result["onset"] == 2.0


def test_whoosh_peaks_in_the_middle_where_its_onset_says(tmp_path):
    samples, result = make(tmp_path, "whoosh", 2.0)
    loudest = window_rms(samples, 0.1).argmax() / RATE + 0.05  # the window's centre
    assert abs(loudest - 1.0) < 0.15 and result["onset"] == 1.0


def test_click_is_over_within_50_ms(tmp_path):
    samples, _ = make(tmp_path, "click", 0.5)
    energy = np.cumsum(np.square(samples, dtype=np.float64))
    assert np.searchsorted(energy, 0.99 * energy[-1]) < 0.05 * RATE


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_hum_peaks_at_a_mains_harmonic(tmp_path, seed):
    samples, _ = make(tmp_path, "hum", 2.0, seed=seed)
    spectrum = np.abs(np.fft.rfft(samples))
    peak = np.fft.rfftfreq(len(samples), 1 / RATE)[spectrum.argmax()]  # 0.5 Hz bins
    assert peak < 500
    assert any(abs(peak - mains * round(peak / mains)) <= 1.0 for mains in (50, 60)), peak


def test_wind_lives_below_1_khz(tmp_path):
    samples, _ = make(tmp_path, "wind", 3.0)
    power = np.abs(np.fft.rfft(samples)) ** 2
    below = power[np.fft.rfftfreq(len(samples), 1 / RATE) < 1000].sum()
    assert below > 0.9 * power.sum()


def test_beds_sit_under_every_one_shot_at_the_same_intensity():
    """Compared by the RMS of each cue's loudest 10 ms: how loud it is when it sounds."""
    level = {sound: window_rms(render(sound, 2.0, 0.7, 0), 0.01).max() for sound in SOUNDS}
    loudest_bed = max(AMBIENCES, key=level.get)
    quietest_shot = min(ONE_SHOTS, key=level.get)
    assert level[loudest_bed] < level[quietest_shot], (loudest_bed, quietest_shot)
    assert all(np.abs(render(bed, 2.0, 0.7, 0)).max() <= 0.25 * 0.7 + 1e-6 for bed in AMBIENCES)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"sound": "kazoo"}, "Unknown sound 'kazoo': known sounds are whoosh, riser, .*, hum, click"),
        ({"duration": 0}, "duration must be between 0.05 and 120 seconds, got 0"),
        ({"duration": 500}, "duration must be between 0.05 and 120 seconds, got 500"),
        ({"intensity": 2}, "intensity must be between 0 and 1, got 2"),
        ({"intensity": True}, "intensity must be a number, not True"),
        ({"seed": -1}, "seed must be between 0 and"),
        ({"output": ""}, "output path is empty"),
    ],
)
def test_bad_requests_are_refused_before_anything_is_written(tmp_path, fields, message):
    job = {"sound": "wind", "duration": 1.0, "output": str(tmp_path / "x.wav"), **fields}
    with pytest.raises(BadInput, match=message):
        sfx(job, JobContext(job_id="t", emit=lambda *a, **k: None))
    assert not list(tmp_path.iterdir())


def test_a_cancelled_job_lands_nothing(tmp_path):
    context = JobContext(job_id="t", emit=lambda *a, **k: None)
    context.cancelled.set()
    with pytest.raises(JobCancelled):
        sfx({"sound": "rain", "duration": 1.0, "output": str(tmp_path / "x.wav")}, context)
    assert not list(tmp_path.iterdir())


def test_the_worker_process_runs_the_sfx_task(tmp_path):
    client = WorkerClient(sys.executable, tmp_path / "worker.log")
    output = tmp_path / "boom.wav"
    try:
        job_id = client.submit(
            {"task": "sfx", "sound": "boom", "duration": 1.0, "intensity": 0.5, "output": str(output)}
        )
        events = []
        while not events or not events[-1].is_terminal:
            event = client.next_event(job_id, timeout=60)
            assert event is not None, "the worker sent nothing for 60 s"
            events.append(event)
    finally:
        client.shutdown()
    kinds = [event.kind for event in events]
    assert kinds[0] == "queued" and "artifact" in kinds and kinds[-1] == "done", events[-1].data
    done = events[-1].data
    assert done["sound"] == "impact" and done["duration"] == 1.0 and done["onset"] == 0.0
    assert done["intensity"] == 0.5 and done["output"] == str(output)
    samples, rate = read_wav(output)
    assert rate == RATE and len(samples) == RATE and 0.4 < np.abs(samples).max() <= 0.5
