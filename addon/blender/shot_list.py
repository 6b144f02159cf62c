"""The plan's shots as an editable list in the Sequencer (a UIList over scene properties).

The JSON plan on the scene stays the source of truth: the list is filled from it, and an edit
in the list is written straight back into the plan (checked against the schema) and marks the
shot dirty, exactly as a revision does.
"""

from __future__ import annotations

import json

import bpy

from ..core import plan as plan_io

DIRTY_KEY = "storyloom_dirty_shots"
_syncing = False  # filling the list must not count as editing it


def load_shots(scene: bpy.types.Scene) -> int:
    """Refill ``scene.storyloom_shots`` from the scene's plan; returns the shot count."""
    global _syncing
    text = scene.get("storyloom_plan")
    plan = plan_io.from_json(text) if text else {"shots": []}
    dirty = set(json.loads(scene.get(DIRTY_KEY, "[]")))
    _syncing = True
    try:
        scene.storyloom_shots.clear()
        for shot in plan["shots"]:
            item = scene.storyloom_shots.add()
            item.shot_id = shot["id"]
            item.prompt = shot["prompt"]
            item.duration = shot["duration_hint"]
            item.line = " ".join(line["text"] for line in shot["lines"])
            item.camera = shot["camera"]
            item.status = "DIRTY" if shot["id"] in dirty else "PLANNED"
    finally:
        _syncing = False
    return len(plan["shots"])


def shot_edited(item, context: bpy.types.Context) -> None:
    """Write one edited row back into the plan and mark its shot for regeneration."""
    global _syncing
    if _syncing or context is None or context.scene is None:
        return
    scene = context.scene
    text = scene.get("storyloom_plan")
    if not text:
        return
    plan = plan_io.from_json(text)
    shot = next((s for s in plan["shots"] if s["id"] == item.shot_id), None)
    if shot is None:
        return
    shot["prompt"] = item.prompt.strip() or shot["prompt"]
    shot["duration_hint"] = round(min(600.0, max(0.5, item.duration)), 3)
    shot["camera"] = item.camera
    # The row shows a shot's lines joined; only an edit of that text rewrites them (as one line
    # of the first speaker), so changing a duration or camera keeps a dialogue intact.
    if shot["lines"] and item.line != " ".join(line["text"] for line in shot["lines"]):
        shot["lines"][0]["text"] = item.line
        del shot["lines"][1:]
    try:
        scene["storyloom_plan"] = plan_io.to_json(plan)
    except plan_io.PlanError:
        return  # an edit the schema refuses is not written; the list shows the plan again below
    dirty = json.loads(scene.get(DIRTY_KEY, "[]"))
    if item.shot_id not in dirty:
        scene[DIRTY_KEY] = json.dumps([*dirty, item.shot_id])
    _syncing = True
    try:
        item.status = "DIRTY"
    finally:
        _syncing = False
