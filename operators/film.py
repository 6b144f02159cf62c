"""``storyloom.build_film`` (brief to film) and the plan's import / export."""

from __future__ import annotations

from pathlib import Path

import bpy
from bpy.props import BoolProperty, EnumProperty, StringProperty

from ..addon.blender import film, project, shot_list
from ..addon.blender.errors import USER_ERRORS
from ..addon.blender.film_run import save_plan_beside_blend, start_build
from ..addon.blender.film_stage import ENGINE_ITEMS, PREVIZ_ITEMS
from ..addon.blender.film_sync import CAPTION_ITEMS
from ..addon.blender.planning import PLANNER_ITEMS, PlannerChoice
from ..addon.blender.post_props import PostProperties, request_fields
from ..addon.core import plan as plan_io
from ..addon.core.presets import PRESETS
from .job_base import TIMER_INTERVAL_S, is_own_tick

PRESET_ITEMS = (
    ("AUTO", "From the Brief", "Platform words in the brief decide (default YouTube)"),
    *((name, name.title(), preset.label) for name, preset in PRESETS.items()),
)
LOOK_ITEMS = (
    ("AUTO", "From the Brief", "The style bible's grade"),
    ("neutral", "Neutral", "A clean, faithful grade"),
    ("cinematic", "Cinematic", "Lift/gamma/gain toward teal and warm, contrast, vignette"),
)


