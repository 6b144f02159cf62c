"""Video operators: generate a shot, restyle a strip, put footage on a screen in the scene."""

from __future__ import annotations

from pathlib import Path

import bpy
from bpy.props import BoolProperty, EnumProperty, FloatProperty, IntProperty, StringProperty

from ..addon.blender import image_inputs, project, video_strips, worker_session
from ..addon.blender.errors import USER_ERRORS
from ..addon.core.keys import artifact_key, slug
from ..addon.core.models import TASK_TEXT_TO_IMAGE, VIDEO_TASKS, ModelError, get_spec, load_registry
from ..addon.core.paths import contained_path
from ..addon.core.runtime_probe import check_runtime_python
from ..addon.core.validation import check_edit_params, check_image_params
from ..addon.core.video import VideoRules, check_video_params, scene_fps
from ..addon.prefs import get_preferences
from ..addon.runtime.tracker import JobState, JobTracker
from .job_base import JobOperatorMixin


def _video_model_ids(self, context, edit_text):
    registry = load_registry(project.models_folder())
    return [spec.id for spec in registry.values() if spec.task in VIDEO_TASKS]


def _job_base(prefs, spec, models_folder: Path) -> dict:
    return {
        "spec": spec.to_dict(),
        "models_folder": str(models_folder),
        "allow_online": bool(bpy.app.online_access),
        "device": prefs.device,
        "memory_mode": prefs.memory_mode,
    }


class STORYLOOM_OT_generate_video(JobOperatorMixin, bpy.types.Operator):
    """Generate a video shot (runs in the model worker) and land it as an image-sequence strip"""

    bl_idname = "storyloom.generate_video"
    bl_label = "Generate Video"
    bl_options = {"REGISTER"}  # the landing pushes the undo step

    job_label = "Generating video"

    prompt: StringProperty(name="Prompt", description="What the shot shows and how it moves")
    negative_prompt: StringProperty(name="Negative Prompt")
    model: StringProperty(name="Model", default="ltx-video", search=_video_model_ids)
    seed: IntProperty(name="Seed", default=0, soft_min=0)
    use_model_defaults: BoolProperty(
        name="Model Defaults",
        default=True,
        description="The model's own size, frame count, steps and guidance",
    )
    width: IntProperty(name="Width", default=704, subtype="PIXEL")
    height: IntProperty(name="Height", default=480, subtype="PIXEL")
    frames: IntProperty(
        name="Frames", default=121, description="Frames at the model's fps; long shots run in chunks"
    )
    steps: IntProperty(name="Steps", default=30)
    guidance: FloatProperty(name="Guidance", default=3.0)
    image_source: EnumProperty(
        name="First Frame",
        items=(
            ("NONE", "None", "From the prompt only"),
            ("IMAGE", "Image", "An image datablock, e.g. a generated keyframe"),
            ("RENDER", "Render", "The last render (rendered now if there is none)"),
            ("PLAYHEAD", "Playhead", "The picture at the playhead, rendered now"),
            ("FILE", "File", "An image file"),
            ("CONTINUE", "Continue Shot", "The active strip's last frame; the new shot follows it"),
        ),
    )
    source_image: StringProperty(name="Image")
    source_file: StringProperty(name="File", subtype="FILE_PATH")
    output_format: EnumProperty(
        name="Frames As",
        items=(("PNG", "PNG", "8-bit sRGB"), ("EXR", "EXR (half float)", "16-bit linear, for grading")),
    )

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        return context.window_manager.invoke_props_dialog(self, width=420)

    def start_job(self, context: bpy.types.Context) -> JobTracker:
        scene = context.scene
        prefs = get_preferences(context)
        models_folder = project.models_folder()
        spec = get_spec(load_registry(models_folder), self.model)
        if spec.task not in VIDEO_TASKS:
            raise ModelError(f"Model '{spec.id}' does not make video (task: {spec.task}).", kind="bad_input")
        rules = VideoRules.from_defaults(spec.defaults)
        defaults = spec.defaults if self.use_model_defaults else {}
        params = check_video_params(
            spec.id,
            rules,
            prompt=self.prompt,
            negative_prompt=self.negative_prompt,
            seed=self.seed,
            width=defaults.get("width", self.width),
            height=defaults.get("height", self.height),
            frames=defaults.get("frames", self.frames),
            steps=defaults.get("steps", self.steps),
            guidance=defaults.get("guidance", self.guidance),
            output_format=self.output_format,
            prompt_required=spec.family != "svd",
        )
        scene_fps(scene.render.fps, scene.render.fps_base)
        media = project.media_folder(create=True).path
        key = artifact_key(spec.id, spec.source, params.to_dict(), self.image_source)
        previous = image_inputs.compat_active_strip(scene) if self.image_source == "CONTINUE" else None
        image = image_inputs.first_frame(
            self.image_source, self.source_image, self.source_file, scene, media, key
        )
        # A continued shot follows the one it continues; any other lands at the playhead.
        self._start = int(previous.frame_final_end) if previous is not None else scene.frame_current
        self._model_fps = rules.fps
        self._record = {"prompt": params.prompt, "model": spec.id, "seed": params.seed, "image": image}
        check_runtime_python(project.runtime_python())
        key = artifact_key(key, files=(image,))  # the first frame's pixels (a continued shot's last frame)
        output_dir = contained_path(media, f"video/{slug(params.prompt or spec.id)}-{params.seed}-{key}")
        job = {"task": "video", **_job_base(prefs, spec, models_folder), "params": params.to_dict()}
        job |= {"image": image, "output_dir": str(output_dir)}
        client = worker_session.get_client()
        return JobTracker(client, client.submit(job))

    def land(self, context: bpy.types.Context, state: JobState) -> str:
        result = state.result
        record = {**self._record, "chunks": result["chunks"]}
        strip = video_strips.land_video(
            context.scene,
            Path(result["output_dir"]),
            result["frames"],
            self._model_fps,
            self._start,
            f"Shot {self._record['prompt'] or self.model}",
            record,
        )
        return (
            f"Generated {len(result['frames'])} frames at {self._model_fps:g} fps: strip {strip.name}, "
            f"{strip.frame_final_duration} scene frames on channel {strip.channel}"
        )


