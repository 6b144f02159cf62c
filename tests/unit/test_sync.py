"""Shot timing from the plan's hints and the speech, and music ducking (pure core)."""

from __future__ import annotations

import itertools

import pytest

from addon.core.sync import duck_keyframes, time_shots

FPS = 24


def test_shots_last_their_hints_and_hold_their_lines():
    speech = [1.8, 2.2, 0.0, 3.1]
    hints = [7.3, 6.9, 2.55, 13.25]
    timings, overruns = time_shots(speech, hints, FPS)
    assert overruns == []
    assert timings[0].start_frame == 0 and timings[-1].end_frame == round(sum(hints) * FPS)
    for before, after in itertools.pairwise(timings):
        assert before.end_frame == after.start_frame
    for timing, spoken, hint in zip(timings, speech, hints, strict=True):
        assert abs(timing.frames - hint * FPS) <= 1  # within one frame of the plan
        assert timing.voice_start >= timing.start_frame / FPS + 0.4 - 1e-9
        if spoken:
            assert timing.voice_end + 0.6 <= timing.end_frame / FPS + 1e-9  # no line crosses a cut
        assert timing.voice_end - timing.voice_start == pytest.approx(spoken)


def test_rounding_never_accumulates_along_the_film():
    hints = [1.01] * 200  # 24.24 frames each
    timings, _ = time_shots([0.0] * 200, hints, FPS)
    assert timings[-1].end_frame == round(sum(hints) * FPS)
    assert {timing.frames for timing in timings} <= {24, 25}


def test_speech_longer_than_its_hint_runs_long_and_is_reported():
    timings, overruns = time_shots([10.0, 1.0, 1.0], [2.0, 3.0, 3.0], FPS)
    assert overruns == [0]
    assert timings[0].frames / FPS >= 0.4 + 10.0 + 0.6 - 1e-9
    assert [t.frames for t in timings[1:]] == [72, 72]  # later shots keep their own lengths


def test_a_shorter_hint_makes_a_shorter_shot():
    before, _ = time_shots([1.0, 1.0], [5.0, 5.0], FPS)
    after, _ = time_shots([1.0, 1.0], [3.5, 5.0], FPS)
    assert after[0].frames == 84 and before[0].frames == 120
    assert after[1].frames == before[1].frames


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


def test_a_j_cut_starts_the_next_line_before_its_picture_and_never_over_the_last_line():
    timings, _ = time_shots([2.0, 1.5], [3.0, 3.0], 24, j_cuts=[0.0, 0.5])
    first, second = timings
    cut = second.start_frame / 24
    assert second.voice_start == pytest.approx(cut - 0.5)
    assert second.voice_start - first.voice_end >= 0.35 - 1e-9  # a turn gap, no overlap


def test_an_l_cut_runs_the_line_over_the_next_picture():
    timings, _ = time_shots([2.0, 1.5], [3.0, 3.0], 24, l_cuts=[0.6, 0.0])
    first, second = timings
    cut = first.end_frame / 24
    assert first.voice_end - cut == pytest.approx(0.6, abs=1 / 24)
    assert second.voice_start >= first.voice_end + 0.35 - 1e-9


def test_an_l_cut_into_a_j_cut_never_overlaps_the_two_lines():
    timings, _ = time_shots([2.0, 1.5], [3.0, 3.0], 24, j_cuts=[0.0, 0.5], l_cuts=[0.6, 0.0])
    first, second = timings
    assert second.voice_start >= first.voice_end + 0.35 - 1e-9


def test_an_l_cut_shortens_the_shot_instead_of_delaying_the_line():
    timings, _ = time_shots([1.0, 1.0], [2.5, 2.5], 24, l_cuts=[0.3, 0.0])
    first = timings[0]
    assert first.voice_start - first.start_frame / 24 == pytest.approx(0.4)  # the usual lead-in
    assert first.voice_end - first.end_frame / 24 == pytest.approx(0.3, abs=1 / 24)


def test_turn_gaps_between_shots_follow_the_plan():
    timings, _ = time_shots([1.0, 1.0], [1.0, 1.0], 24, j_cuts=[0.0, 0.4], gaps=[0.6, 0.6])
    assert timings[1].voice_start - timings[0].voice_end >= 0.6 - 1e-9
