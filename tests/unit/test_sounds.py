"""The procedural sound library's names, words, prompts, timing and checks (pure core)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from addon.core.sounds import (
    AMBIENCES,
    ONE_SHOTS,
    SOUND_ALIASES,
    SOUNDS,
    check_sfx_params,
    onset_of,
    prompt_for,
    resolve_sound,
)
from addon.core.validation import BadInput

REPO = Path(__file__).resolve().parents[2]
NAMES = [
    "whoosh",
    "riser",
    "impact",
    "hit",
    "room-tone",
    "wind",
    "rain",
    "city",
    "crowd",
    "ocean",
    "fire",
    "birds",
    "hum",
    "click",
]


def test_the_library_names_its_cues_and_splits_them_into_beds_and_one_shots():
    assert list(SOUNDS) == NAMES and all(SOUNDS[name] for name in NAMES)
    assert set(AMBIENCES) == {"room-tone", "wind", "rain", "city", "crowd", "ocean", "fire", "birds", "hum"}
    assert set(ONE_SHOTS) == {"whoosh", "riser", "impact", "hit", "click"}
    assert not set(AMBIENCES) & set(ONE_SHOTS)
    assert set(SOUND_ALIASES.values()) <= set(SOUNDS)


@pytest.mark.parametrize(
    ("word", "sound"),
    [
        ("waves", "ocean"),
        ("traffic", "city"),
        ("street", "city"),
        ("storm", "rain"),
        ("breeze", "wind"),
        ("people", "crowd"),
        ("murmur", "crowd"),
        ("fireplace", "fire"),
        ("campfire", "fire"),
        ("forest", "birds"),
        ("machine", "hum"),
        ("engine", "hum"),
        ("ui", "click"),
        ("swoosh", "whoosh"),
        ("boom", "impact"),
        ("thud", "hit"),
        ("build-up", "riser"),
        ("room", "room-tone"),
        ("silence", "room-tone"),
        ("Room Tone", "room-tone"),  # case and spacing as a person types them
        ("room_tone", "room-tone"),
        ("  WIND ", "wind"),
        ("build up", "riser"),
        ("whooshes", "whoosh"),  # plurals
        ("clicks", "click"),
        ("distant traffic", "city"),  # phrases: the last word that names a sound wins
        ("a quiet forest at dawn", "birds"),
        ("rain on a window", "rain"),
    ],
)
def test_words_a_brief_or_an_llm_uses_resolve_to_a_sound(word, sound):
    assert resolve_sound(word) == sound


@pytest.mark.parametrize("word", ["kazoo", "", "   ", None, 3, "the of and"])
def test_words_that_name_no_sound_resolve_to_none(word):
    assert resolve_sound(word) is None


def test_every_sound_has_its_own_text_prompt():
    prompts = [prompt_for(name) for name in SOUNDS]
    assert all(isinstance(p, str) and len(p.split()) >= 4 for p in prompts)
    assert len(set(prompts)) == len(prompts)
    assert "impact" in prompt_for("impact") and "rain" in prompt_for("rain")
    assert prompt_for("waves") == prompt_for("ocean")
    with pytest.raises(BadInput, match="Unknown sound 'kazoo'"):
        prompt_for("kazoo")


@pytest.mark.parametrize("sound", NAMES)
@pytest.mark.parametrize("duration", [0.05, 1.0, 7.5, 120.0])
def test_every_onset_lies_inside_the_clip(sound, duration):
    assert 0.0 <= onset_of(sound, duration) <= duration


def test_onsets_put_each_cue_s_peak_where_it_lands():
    assert onset_of("whoosh", 2.0) == pytest.approx(1.0)  # the pass-by peaks mid-clip
    assert onset_of("riser", 3.0) == pytest.approx(3.0)  # a riser peaks at its very end
    assert onset_of("swoosh", 2.0) == pytest.approx(1.0)
    for sound in ("impact", "hit", "click", *AMBIENCES):
        assert onset_of(sound, 4.0) == 0.0
    with pytest.raises(BadInput, match="Unknown sound"):
        onset_of("kazoo", 1.0)


def test_good_parameters_come_back_canonical():
    assert check_sfx_params("impact", 2, 1) == ("impact", 2.0, 1.0)
    assert check_sfx_params("Waves", 0.05, 0.0) == ("ocean", 0.05, 0.0)
    name, duration, intensity = check_sfx_params("room tone", 120.0, 0.5)
    assert (name, duration, intensity) == ("room-tone", 120.0, 0.5)
    assert isinstance(duration, float) and isinstance(intensity, float)


def test_an_unknown_sound_is_refused_with_the_names_it_could_be():
    with pytest.raises(BadInput, match="Unknown sound 'kazoo'") as caught:
        check_sfx_params("kazoo", 1.0, 0.5)
    assert all(name in str(caught.value) for name in NAMES)
    with pytest.raises(BadInput, match="Unknown sound 7"):
        check_sfx_params(7, 1.0, 0.5)


@pytest.mark.parametrize(
    ("duration", "intensity", "message"),
    [
        (0, 0.5, r"sound duration must be between 0.05 and 120 seconds, got 0\."),
        (500, 0.5, r"sound duration must be between 0.05 and 120 seconds, got 500\."),
        (0.01, 0.5, r"between 0.05 and 120 seconds, got 0.01\."),
        ("2", 0.5, r"sound duration must be a number of seconds, not '2'\."),
        (True, 0.5, r"sound duration must be a number of seconds, not True\."),
        (float("nan"), 0.5, r"sound duration must be a number of seconds, not nan\."),
        (None, 0.5, r"sound duration must be a number of seconds, not None\."),
        (1.0, 2, r"sound intensity must be between 0 and 1, got 2\."),
        (1.0, -0.1, r"sound intensity must be between 0 and 1, got -0.1\."),
        (1.0, True, r"sound intensity must be a number, not True\."),
        (1.0, "loud", r"sound intensity must be a number, not 'loud'\."),
        (1.0, float("inf"), r"sound intensity must be a number, not inf\."),
    ],
)
def test_bad_durations_and_intensities_are_refused_with_one_message(duration, intensity, message):
    with pytest.raises(BadInput, match=message):
        check_sfx_params("wind", duration, intensity)


def test_the_library_imports_nothing_but_the_standard_library():
    probe = (
        "import sys, addon.core.sounds; "
        "bad = {'numpy', 'scipy', 'bpy', 'torch'} & set(sys.modules); assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", probe], cwd=REPO, check=True, capture_output=True)
