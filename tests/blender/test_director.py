"""The director in Blender: an LLM plans the film (or the rules do, with a warning), revisions."""

from __future__ import annotations

import json
import os
import socket

import bpy
import pytest

from tests.blender.test_film import build

SHORT = "Make a calm 6 second film about Mara, a lighthouse keeper. Slow light over the sea."


def dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def fresh(storyloom, runtime, tmp_path):
    bpy.ops.wm.read_homefile(use_empty=True)
    runtime.media_folder = str(tmp_path / "media") + os.sep
    return tmp_path


def test_a_local_llm_plans_the_film_and_characters_keep_sheet_and_seed(fresh):
    report = build(fresh, SHORT, "llm.mp4", planner="local", planner_model="tiny-llm", preset="vertical")
    assert report["backends"]["director"] == "local LLM tiny-llm"
    plan = json.loads(bpy.context.scene["storyloom_plan"])
    sheets = {c["name"]: (c["look"], c["seed"]) for c in plan["characters"]}
    for shot, reported in zip(plan["shots"], report["shots"], strict=True):
        for name in shot["characters"]:
            look, _seed = sheets[name]
            assert f"{name}: {look}" in reported["prompt"]
        if shot["characters"]:
            assert reported["seed"] == sheets[shot["characters"][0]][1]
        assert shot["path"] in ("image", "video", "previz") and shot["path_reason"]
        # The builder follows the plan: each shot is made by the model the director named.
        assert reported["made_with"] == (shot["model"] or "previz")


def test_a_dead_planner_server_falls_back_to_the_rules_with_a_warning(fresh):
    url = f"http://127.0.0.1:{dead_port()}"
    report = build(fresh, SHORT, "fallback.mp4", planner="server", planner_model="m", planner_url=url)
    assert report["backends"]["director"] == "rules (fallback)"
    assert any("server planner" in w and "did not answer" in w for w in report["warnings"])


def test_a_remote_planner_with_online_access_off_is_refused_before_any_work(fresh):
    assert not bpy.app.online_access
    with pytest.raises(RuntimeError, match="not on this machine and online access is off"):
        bpy.ops.storyloom.build_film(
            brief=SHORT, output=str(fresh / "x.mp4"), planner="server", planner_url="http://10.9.8.7:8000"
        )
    assert not (fresh / "x.mp4").exists() and not (fresh / "media").exists()


def test_a_revision_marks_only_its_shot_and_can_be_undone(fresh):
    build(fresh, "A calm 8 second film. The sea wakes. The light returns.", "r.mp4")
    scene = bpy.context.scene
    before = json.loads(scene["storyloom_plan"])
    assert bpy.ops.storyloom.revise_plan(note="make shot 2 darker and shorter") == {"FINISHED"}
    after = json.loads(scene["storyloom_plan"])
    assert json.loads(scene["storyloom_dirty_shots"]) == [before["shots"][1]["id"]]
    assert [s["id"] for s in after["shots"]] == [s["id"] for s in before["shots"]]
    assert after["characters"] == before["characters"]
    assert bpy.ops.storyloom.undo_revision() == {"FINISHED"}
    assert json.loads(scene["storyloom_plan"]) == before
    with pytest.raises(RuntimeError, match="Nothing to change"):
        bpy.ops.storyloom.revise_plan(note="make it pop")


def test_the_shot_list_edits_the_plan_and_marks_the_shot(fresh):
    build(fresh, SHORT, "list.mp4")
    scene = bpy.context.scene
    plan = json.loads(scene["storyloom_plan"])
    assert [item.shot_id for item in scene.storyloom_shots] == [shot["id"] for shot in plan["shots"]]
    first = scene.storyloom_shots[0]
    first.prompt = "a lighthouse beam sweeping fog"
    first.duration = 4.0
    edited = json.loads(scene["storyloom_plan"])
    assert edited["shots"][0]["prompt"] == "a lighthouse beam sweeping fog"
    assert edited["shots"][0]["duration_hint"] == 4.0
    assert json.loads(scene["storyloom_dirty_shots"]) == [first.shot_id]
    assert first.status == "DIRTY" and all(item.status == "PLANNED" for item in scene.storyloom_shots[1:])


def test_regenerating_after_a_revision_remakes_only_the_changed_shot(fresh):
    brief = "A calm 8 second film. The sea wakes. The light returns."
    first = build(fresh, brief, "one.mp4")
    assert first["regenerated"] == [shot["id"] for shot in first["shots"]]
    again = build(fresh, brief, "same.mp4")
    assert again["regenerated"] == []  # nothing changed: every shot's media is reused
    assert bpy.ops.storyloom.revise_plan(note="make shot 2 darker") == {"FINISHED"}
    revised = build(fresh, brief, "two.mp4", from_scene_plan=True)
    assert revised["regenerated"] == [first["shots"][1]["id"]]
    assert revised["backends"]["director"] == "the scene's plan"
    assert "darker, low-key lighting" in revised["shots"][1]["prompt"]


def test_plan_first_then_generate_from_the_shot_list(fresh):
    result = bpy.ops.storyloom.plan_film(brief=SHORT, planner="local", planner_model="tiny-llm")
    assert result == {"FINISHED"}
    scene = bpy.context.scene
    plan = json.loads(scene["storyloom_plan"])
    ids = [shot["id"] for shot in plan["shots"]]
    assert [item.shot_id for item in scene.storyloom_shots] == ids
    assert json.loads(scene["storyloom_dirty_shots"]) == ids and not (fresh / "media").exists()
    report = build(fresh, SHORT, "planned.mp4", from_scene_plan=True)
    assert report["regenerated"] == ids and report["backends"]["director"] == "the scene's plan"
    assert json.loads(scene["storyloom_dirty_shots"]) == []