class STORYLOOM_OT_restyle_strip(JobOperatorMixin, bpy.types.Operator):
    """Restyle the active image-sequence strip frame by frame (img2img, one seed) into a new strip above"""

    bl_idname = "storyloom.restyle_strip"
    bl_label = "Restyle Strip"
    bl_options = {"REGISTER"}  # the landing pushes the undo step

    job_label = "Restyling strip"

    prompt: StringProperty(name="Prompt")
    negative_prompt: StringProperty(name="Negative Prompt")
    model: StringProperty(name="Model", default="sd15")
    seed: IntProperty(name="Seed", default=0, soft_min=0)
    strength: FloatProperty(name="Strength", default=0.5, soft_min=0.0, soft_max=1.0)
    steps: IntProperty(name="Steps", default=25)
    guidance: FloatProperty(name="Guidance", default=7.5)

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        return context.window_manager.invoke_props_dialog(self)

    def start_job(self, context: bpy.types.Context) -> JobTracker:
        scene = context.scene
        source = image_inputs.compat_active_strip(scene)
        folder, names = video_strips.strip_files(source)
        models_folder = project.models_folder()
        spec = get_spec(load_registry(models_folder), self.model)
        if spec.task != TASK_TEXT_TO_IMAGE:
            raise ModelError(
                f"Model '{spec.id}' cannot restyle frames (task: {spec.task}).", kind="bad_input"
            )
        first = bpy.data.images.load(str(folder / names[0]), check_existing=False)
        width, height = image_inputs.fit_to_model(*first.size)
        bpy.data.images.remove(first)
        params = check_image_params(
            self.prompt, self.negative_prompt, self.seed, width, height, self.steps, self.guidance
        )
        edit = check_edit_params(mode="image", source="strip", strength=self.strength)
        unique = list(dict.fromkeys(names))
        check_runtime_python(project.runtime_python())
        media = project.media_folder(create=True).path
        key = artifact_key(
            spec.id, params.to_dict(), edit.to_dict(), files=[folder / name for name in unique]
        )
        self._source = (source.name, int(source.frame_start), int(source.channel), names, unique)
        job = {"task": "image-sequence", **_job_base(get_preferences(context), spec, models_folder)}
        job |= {"params": params.to_dict(), "edit": edit.to_dict()}
        job |= {
            "sources": [str(folder / name) for name in unique],
            "output_dir": str(contained_path(media, f"restyled/{slug(params.prompt)}-{key}")),
        }
        client = worker_session.get_client()
        return JobTracker(client, client.submit(job))

    def land(self, context: bpy.types.Context, state: JobState) -> str:
        name, start, channel, names, unique = self._source
        restyled = dict(zip(unique, state.result["frames"], strict=True))
        files = [restyled[original] for original in names]  # same timing as the source strip
        strip = video_strips.sequence_strip(
            context.scene, Path(state.result["output_dir"]), files, start, f"{name} restyled", channel + 1
        )
        strip[video_strips.STRIP_TAG] = "restyle"
        return f"Restyled {len(unique)} frames of {name} into {strip.name} (channel {strip.channel})"


class STORYLOOM_OT_footage_to_plane(bpy.types.Operator):
    """Show the active image-sequence strip on a new screen plane in the 3D scene, synced to the frame"""

    bl_idname = "storyloom.footage_to_plane"
    bl_label = "Footage to Screen"
    bl_options = {"REGISTER", "UNDO"}

    shadeless: BoolProperty(name="Shadeless", default=True, description="Glows like a screen, unlit")

    def execute(self, context: bpy.types.Context) -> set[str]:
        try:
            strip = image_inputs.compat_active_strip(context.scene)
            screen = video_strips.footage_screen(context.scene, strip, self.shadeless)
        except USER_ERRORS as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        self.report({"INFO"}, f"{screen.name} plays {strip.name} from frame {int(strip.frame_start)}")
        return {"FINISHED"}


classes = (STORYLOOM_OT_generate_video, STORYLOOM_OT_restyle_strip, STORYLOOM_OT_footage_to_plane)

register, unregister = bpy.utils.register_classes_factory(classes)
