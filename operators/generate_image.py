"""``storyloom.generate_image``: a picture for the scene, from a prompt, a source or the camera.

Modes: text to image, image to image, inpaint, and depth from the active camera (ControlNet).
The result lands as the artist asks: a material texture (optionally seamless, with roughness
and normal maps), a camera projection onto the selected meshes (optionally baked to UVs), a
world, camera or compositor plate, or just an image.
"""

from __future__ import annotations

import bpy

from ..addon.blender import image_inputs, landing, plates, project, projection, worker_session
from ..addon.core.keys import artifact_key, slug
from ..addon.core.models import IMAGE_TASKS, TASK_CONTROLNET, ModelError, get_spec, load_registry
from ..addon.core.paths import contained_path
from ..addon.core.runtime_probe import check_runtime_python
from ..addon.core.validation import check_edit_params, check_image_params
from ..addon.prefs import get_preferences
from ..addon.props import ImageSettings
from ..addon.runtime.tracker import JobState, JobTracker
from .job_base import JobOperatorMixin

MESH_LIKE = {"MESH", "CURVE", "SURFACE", "META", "FONT"}


class STORYLOOM_OT_generate_image(ImageSettings, JobOperatorMixin, bpy.types.Operator):
    """Generate an image with a diffusion model (runs in the model worker) and use it in the scene"""

    bl_idname = "storyloom.generate_image"
    bl_label = "Generate Image"
    bl_options = {"REGISTER"}  # the landing pushes the undo step

    job_label = "Generating image"

    def start_job(self, context: bpy.types.Context) -> JobTracker:
        prefs = get_preferences(context)
        models_folder = project.models_folder()
        registry = load_registry(models_folder)
        spec = get_spec(registry, self.model)
        if spec.task not in IMAGE_TASKS:
            raise ModelError(f"Model '{spec.id}' does not make images (task: {spec.task}).", kind="bad_input")
        controlnet = get_spec(registry, self.controlnet) if self.mode == "DEPTH" else None
        if controlnet is not None and controlnet.task != TASK_CONTROLNET:
            raise ModelError(
                f"Model '{controlnet.id}' is not a ControlNet (task: {controlnet.task}).", kind="bad_input"
            )
        defaults = spec.defaults if self.use_model_defaults else {}
        width, height = defaults.get("width", self.width), defaults.get("height", self.height)
        check_image_params(self.prompt, self.negative_prompt, self.seed, width, height, 1, 0.0)
        image_inputs.check_use_as(self, context)
        # What to project onto is what was selected when the artist clicked, not when it lands.
        self._targets = [obj.name for obj in context.selected_objects]
        media = project.media_folder(create=True)
        for warning in media.warnings:
            self.report({"WARNING"}, warning)
        key = artifact_key(spec.id, spec.source, self.prompt, self.seed, self.mode, self.strength)
        inputs = image_inputs.prepare(self, context, media.path, key, longest=max(width, height))
        width, height = inputs.size or (width, height)
        params = check_image_params(
            prompt=self.prompt,
            negative_prompt=self.negative_prompt,
            seed=self.seed,
            width=width,
            height=height,
            steps=defaults.get("steps", self.steps),
            guidance=defaults.get("guidance", self.guidance),
        )
        edit = check_edit_params(**inputs.edit)
        # The inputs' pixels are in the key: another source, mask or depth never overwrites this.
        key = artifact_key(
            spec.id,
            spec.source,
            params.to_dict(),
            edit.to_dict(),
            files=(edit.source, edit.mask, edit.control),
        )
        output = contained_path(media.path, f"images/{slug(params.prompt)}-{params.seed}-{key}.png")
        check_runtime_python(project.runtime_python())
        job = {
            "task": "text-to-image",
            "spec": spec.to_dict(),
            "params": params.to_dict(),
            "edit": edit.to_dict(),
            "output": str(output),
            "models_folder": str(models_folder),
            "allow_online": bool(bpy.app.online_access),
            "device": prefs.device,
            "memory_mode": prefs.memory_mode,
        }
        if controlnet is not None:
            job["controlnet"] = controlnet.to_dict()
        client = worker_session.get_client()
        return JobTracker(client, client.submit(job))

    def land(self, context: bpy.types.Context, state: JobState) -> str:
        image = landing.load_image(state.result["output"])
        maps = state.result.get("maps", {})
        where = self._use(context, image, maps)
        return f"Generated {image.name} ({image.size[0]}x{image.size[1]}){where}"

    def _use(self, context: bpy.types.Context, image: bpy.types.Image, maps: dict) -> str:
        scene = context.scene
        if self.use_as == "MATERIAL":
            obj = context.active_object
            if obj is None or obj.type not in MESH_LIKE:
                self.report({"WARNING"}, "No active object that can hold a material: image loaded only")
                return ""
            material = landing.apply_as_base_color(obj, image)
            if maps:
                landing.apply_material_maps(material, maps)
            return f" on {obj.name} / {material.name}"
        if self.use_as == "PROJECT":
            camera = scene.camera
            meshes = [bpy.data.objects[name] for name in self._targets if name in bpy.data.objects]
            projection.project(scene, camera, meshes, image, self.projection_shading)
            if self.bake:
                media = project.media_folder(create=True).path
                projection.bake(scene, meshes, self.bake_size, contained_path(media, "bakes"))
                return f" projected from {camera.name} and baked to {len(meshes)} object(s)"
            return f" projected from {camera.name} onto {len(meshes)} object(s)"
        if self.use_as in plates.PLATE_TARGETS:
            plates.set_plate(scene, image, self.use_as)
            return f" as {self.use_as.lower()} plate"
        return ""


classes = (STORYLOOM_OT_generate_image,)

register, unregister = bpy.utils.register_classes_factory(classes)
