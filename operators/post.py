"""Post operators: interpolate, upscale or deflicker a strip; upscale an image.

Each one runs in the worker (Esc cancels) and lands a new strip on the channel above the
source, or a new image datablock: the source is never overwritten, so the artist can compare
and undo.
"""

from __future__ import annotations

from pathlib import Path

import bpy
from bpy.props import EnumProperty, FloatProperty, IntProperty, StringProperty

from ..addon.blender import image_inputs, project, video_strips, worker_session
from ..addon.blender.post_props import FPS_FIT_ITEMS
from ..addon.core.keys import artifact_key, slug
from ..addon.core.models import TASK_UPSCALE, get_spec, load_registry, missing_model_message, weights_present
from ..addon.core.paths import contained_path
from ..addon.core.post import (
    UPSCALE_FACTORS,
    check_frame_count,
    check_ratio,
    check_upscale,
    interpolator_path,
    upscaler_path,
)
from ..addon.core.runtime_probe import check_runtime_python
from ..addon.core.validation import BadInput
from ..addon.core.video import scene_fps
from ..addon.prefs import get_preferences
from ..addon.runtime.tracker import JobState, JobTracker
from .job_base import JobOperatorMixin

UPSCALE_METHOD_ITEMS = (
    ("lanczos", "Lanczos", "Lanczos with halo-free sharpening (zero download)"),
    (
        "model",
        "Learned",
        "A learned upscaler (.safetensors in the models folder's upscalers/, or Model File)",
    ),
    ("diffusion", "Diffusion x4", "Stable Diffusion's x4 upscaler from the registry: invents detail, slow"),
)
FACTOR_ITEMS = [(str(factor), f"{factor}x", f"{factor} times as wide and high") for factor in UPSCALE_FACTORS]


def _upscale_job(operator, width: int, height: int) -> dict:
    """The upscale job's method part; a size past 8K is refused before any work."""
    if operator.method == "diffusion":
        check_upscale(width, height, 4)
        models_folder = project.models_folder()
        spec = get_spec(load_registry(models_folder), operator.model)
        if spec.task != TASK_UPSCALE:
            raise BadInput(f"Model '{spec.id}' is not an upscaler (task: {spec.task}).")
        online = bool(bpy.app.online_access)
        if not weights_present(spec, models_folder) and not online:
            raise BadInput(missing_model_message(spec, models_folder, online))
        prefs = get_preferences()
        return {
            "method": "diffusion",
            "spec": spec.to_dict(),
            "models_folder": str(models_folder),
            "allow_online": online,
            "device": prefs.device,
            "memory_mode": prefs.memory_mode,
            "settings": {"prompt": operator.prompt, "seed": operator.seed},
        }
    if operator.method == "model":
        path = upscaler_path(project.models_folder(), bpy.path.abspath(operator.model_file))
        return {"method": "model", "model_path": str(path), "device": get_preferences().device}
    check_upscale(width, height, int(operator.factor))
    return {"method": "lanczos", "factor": int(operator.factor)}


class _UpscaleSettings:
    """The upscale operators' shared settings (Blender collects annotations from bases)."""

    method: EnumProperty(name="Method", items=UPSCALE_METHOD_ITEMS, default="lanczos")
    factor: EnumProperty(name="Factor", items=FACTOR_ITEMS, default="2")
    model_file: StringProperty(name="Model File", subtype="FILE_PATH")
    model: StringProperty(name="Model", default="sd-x4-upscaler", description="The registry's upscaler")
    prompt: StringProperty(
        name="Prompt", description="What the picture shows (guides the diffusion upscaler)"
    )
    seed: IntProperty(name="Seed", default=0, min=0)


def _draw_upscale(layout: bpy.types.UILayout, operator) -> None:
    """Only the settings the chosen method uses."""
    layout.prop(operator, "method")
    names = {"lanczos": ("factor",), "model": ("model_file",), "diffusion": ("model", "prompt", "seed")}
    for name in names[operator.method]:
        layout.prop(operator, name)


def _picture_size(path: Path) -> tuple[int, int]:
    image = bpy.data.images.load(str(path), check_existing=False)
    try:
        return tuple(image.size)
    finally:
        bpy.data.images.remove(image)


