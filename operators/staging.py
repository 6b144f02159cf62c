"""``storyloom.stage_plan`` (block the scene's plan in 3D) and ``storyloom.render_previz``."""

from __future__ import annotations

import bpy
from bpy.props import BoolProperty, EnumProperty

from ..addon.blender import film_stage, project, stage_build
from ..addon.blender.errors import USER_ERRORS
from ..addon.core import plan as plan_io
from ..addon.core.keys import slug
from ..addon.core.paths import contained_path
from ..addon.core.sync import ShotTiming


def film_scene(scene: bpy.types.Scene) -> bpy.types.Scene:
    """The film scene a stage scene belongs to (run from the stage itself), else ``scene``."""
    return next((s for s in bpy.data.scenes if s.get(stage_build.STAGE_KEY) == scene), scene)


def scene_plan(scene: bpy.types.Scene) -> dict:
    text = scene.get("storyloom_plan")
    if not text:
        raise plan_io.PlanError("This scene has no Storyloom plan yet: plan or build a film first.")
    return plan_io.from_json(text)


def planned_timings(plan: dict) -> list[ShotTiming]:
    """Shot timings from the plan's hints (a film build re-times them to the spoken lines)."""
    fps, start, timings = plan["film"]["fps"], 0, []
    for shot in plan["shots"]:
        frames = max(1, round(shot["duration_hint"] * fps))
        timings.append(ShotTiming(start, start + frames, start / fps, (start + frames) / fps))
        start += frames
    return timings


class STORYLOOM_OT_stage_plan(bpy.types.Operator):
    """Block the scene's plan in 3D: sets, stand-ins, lights, a camera per shot bound by markers.
    Objects you moved stay where you put them"""

    bl_idname = "storyloom.stage_plan"
    bl_label = "Stage Plan"
    bl_options = {"REGISTER", "UNDO"}

    show: BoolProperty(
        name="Show the Stage", description="Switch the window to the stage scene", default=True
    )

    def execute(self, context: bpy.types.Context) -> set[str]:
        scene = film_scene(context.scene)
        try:
            plan = scene_plan(scene)
            result = stage_build.build(scene, plan)
            stage_build.bind(result, plan, planned_timings(plan), moves=True)
        except USER_ERRORS as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        for warning in result.warnings:
            self.report({"WARNING"}, warning)
        kept = f"; kept {len(result.kept)} you moved" if result.kept else ""
        self.report(
            {"INFO"},
            f"Staged {len(result.cameras)} shots in '{result.scene.name}': "
            f"{len(result.stand_ins)} stand-ins, {result.made} objects made, {result.removed} removed{kept}",
        )
        if self.show and context.window is not None:
            context.window.scene = result.scene
        return {"FINISHED"}


class STORYLOOM_OT_render_previz(bpy.types.Operator):
    """Render the staging: one still per shot (only shots whose camera or visible objects changed)"""

    bl_idname = "storyloom.render_previz"
    bl_label = "Render Previz"
    bl_options = {"REGISTER", "UNDO"}

    engine: EnumProperty(name="Render", items=film_stage.ENGINE_ITEMS, default="workbench")

    def execute(self, context: bpy.types.Context) -> set[str]:
        scene = film_scene(context.scene)
        try:
            plan = scene_plan(scene)
            media = project.media_folder(create=True)
            # The film's own folder: a film build after this reuses every still rendered here.
            folder = contained_path(media.path, f"films/{slug(plan['film']['title'])}")
            staged = film_stage.prepare(scene, plan, folder, self.engine)
            for _ in film_stage.render_steps(staged, {}):
                pass
            film_stage.bind(staged, plan, planned_timings(plan), moves=True)
        except USER_ERRORS as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        for warning in staged.warnings:
            self.report({"WARNING"}, warning)
        rendered = sum(1 for shot in staged.shots if shot.rendered)
        self.report(
            {"INFO"},
            f"Rendered {rendered} of {len(staged.shots)} previz stills "
            f"({len(staged.shots) - rendered} unchanged) into {folder}",
        )
        return {"FINISHED"}


classes = (STORYLOOM_OT_stage_plan, STORYLOOM_OT_render_previz)
register, unregister = bpy.utils.register_classes_factory(classes)
