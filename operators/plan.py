"""Plan operators: revise the scene's plan from a note (with its diff first), and undo that."""

from __future__ import annotations

import json

import bpy
from bpy.props import StringProperty

from ..addon.blender import shot_list
from ..addon.core import plan as plan_io
from ..addon.core.revise import diff, dirty_shots, revise

PREVIOUS_KEY = "storyloom_plan_previous"
DIRTY_KEY = "storyloom_dirty_shots"


def _scene_plan(scene) -> dict:
    text = scene.get("storyloom_plan")
    if not text:
        raise plan_io.PlanError("This scene has no Storyloom plan yet: build or import one first.")
    return plan_io.from_json(text)


class STORYLOOM_OT_revise_plan(bpy.types.Operator):
    """Revise the plan from a note ("make shot 3 darker and shorter"); shows the changes before applying"""

    bl_idname = "storyloom.revise_plan"
    bl_label = "Revise Plan"
    bl_options = {"REGISTER", "UNDO"}

    note: StringProperty(name="Note", description="What to change, in words")

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        try:
            old = _scene_plan(context.scene)
            self._preview = diff(old, revise(old, self.note)[0])
        except plan_io.PlanError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        return context.window_manager.invoke_props_dialog(self, width=520, title="Apply these changes?")

    def draw(self, context: bpy.types.Context) -> None:
        self.layout.prop(self, "note")
        for line in getattr(self, "_preview", [])[:12]:
            self.layout.label(text=line[:120])

    def execute(self, context: bpy.types.Context) -> set[str]:
        scene = context.scene
        try:
            old = _scene_plan(scene)
            new, changes = revise(old, self.note)
        except plan_io.PlanError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        dirty = dirty_shots(old, new)
        scene[PREVIOUS_KEY] = plan_io.to_json(old)
        scene["storyloom_plan"] = plan_io.to_json(new)
        scene[DIRTY_KEY] = json.dumps(dirty)
        shot_list.load_shots(scene)
        for line in diff(old, new)[:12]:
            self.report({"INFO"}, line[:200])
        self.report(
            {"INFO"}, f"Plan revised ({'; '.join(changes)}); to regenerate: {', '.join(dirty) or 'nothing'}"
        )
        return {"FINISHED"}


class STORYLOOM_OT_undo_revision(bpy.types.Operator):
    """Put back the plan as it was before the last revision"""

    bl_idname = "storyloom.undo_revision"
    bl_label = "Undo Revision"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: bpy.types.Context) -> set[str]:
        scene = context.scene
        previous = scene.get(PREVIOUS_KEY)
        if not previous:
            self.report({"ERROR"}, "There is no revision to undo.")
            return {"CANCELLED"}
        scene["storyloom_plan"] = previous
        del scene[PREVIOUS_KEY]
        scene[DIRTY_KEY] = "[]"
        shot_list.load_shots(scene)
        self.report({"INFO"}, "The plan is back as it was before the revision.")
        return {"FINISHED"}


classes = (STORYLOOM_OT_revise_plan, STORYLOOM_OT_undo_revision)

register, unregister = bpy.utils.register_classes_factory(classes)