class STORYLOOM_OT_build_film(PostProperties, bpy.types.Operator):
    """Turn a brief into a film: plan, previz pictures, voice, music, edit, grade, master, render"""

    bl_idname = "storyloom.build_film"
    bl_label = "Build Film"
    bl_options = {"REGISTER"}

    brief: StringProperty(name="Brief", description="What the film is: duration, platform, mood, the script")
    preset: EnumProperty(name="Delivery", items=PRESET_ITEMS, default="AUTO")
    look: EnumProperty(name="Look", items=LOOK_ITEMS, default="AUTO")
    output: StringProperty(name="Output", subtype="FILE_PATH", default="//storyloom/film.mp4")
    png_sequence: BoolProperty(name="PNG Frames", description="Also write every frame as PNG", default=False)
    image_model: StringProperty(
        name="Image Model",
        description="Paint the shots with this text-to-image model (e.g. sdxl-turbo). Empty: storyboards",
    )
    planner: EnumProperty(name="Director", items=PLANNER_ITEMS)
    from_scene_plan: BoolProperty(
        name="From the Scene's Plan",
        description="Rebuild the scene's (edited or revised) plan: only changed shots are generated again",
    )
    planner_model: StringProperty(
        name="Planner Model", description="Planner model id, or the server's model name"
    )
    planner_url: StringProperty(name="Server URL", default="http://127.0.0.1:11434")
    video_model: StringProperty(
        name="Video Model",
        description="Moving shots from this text-to-video model when its weights are here (else previz)",
    )
    captions: EnumProperty(name="Captions", items=CAPTION_ITEMS, default="preset")
    previz: EnumProperty(name="Previz", items=PREVIZ_ITEMS, default="stage")
    stage_frames: BoolProperty(
        name="Every Frame",
        description="Render every frame of the staging (real camera moves, parallax), not a still per shot",
    )
    render_engine: EnumProperty(name="Staging Render", items=ENGINE_ITEMS, default="workbench")
    sfx_model: StringProperty(
        name="Sound Model",
        description="Sound cues from this text-to-audio model when its weights are here (else procedural)",
    )

    def _request(self) -> film.FilmRequest:
        preset = None if self.preset == "AUTO" else self.preset
        if self.output.startswith("//") and not bpy.data.filepath:
            # An unsaved file has no folder for '//': deliver into the (temp) media folder.
            output = project.media_folder(create=True).path / Path(self.output[2:]).name
        else:
            output = Path(bpy.path.abspath(self.output))
            if self.output.startswith("//"):  # inside the project: make its folder
                output.parent.mkdir(parents=True, exist_ok=True)
        if preset and output.suffix != PRESETS[preset].extension:
            output = output.with_suffix(PRESETS[preset].extension)
        scene_plan = None
        if self.from_scene_plan:
            text = bpy.context.scene.get("storyloom_plan")
            if not text:
                raise plan_io.PlanError("This scene has no Storyloom plan yet: build or import one first.")
            scene_plan = plan_io.from_json(text)
        return film.FilmRequest(
            plan=scene_plan,
            brief=scene_plan["brief"] if scene_plan else self.brief,
            output=output,
            preset=preset,
            look=None if self.look == "AUTO" else self.look,
            png_sequence=output.with_suffix("") / "frames" if self.png_sequence else None,
            captions=self.captions,
            previz=self.previz,
            stage_frames=self.stage_frames,
            render_engine=self.render_engine,
            **request_fields(self),
        )

    def execute(self, context: bpy.types.Context) -> set[str]:
        try:
            planner = PlannerChoice(self.planner, self.planner_model, self.planner_url)
            self._build = start_build(
                context.scene,
                self._request(),
                image_model=self.image_model,
                video_model=self.video_model,
                planner=planner,
                sfx_model=self.sfx_model,
            )
            self._steps = self._build.steps()
        except USER_ERRORS as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        if bpy.app.background or context.window is None:
            try:
                film.run_to_end(
                    self._build, lambda stage, f: print(f"Storyloom: {stage} {f:.0%}", flush=True)
                )
            except (*USER_ERRORS, RuntimeError) as error:
                self.report({"ERROR"}, str(error))
                return {"CANCELLED"}
            return self._finish(context)
        self._build.request.render_in_background = True  # the final render never blocks the UI
        wm = context.window_manager
        self._timer = wm.event_timer_add(TIMER_INTERVAL_S, window=context.window)
        wm.modal_handler_add(self)
        wm.progress_begin(0, 100)
        return {"RUNNING_MODAL"}

    def modal(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        if event.type == "ESC" and event.value == "PRESS":
            self._build.cancel()
            self.report({"INFO"}, "Build Film: cancelling...")
            return {"RUNNING_MODAL"}
        if not is_own_tick(self, event):
            return {"PASS_THROUGH"}
        try:
            stage, fraction = next(self._steps)
        except StopIteration:
            self._end(context)
            if self._build.cancelled:
                self.report(
                    {"WARNING"},
                    "Build Film: cancelled; nothing was left half-written (finished files are complete)",
                )
                return {"CANCELLED"}
            return self._finish(context)
        except (*USER_ERRORS, RuntimeError) as error:
            self._end(context)
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        except Exception as error:  # a folder that vanished, a bug: never leave the timer behind
            self._build.cancel()
            self._end(context)
            self.report({"ERROR"}, f"Build Film stopped: {type(error).__name__}: {error}")
            return {"CANCELLED"}
        context.window_manager.progress_update(int(100 * fraction))
        if context.workspace is not None:
            context.workspace.status_text_set(
                f"Storyloom: building film: {stage} {fraction:.0%} (Esc to cancel)"
            )
        return {"RUNNING_MODAL"}

    def cancel(self, context: bpy.types.Context) -> None:
        # Blender tears the operator down (file load, window close): stop the build and its jobs.
        self._build.cancel()
        self._steps.close()  # runs the build's clean-up (a background render is stopped)
        self._end(context)

    def _end(self, context: bpy.types.Context) -> None:
        if self._timer is None:
            return
        context.window_manager.event_timer_remove(self._timer)
        self._timer = None
        context.window_manager.progress_end()
        if context.workspace is not None:
            context.workspace.status_text_set(None)

    def _finish(self, context: bpy.types.Context) -> set[str]:
        report = self._build.report
        beside = save_plan_beside_blend(report.plan)
        if beside is not None:
            report.files.append(str(beside))
        print(report.text())
        for warning in report.warnings:
            self.report({"WARNING"}, warning)
        self.report(
            {"INFO"}, f"Film built: {report.output} ({report.duration:.2f} s, {len(report.shots)} shots)"
        )
        return {"FINISHED"}


class STORYLOOM_OT_export_plan(bpy.types.Operator):
    """Write the scene's plan to a JSON file"""

    bl_idname = "storyloom.export_plan"
    bl_label = "Export Plan"
    filepath: StringProperty(subtype="FILE_PATH")

    def execute(self, context: bpy.types.Context) -> set[str]:
        text = context.scene.get("storyloom_plan")
        if not text:
            self.report({"ERROR"}, "This scene has no Storyloom plan yet: build a film first")
            return {"CANCELLED"}
        try:
            path = plan_io.save(plan_io.from_json(text), Path(bpy.path.abspath(self.filepath)))
        except (plan_io.PlanError, OSError) as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        self.report({"INFO"}, f"Plan written to {path}")
        return {"FINISHED"}


class STORYLOOM_OT_import_plan(bpy.types.Operator):
    """Read a plan JSON file (checked against the plan schema) into the scene"""

    bl_idname = "storyloom.import_plan"
    bl_label = "Import Plan"
    filepath: StringProperty(subtype="FILE_PATH")

    def execute(self, context: bpy.types.Context) -> set[str]:
        try:
            plan = plan_io.load(Path(bpy.path.abspath(self.filepath)))
        except plan_io.PlanError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        context.scene["storyloom_plan"] = plan_io.to_json(plan)
        context.scene["storyloom_dirty_shots"] = "[]"
        shot_list.load_shots(context.scene)
        self.report({"INFO"}, f"Plan '{plan['film']['title']}' with {len(plan['shots'])} shots imported")
        return {"FINISHED"}


classes = (STORYLOOM_OT_build_film, STORYLOOM_OT_export_plan, STORYLOOM_OT_import_plan)

register, unregister = bpy.utils.register_classes_factory(classes)
