"""Shot timing from speech, beat-snapped cuts and music ducking (pure core)."""

from __future__ import annotations

import itertools

import pytest

from addon.core.sync import SyncSettings, duck_keyframes, time_shots

FPS = 24
BEATS = [i * 60 / 92 for i in range(80)]


def test_shots_fill_the_target_and_hold_their_lines():
    speech = [1.8, 2.2, 2.0, 3.1]
    timings = time_shots(speech, 30.0, FPS, BEATS)
    assert timings[0].start_frame == 0 and timings[-1].end_frame == 30 * FPS
    for before, after in itertools.pairwise(timings):
        assert before.end_frame == after.start_frame
    for timing, spoken in zip(timings, speech, strict=True):
        assert timing.voice_start >= timing.start_frame / FPS + 0.4 - 1e-9
        assert timing.voice_end + 0.6 <= timing.end_frame / FPS + 1e-9  # no line crosses a cut
        assert timing.voice_end - timing.voice_start == pytest.approx(spoken)


def test_cuts_land_on_beats_within_a_frame():
    timings = time_shots([1.8, 2.2, 2.0, 3.1], 30.0, FPS, BEATS)
    for timing in timings[:-1]:
        cut = timing.end_frame / FPS
        assert min(abs(cut - beat) for beat in BEATS) <= 1 / FPS


def test_a_beat_that_would_cut_speech_is_not_taken():
    # One long line: the nearest beat to the proportional cut is before the line ends.
    timings = time_shots([5.0, 0.5], 7.0, FPS, [0.0, 2.0, 4.0, 6.0, 8.0])
    assert timings[0].end_frame / FPS >= 0.4 + 5.0 + 0.6 - 1e-9


def test_speech_longer_than_the_target_runs_long_instead_of_cutting():
    timings = time_shots([10.0, 10.0], 5.0, FPS, settings=SyncSettings(snap_to_beats=False))
    assert timings[-1].end_frame / FPS >= 2 * (0.4 + 10.0 + 0.6) - 1e-9


def test_ducking_dips_by_the_depth_around_each_line():
    keys = duck_keyframes(
        [(2.0, 4.0), (4.2, 5.0), (10.0, 11.0)], base=0.5, depth_db=12, attack=0.15, release=0.4
    )
    ducked = 0.5 * 10 ** (-12 / 20)
    gains = dict(keys)
    assert gains[0.0] == 0.5 and gains[1.85] == 0.5 and gains[2.0] == pytest.approx(ducked)
    assert 4.0 not in gains  # the two close lines merge: no swell between them
    assert gains[5.0] == pytest.approx(ducked) and gains[5.4] == 0.5
    assert gains[10.0] == pytest.approx(ducked) and gains[11.4] == 0.5
    assert [t for t, _ in keys] == sorted(t for t, _ in keys)
