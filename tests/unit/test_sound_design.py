"""Sound cues and transitions from the plan: where each cue lands, what a mood refuses, and
transitions that cannot fit."""

from __future__ import annotations

import pytest

from addon.core.sound_design import check_transitions, plan_cues
from addon.core.validation import BadInput


def shot(shot_id: str, **fields) -> dict:
    return {"id": shot_id, "duration_hint": 3.0, "transition": "cut", "sfx": [], **fields}


def test_cues_land_their_energy_on_their_time_and_beds_cover_the_shot():
    shots = [
        shot("a", sfx=["waves", {"sound": "impact", "at": 0.5}]),
        shot("b", transition="whip-pan", sfx=[{"sound": "riser", "at": 0.0, "length": 2.0}]),
    ]
    cues, notes = plan_cues(shots, [(0.0, 3.0), (3.0, 6.0)], "dramatic")
    by_sound = {cue.sound: cue for cue in cues}
    assert not notes
    # The bed runs a quarter second past its cut, to crossfade with what follows.
    assert (by_sound["ocean"].bed, by_sound["ocean"].start, by_sound["ocean"].length) == (True, 0.0, 3.25)
    assert by_sound["impact"].hit == pytest.approx(0.5)
    assert by_sound["riser"].hit == pytest.approx(3.0) and by_sound["riser"].start == pytest.approx(1.0)
    assert by_sound["whoosh"].hit == pytest.approx(3.0)  # the whip-pan's whoosh, centred on its cut


def test_a_calm_shot_gets_no_hit():
    cues, notes = plan_cues([shot("a", mood="calm", sfx=["impact", "birds"])], [(0.0, 3.0)], "dramatic")
    assert [cue.sound for cue in cues] == ["birds"]
    assert notes == ["Shot a: no impact in a calm shot."]


def test_a_transition_longer_than_a_shot_is_refused():
    check_transitions([shot("a", transition="fade"), shot("b", transition="crossfade")])
    with pytest.raises(BadInput, match="lasts 4 s, longer than the 3 s shot it joins"):
        check_transitions([shot("a"), shot("b", transition="dip-black", transition_seconds=4.0)])
    shots = [shot("a", transition="wipe")]
    assert check_transitions(shots) == [
        "Shot a is the first shot: it cannot wipe from nothing, so it cuts in."
    ]
    assert shots[0]["transition"] == "cut"


def test_a_bed_shared_by_shots_is_one_strip_and_unknown_sounds_are_reported():
    shots = [shot("a", sfx=["rain"]), shot("b", sfx=["rain", "thunder"]), shot("c", sfx=["city"])]
    cues, notes = plan_cues(shots, [(0.0, 3.0), (3.0, 6.0), (6.0, 9.0)], "confident")
    assert [(c.sound, c.start, c.length) for c in cues] == [("city", 5.75, 3.25), ("rain", 0.0, 6.25)]
    assert notes == ["Shot b: no sound in the library for 'thunder'."]
