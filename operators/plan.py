"""Plan operators: plan a brief without building, revise the plan from a note, undo that."""

from __future__ import annotations

import json

import bpy
from bpy.props import EnumProperty, StringProperty

from ..addon.blender import project, shot_list, worker_session
from ..addon.blender.errors import USER_ERRORS
from ..addon.blender.planning import PLANNER_ITEMS, PlannerChoice, plan_steps, revise_steps
from ..addon.core import plan as plan_io
from ..addon.core.llm_server import check_endpoint
from ..addon.core.revise import RevisionError, diff, dirty_shots, revise
from ..addon.core.runtime_probe import check_runtime_python
from ..addon.prefs import get_preferences
from .job_base import TIMER_INTERVAL_S, is_own_tick, push_undo_step

PREVIOUS_KEY = "storyloom_plan_previous"
DIRTY_KEY = "storyloom_dirty_shots"


def _scene_plan(scene) -> dict:
    text = scene.get("storyloom_plan")
    if not text:
        raise plan_io.PlanError("This scene has no Storyloom plan yet: build or import one first.")
    return plan_io.from_json(text)


class STORYLOOM_OT_plan_film(bpy.types.Operator):
    """Plan the brief (shots, lines, characters, paths) into the shot list, without generating anything"""

    bl_idname = "storyloom.plan_film"
    bl_label = "Plan"
    bl_options = {"REGISTER"}  # a planner job: one undo step is pushed when the plan lands

    brief: StringProperty(name="Brief")
    planner: EnumProperty(name="Director", items=PLANNER_ITEMS)
    planner_model: StringProperty(name="Planner Model")
    planner_url: StringProperty(name="Server URL", default="http://127.0.0.1:11434")

    def execute(self, context: bpy.types.Context) -> set[str]:
        choice = PlannerChoice(self.planner, self.planner_model, self.planner_url)
        self._warnings: list[str] = []
        try:
            if choice.kind == "server":
                check_endpoint(choice.url, bool(bpy.app.online_access))
            if choice.kind == "local":
                check_runtime_python(project.runtime_python())
            prefs = get_preferences(context)
            options = {
                "models_folder": str(project.models_folder()),
                "allow_online": bool(bpy.app.online_access),
            }
            options |= {"device": prefs.device, "memory_mode": prefs.memory_mode}
            self._steps = plan_steps(
                choice,
                self.brief,
                None,
                project.models_folder(),
                worker_session.get_client,
                options,
                self._warnings,
            )
            if bpy.app.background or context.window is None:
                plan = next(p for p in self._steps if p is not None)  # headless: wait for it
                return self._land(context, plan)
        except USER_ERRORS as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        self._timer = context.window_manager.event_timer_add(TIMER_INTERVAL_S, window=context.window)
        context.window_manager.modal_handler_add(self)
        if context.workspace is not None:
            context.workspace.status_text_set("Storyloom: planning (Esc to cancel)")
        return {"RUNNING_MODAL"}

    def modal(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        if event.type == "ESC" and event.value == "PRESS":
            self.cancel(context)
            self.report({"WARNING"}, "Plan: cancelled; the shot list was not changed")
            return {"CANCELLED"}
        if not is_own_tick(self, event):
            return {"PASS_THROUGH"}
        try:
            plan = next(self._steps)
        except Exception as error:  # StopIteration, a user error, or a bug: never leave the timer
            self._end(context)
            self.report({"ERROR"}, str(error) or "The planner stopped without a plan")
            return {"CANCELLED"}
        if plan is None:
            return {"PASS_THROUGH"}
        self._end(context)
        return self._land(context, plan)

    def cancel(self, context: bpy.types.Context) -> None:
        self._steps.close()  # a local planner's job is cancelled by the generator's clean-up
        self._end(context)

    def _end(self, context: bpy.types.Context) -> None:
        if getattr(self, "_timer", None) is not None:
            context.window_manager.event_timer_remove(self._timer)
            self._timer = None
        if context.workspace is not None:
            context.workspace.status_text_set(None)

    def _land(self, context: bpy.types.Context, plan: dict) -> set[str]:
        scene = context.scene
        scene["storyloom_plan"] = plan_io.to_json(plan)
        # Nothing is made yet: every shot waits for Regenerate Changed Shots (or Build Film).
        scene[DIRTY_KEY] = json.dumps([shot["id"] for shot in plan["shots"]])
        shot_list.load_shots(scene)
        for warning in self._warnings:
            self.report({"WARNING"}, warning)
        self.report({"INFO"}, f"Planned '{plan['film']['title']}': {len(plan['shots'])} shots")
        push_undo_step(context, "Storyloom Plan")
        return {"FINISHED"}


class STORYLOOM_OT_revise_plan(bpy.types.Operator):
    """Revise the plan from a note ("make shot 3 darker and shorter"); shows the changes before applying"""

    bl_idname = "storyloom.revise_plan"
    bl_label = "Revise Plan"
    bl_options = {"REGISTER"}  # may run a model job: one undo step is pushed when the plan lands

    note: StringProperty(name="Note", description="What to change, in words")
    reviser: EnumProperty(
        name="Reviser",
        items=(
            ("rules", "Rules", "Look, length and voice words, instantly"),
            (
                "local",
                "Local LLM",
                "A planner model in the worker rewrites the named shot (rules as fallback)",
            ),
        ),
    )
    reviser_model: StringProperty(name="Reviser Model", description="The planner model id (Local LLM)")

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        try:
            old = _scene_plan(context.scene)
        except plan_io.PlanError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        try:  # the rules' reading of the note, as a preview; a Local LLM reviser may read more
            self._preview = diff(old, revise(old, self.note)[0])
        except RevisionError as error:
            self._preview = [str(error)]
        return context.window_manager.invoke_props_dialog(self, width=520, title="Apply these changes?")

    def draw(self, context: bpy.types.Context) -> None:
        self.layout.prop(self, "note")
        self.layout.prop(self, "reviser")
        if self.reviser == "local":
            self.layout.prop(self, "reviser_model")
        for line in getattr(self, "_preview", [])[:12]:
            self.layout.label(text=line[:120])

    def execute(self, context: bpy.types.Context) -> set[str]:
        try:
            self._old = _scene_plan(context.scene)
            if self.reviser == "local":
                check_runtime_python(project.runtime_python())
            prefs = get_preferences(context)
            options = {
                "models_folder": str(project.models_folder()),
                "allow_online": bool(bpy.app.online_access),
            }
            options |= {"device": prefs.device, "memory_mode": prefs.memory_mode}
            choice = PlannerChoice(self.reviser, self.reviser_model, "")
            self._steps = revise_steps(choice, self._old, self.note, worker_session.get_client, options)
            if bpy.app.background or context.window is None or self.reviser == "rules":
                return self._apply(context, next(r for r in self._steps if r is not None))
        except USER_ERRORS as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        self._timer = context.window_manager.event_timer_add(TIMER_INTERVAL_S, window=context.window)
        context.window_manager.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        if event.type == "ESC" and event.value == "PRESS":
            self.cancel(context)
            self.report({"WARNING"}, "Revise Plan: cancelled; the plan was not changed")
            return {"CANCELLED"}
        if not is_own_tick(self, event):
            return {"PASS_THROUGH"}
        try:
            result = next(self._steps, None)
        except Exception as error:  # a user error, or a folder that vanished: never leave the timer
            self.cancel(context)
            self.report({"ERROR"}, str(error) or type(error).__name__)
            return {"CANCELLED"}
        if result is None:
            return {"PASS_THROUGH"}
        self.cancel(context)
        return self._apply(context, result)

    def cancel(self, context: bpy.types.Context) -> None:
        self._steps.close()
        if getattr(self, "_timer", None) is not None:
            context.window_manager.event_timer_remove(self._timer)
            self._timer = None

    def _apply(self, context: bpy.types.Context, result: tuple) -> set[str]:
        scene, old = context.scene, self._old
        new, changes, warnings = result
        dirty = dirty_shots(old, new)
        scene[PREVIOUS_KEY] = plan_io.to_json(old)
        scene["storyloom_plan"] = plan_io.to_json(new)
        scene[DIRTY_KEY] = json.dumps(dirty)
        shot_list.load_shots(scene)
        for warning in warnings:
            self.report({"WARNING"}, warning)
        for line in diff(old, new)[:12]:
            self.report({"INFO"}, line[:200])
        self.report(
            {"INFO"}, f"Plan revised ({'; '.join(changes)}); to regenerate: {', '.join(dirty) or 'nothing'}"
        )
        push_undo_step(context, "Storyloom Revise Plan")
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


classes = (STORYLOOM_OT_plan_film, STORYLOOM_OT_revise_plan, STORYLOOM_OT_undo_revision)

register, unregister = bpy.utils.register_classes_factory(classes)