class _StripJob(JobOperatorMixin):
    """Shared by the strip operators: the active strip's unique frames in, a new strip out."""

    step_name = ""

    def source_frames(self, context: bpy.types.Context) -> tuple[Path, list[str], list[str]]:
        strip = image_inputs.compat_active_strip(context.scene)
        folder, names = video_strips.strip_files(strip)
        trims = (int(strip.frame_offset_start), int(strip.frame_offset_end))
        self._source = (strip.name, int(strip.frame_start), int(strip.channel), trims, len(names))
        return folder, names, list(dict.fromkeys(names))

    def submit(self, job: dict, folder: Path, unique: list[str], *settings: object) -> JobTracker:
        check_runtime_python(project.runtime_python())
        media = project.media_folder(create=True).path
        key = artifact_key(self.step_name, *settings, files=[folder / name for name in unique])
        name = slug(self._source[0])
        output = contained_path(media, f"post/{name}-{self.step_name}-{key}")
        client = worker_session.get_client()
        return JobTracker(client, client.submit({**job, "output_dir": str(output)}))

    def land_strip(self, context: bpy.types.Context, state: JobState, files: list[str], what: str) -> str:
        """A new strip of ``files`` above the source, trimmed as the source was (in proportion,
        for a retimed result: it lasts as long in seconds)."""
        name, start, channel, (head, tail), count = self._source
        strip = video_strips.sequence_strip(
            context.scene, Path(state.result["output_dir"]), files, start, f"{name} {what}", channel + 1
        )
        stretch = len(files) / max(1, count)
        strip.frame_offset_start, strip.frame_offset_end = round(head * stretch), round(tail * stretch)
        strip[video_strips.STRIP_TAG] = self.step_name
        context.scene.sequence_editor.active_strip = strip  # the new result is what the artist looks at
        return f"{name} {what}: new strip {strip.name} on channel {strip.channel} ({len(files)} frames)"


class STORYLOOM_OT_interpolate_strip(_StripJob, bpy.types.Operator):
    """Make the in-between frames of a clip made at a lower frame rate, so it plays smoothly at the scene's"""

    bl_idname = "storyloom.interpolate_strip"
    bl_label = "Interpolate Strip"
    bl_options = {"REGISTER"}

    job_label = "Interpolating strip"
    step_name = "interpolated"

    method: EnumProperty(name="Method", items=FPS_FIT_ITEMS, default="flow")
    source_fps: FloatProperty(
        name="Source FPS",
        description="The rate the clip was made at (0: the rate its generator recorded)",
        default=0.0,
        min=0.0,
    )

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        return context.window_manager.invoke_props_dialog(self)

    def start_job(self, context: bpy.types.Context) -> JobTracker:
        scene = context.scene
        folder, _, unique = self.source_frames(context)
        strip = image_inputs.compat_active_strip(scene)
        recorded = video_strips.recorded_fps(strip)
        source = self.source_fps or recorded
        if not source:
            raise BadInput(
                f"Strip '{strip.name}' has no recorded frame rate: set Source FPS to the rate it was made at."
            )
        target = scene_fps(scene.render.fps, scene.render.fps_base)
        check_frame_count(len(unique), f"strip '{strip.name}'")
        check_ratio(source, target)
        self._target = target
        job = {
            "task": "interpolate",
            "frames": [str(folder / name) for name in unique],
            "source_fps": source,
            "target_fps": target,
            "method": self.method,
        }
        if self.method == "model":
            job |= {
                "model_path": str(interpolator_path(project.models_folder())),
                "device": get_preferences().device,
            }
        return self.submit(job, folder, unique, self.method, source, target)

    def land(self, context: bpy.types.Context, state: JobState) -> str:
        return self.land_strip(
            context, state, state.result["frames"], f"interpolated to {self._target:g} fps"
        )


