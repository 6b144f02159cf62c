"""The rule-based director and the plan schema (pure core)."""

from __future__ import annotations

import copy

import jsonschema
import pytest

from addon.core import plan as plan_io
from addon.core.director import MAX_BRIEF_CHARS, make_plan, read_duration
from addon.core.presets import UnknownPreset
from addon.core.validation import BadInput

BRIEF = "Create a cinematic 30-sec brand film with dramatic lighting and voiceover."


def test_one_liner_gets_a_scripted_hook_body_close_at_the_asked_length():
    plan = make_plan(BRIEF)
    film, shots = plan["film"], plan["shots"]
    assert (film["target_duration"], film["preset"], film["width"], film["height"]) == (
        30.0,
        "youtube",
        1920,
        1080,
    )
    assert plan["style"]["grade"] == "cinematic" and plan["style"]["mode"] == "minor"
    lines = [shot["lines"][0]["text"] for shot in shots]
    assert lines[0] == "Some things are worth doing properly." and lines[-1].endswith("Be part of it.")
    assert len(set(lines)) == len(lines) >= 5  # hook, problem, product, proof, call: no line twice
    assert not any("30" in line or "cinematic" in line.lower() for line in lines)  # directions unspoken
    assert sum(shot["duration_hint"] for shot in shots) == pytest.approx(30.0, abs=0.01)
    assert all("dramatic low-key lighting" in shot["prompt"] for shot in shots)  # the bible in every shot
    assert any("only stage directions" in warning for warning in plan["warnings"])


def test_the_briefs_own_sentences_become_the_voice_over():
    plan = make_plan("Make a vertical Instagram reel, 15 seconds. Fresh beans every morning. Taste it today!")
    assert plan["film"]["preset"] == "vertical" and (plan["film"]["width"], plan["film"]["height"]) == (
        1080,
        1920,
    )
    lines = [s["lines"][0]["text"] for s in plan["shots"]]
    assert lines[1:3] == ["Fresh beans every morning.", "Taste it today!"]  # the brief's own, in order
    assert not any("reel" in line.lower() or "15" in line for line in lines)


@pytest.mark.parametrize(
    ("brief", "seconds"),
    [
        ("a 30-sec spot", 30),
        ("2 minutes on the brand", 120),
        ("ninety seconds of calm", 90),
        ("45 s teaser", 45),
        ("no duration at all", 30),
        ("1.5 min film", 90),
    ],
)
def test_durations_are_read(brief, seconds):
    assert read_duration(brief, []) == seconds


@pytest.mark.parametrize(
    ("brief", "seconds", "warning"), [("a 0 s ad", 5, "too short"), ("a 10 hours epic", 600, "beyond")]
)
def test_absurd_durations_are_clamped_with_a_warning(brief, seconds, warning):
    plan = make_plan(brief)
    assert plan["film"]["target_duration"] == seconds
    assert any(warning in w for w in plan["warnings"])


def test_bad_briefs():
    for brief in ("", "   \n\t "):
        with pytest.raises(BadInput, match="brief is empty"):
            make_plan(brief)
    long_plan = make_plan("A calm film. " * 5000)
    assert len(long_plan["brief"]) <= MAX_BRIEF_CHARS and any("long" in w for w in long_plan["warnings"])
    with pytest.raises(UnknownPreset, match="Unknown delivery preset 'betamax'"):
        make_plan(BRIEF, preset="betamax")


def test_emoji_and_right_to_left_lines_survive():
    plan = make_plan("Make a calm 10 second film. שלום לכולם 🌅. مرحبا بالعالم!")
    lines = [s["lines"][0]["text"] for s in plan["shots"]]
    assert "שלום לכולם 🌅." in lines and "مرحبا بالعالم!" in lines


def test_same_brief_same_plan():
    assert make_plan(BRIEF) == make_plan(BRIEF)


def test_plan_round_trips_and_the_schema_is_real_json_schema(tmp_path):
    plan = make_plan(BRIEF)
    jsonschema.Draft202012Validator.check_schema(plan_io.PLAN_SCHEMA)
    jsonschema.validate(plan, plan_io.PLAN_SCHEMA)
    path = plan_io.save(plan, tmp_path / "plan.json")
    assert plan_io.load(path) == plan


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: p.pop("shots"),
        lambda p: p["film"].update(fps=0),
        lambda p: p["style"].update(palette=["red", "blue"]),
        lambda p: p["shots"][0].update(camera="dolly-zoom"),
        lambda p: p.update(extra=1),
        lambda p: p["shots"][0].update(duration_hint="long"),
        lambda p: p.update(version=2),
    ],
)
def test_our_checker_and_jsonschema_agree_on_broken_plans(mutate):
    plan = copy.deepcopy(make_plan(BRIEF))
    mutate(plan)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(plan, plan_io.PLAN_SCHEMA)
    with pytest.raises(plan_io.PlanError, match="The plan is not valid"):
        plan_io.validate(plan)


def test_a_line_by_an_unknown_speaker_is_refused():
    plan = make_plan(BRIEF)
    plan["shots"][0]["lines"][0]["speaker"] = "Ghost"
    with pytest.raises(plan_io.PlanError, match="'Ghost' is not a character"):
        plan_io.validate(plan)
