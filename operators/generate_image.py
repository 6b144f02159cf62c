"""``storyloom.generate_image``: a prompt becomes a PNG in the media folder and a texture."""

from __future__ import annotations

import bpy

from ..addon.blender import landing, project, worker_session
from ..addon.core.keys import artifact_key, slug
from ..addon.core.models import TASK_TEXT_TO_IMAGE, ModelError, get_spec, load_registry
from ..addon.core.paths import contained_path
from ..addon.core.runtime_probe import check_runtime_python
from ..addon.core.validation import check_image_params
from ..addon.prefs import get_preferences
from ..addon.props import ImageSettings
from ..addon.runtime.tracker import JobState, JobTracker
from .job_base import JobOperatorMixin


class STORYLOOM_OT_generate_image(ImageSettings, JobOperatorMixin, bpy.types.Operator):
    """Generate an image from a prompt with a diffusion model (runs in the model worker)"""

    bl_idname = "storyloom.generate_image"
    bl_label = "Generate Image"
    bl_options = {"REGISTER"}

    job_label = "Generating image"

    def start_job(self, context: bpy.types.Context) -> JobTracker:
        prefs = get_preferences(context)
        models_folder = project.models_folder()
        spec = get_spec(load_registry(models_folder), self.model)
        if spec.task != TASK_TEXT_TO_IMAGE:
            raise ModelError(f"Model '{spec.id}' does not make images (task: {spec.task}).", kind="bad_input")
        defaults = spec.defaults if self.use_model_defaults else {}
        params = check_image_params(
            prompt=self.prompt,
            negative_prompt=self.negative_prompt,
            seed=self.seed,
            width=defaults.get("width", self.width),
            height=defaults.get("height", self.height),
            steps=defaults.get("steps", self.steps),
            guidance=defaults.get("guidance", self.guidance),
        )
        media = project.media_folder(create=True)
        for warning in media.warnings:
            self.report({"WARNING"}, warning)
        key = artifact_key(spec.id, spec.source, params.to_dict())
        output = contained_path(media.path, f"images/{slug(params.prompt)}-{params.seed}-{key}.png")
        check_runtime_python(project.runtime_python())
        client = worker_session.get_client()
        job_id = client.submit(
            {
                "task": TASK_TEXT_TO_IMAGE,
                "spec": spec.to_dict(),
                "params": params.to_dict(),
                "output": str(output),
                "models_folder": str(models_folder),
                "allow_online": bool(bpy.app.online_access),
                "device": prefs.device,
                "memory_mode": prefs.memory_mode,
            }
        )
        return JobTracker(client, job_id)

    def land(self, context: bpy.types.Context, state: JobState) -> str:
        image = landing.load_image(state.artifacts[-1])
        where = ""
        if self.apply_to_material:
            obj = context.active_object
            if obj is not None and obj.type in {"MESH", "CURVE", "SURFACE", "META", "FONT"}:
                material = landing.apply_as_base_color(obj, image)
                where = f" on {obj.name} / {material.name}"
            else:
                self.report({"WARNING"}, "No active object that can hold a material: image loaded only")
        return f"Generated {image.name} ({image.size[0]}x{image.size[1]}){where}"


classes = (STORYLOOM_OT_generate_image,)

register, unregister = bpy.utils.register_classes_factory(classes)