class STORYLOOM_OT_upscale_strip(_UpscaleSettings, _StripJob, bpy.types.Operator):
    """Upscale every frame of the active image-sequence strip (Lanczos with halo-free sharpening, tiled)"""

    bl_idname = "storyloom.upscale_strip"
    bl_label = "Upscale Strip"
    bl_options = {"REGISTER"}

    job_label = "Upscaling strip"
    step_name = "upscaled"

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        return context.window_manager.invoke_props_dialog(self)

    def draw(self, context: bpy.types.Context) -> None:
        _draw_upscale(self.layout, self)

    def start_job(self, context: bpy.types.Context) -> JobTracker:
        folder, names, unique = self.source_frames(context)
        width, height = _picture_size(folder / unique[0])
        upscaling = _upscale_job(self, width, height)
        self._names, self._unique = names, unique
        job = {"task": "upscale", "frames": [str(folder / name) for name in unique], **upscaling}
        return self.submit(job, folder, unique, upscaling)

    def land(self, context: bpy.types.Context, state: JobState) -> str:
        made = dict(zip(self._unique, state.result["frames"], strict=True))
        files = [made[name] for name in self._names]  # the source's timing, repeats included
        return self.land_strip(context, state, files, f"upscaled {state.result['factor']}x")


class STORYLOOM_OT_deflicker_strip(_StripJob, bpy.types.Operator):
    """Even out a generated clip's frame-to-frame brightness flicker (a gain per frame: edges stay put)"""

    bl_idname = "storyloom.deflicker_strip"
    bl_label = "Deflicker Strip"
    bl_options = {"REGISTER"}

    job_label = "Deflickering strip"
    step_name = "deflickered"

    def start_job(self, context: bpy.types.Context) -> JobTracker:
        folder, names, unique = self.source_frames(context)
        check_frame_count(len(unique), "strip")
        self._names, self._unique = names, unique
        return self.submit(
            {"task": "deflicker", "frames": [str(folder / name) for name in unique]}, folder, unique
        )

    def land(self, context: bpy.types.Context, state: JobState) -> str:
        made = dict(zip(self._unique, state.result["frames"], strict=True))
        line = self.land_strip(context, state, [made[name] for name in self._names], "deflickered")
        before, after = state.result["flicker_before"], state.result["flicker_after"]
        return f"{line}; flicker {before:.2e} -> {after:.2e}"


class STORYLOOM_OT_upscale_image(_UpscaleSettings, JobOperatorMixin, bpy.types.Operator):
    """Upscale an image (Lanczos with halo-free sharpening, tiled) into a new image beside it"""

    bl_idname = "storyloom.upscale_image"
    bl_label = "Upscale Image"
    bl_options = {"REGISTER"}

    job_label = "Upscaling image"

    image: StringProperty(name="Image", description="The image datablock to upscale")
    tile: IntProperty(name="Tile", default=512, min=64, max=4096, description="Pixels per tile side")

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> set[str]:
        return context.window_manager.invoke_props_dialog(self)

    def draw(self, context: bpy.types.Context) -> None:
        self.layout.prop_search(self, "image", bpy.data, "images")
        _draw_upscale(self.layout, self)

    def start_job(self, context: bpy.types.Context) -> JobTracker:
        image = bpy.data.images.get(self.image)
        if image is None:
            raise BadInput(f"There is no image named '{self.image}': choose one to upscale.")
        source = Path(bpy.path.abspath(image.filepath)) if image.filepath else None
        if source is None or not source.is_file():
            raise BadInput(f"Image '{image.name}' has no file on disk: save it first, then upscale it.")
        upscaling = _upscale_job(self, *image.size)
        check_runtime_python(project.runtime_python())
        media = project.media_folder(create=True).path
        key = artifact_key("upscale", upscaling, files=[source])
        output = contained_path(media, f"post/{slug(image.name)}-upscaled-{key}.png")
        job = {"task": "upscale", "image": str(source), "output": str(output), **upscaling}
        if self.method != "diffusion":  # the diffusion upscaler keeps its own 128 px tiles
            job["tile"] = self.tile
        client = worker_session.get_client()
        return JobTracker(client, client.submit(job))

    def land(self, context: bpy.types.Context, state: JobState) -> str:
        upscaled = bpy.data.images.load(state.result["output"], check_existing=True)
        upscaled.name = f"{self.image} x{state.result['factor']}"
        return f"Upscaled {self.image} to {upscaled.size[0]}x{upscaled.size[1]} as '{upscaled.name}'"


classes = (
    STORYLOOM_OT_interpolate_strip,
    STORYLOOM_OT_upscale_strip,
    STORYLOOM_OT_deflicker_strip,
    STORYLOOM_OT_upscale_image,
)

register, unregister = bpy.utils.register_classes_factory(classes)
