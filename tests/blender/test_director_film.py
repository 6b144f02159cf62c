"""Briefs as a user writes them, made into films: who speaks, in which voice, with or without music."""

from __future__ import annotations

import importlib
import itertools
import json

import bpy
import pytest

from tests.blender.test_film import decode_audio, use_runtime
from tests.tools.frames import median_f0

DIALOGUE = (
    "Two characters, Mara and Theo, argue about a broken robot in a workshop. 15 seconds. Mara speaks first."
)


# Tests here point the preferences at the runtime and temp media: put back after the module.
pytestmark = pytest.mark.usefixtures("restore_preferences")


def build(tmp_path, brief: str, name: str) -> dict:
    output = tmp_path / name
    assert bpy.ops.storyloom.build_film(brief=brief, output=str(output)) == {"FINISHED"}
    return json.loads(output.with_suffix(".report.json").read_text())


def test_named_characters_speak_in_turn_in_voices_you_can_hear_apart(storyloom, runtime_python, tmp_path):
    bpy.ops.wm.read_homefile(use_empty=True)
    use_runtime(runtime_python, tmp_path / "media")
    report = build(tmp_path, DIALOGUE, "dialogue.mp4")
    lines = [line for shot in report["shots"] for line in shot["lines"]]
    speakers = [line["speaker"] for line in lines]
    assert speakers[:2] == ["Mara", "Theo"] and all(a != b for a, b in itertools.pairwise(speakers))
    assert not any("15 seconds" in line["text"] or "speaks first" in line["text"] for line in lines)
    assert any("robot" in line["text"] for line in lines)
    samples, rate = decode_audio(tmp_path / "dialogue.mp4")
    pitch = {}
    for line in lines:
        span = samples[round(line["start"] * rate) : round(line["end"] * rate)]
        pitch.setdefault(line["speaker"], []).append(median_f0(span, rate))
    mara, theo = min(pitch["Mara"]), max(pitch["Theo"])
    assert mara > theo * 1.4, pitch  # a woman's and a man's espeak voice, apart in every line


def test_no_music_means_no_music_strip_and_a_quiet_bed(storyloom, runtime_python, tmp_path):
    bpy.ops.wm.read_homefile(use_empty=True)
    use_runtime(runtime_python, tmp_path / "media")
    report = build(tmp_path, "A 6 second film about a quiet library, no music.", "quiet.mp4")
    scene = bpy.context.scene
    assert not [s for s in scene.sequence_editor.strips_all if s.type == "SOUND" and s.name == "music"]
    assert report["backends"]["music"].startswith("none")
    samples, rate = decode_audio(tmp_path / "quiet.mp4")
    first_line = report["shots"][0]["lines"][0]["start"]
    assert abs(samples[: int(first_line * rate * 0.9)]).max() < 1e-3  # silence before the first word


def test_the_llm_reviser_rewrites_only_the_named_shot_or_the_rules_do(storyloom, runtime, tmp_path):
    director = importlib.import_module(storyloom.__name__ + ".addon.core.director")
    plan_io = importlib.import_module(storyloom.__name__ + ".addon.core.plan")
    bpy.ops.wm.read_homefile(use_empty=True)
    plan = director.make_plan(DIALOGUE)
    bpy.ops.storyloom.import_plan(filepath=str(plan_io.save(plan, tmp_path / "plan.json")))
    note = "make shot 2 darker"
    assert bpy.ops.storyloom.revise_plan(note=note, reviser="local", reviser_model="tiny-llm") == {"FINISHED"}
    revised = plan_io.from_json(bpy.context.scene["storyloom_plan"])
    assert json.loads(bpy.context.scene["storyloom_dirty_shots"]) == ["sh020"]
    assert [s for s in revised["shots"] if s["id"] != "sh020"] == [
        s for s in plan["shots"] if s["id"] != "sh020"
    ]
    assert "darker, low-key lighting" not in revised["shots"][1]["prompt"]  # the model revised, not the rules
    # A reviser model that is not installed: the rules revise, and the plan says so nowhere else.
    bpy.ops.storyloom.import_plan(filepath=str(tmp_path / "plan.json"))
    assert bpy.ops.storyloom.revise_plan(note=note, reviser="local", reviser_model="missing") == {"FINISHED"}
    revised = plan_io.from_json(bpy.context.scene["storyloom_plan"])
    assert "darker, low-key lighting" in revised["shots"][1]["prompt"]
