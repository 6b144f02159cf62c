"""``storyloom.restyle_render``: img2img over the render or every frame of the animation."""

from __future__ import annotations

from pathlib import Path

import bpy
from bpy.props import BoolProperty, FloatProperty, IntProperty, StringProperty

from ..addon.blender import landing, project, restyle, video_strips, worker_session
from ..addon.blender.depth import active_camera
from ..addon.blender.image_inputs import fit_to_model
from ..addon.core.keys import artifact_key, slug
from ..addon.core.models import TASK_TEXT_TO_IMAGE, ModelError, get_spec, load_registry
from ..addon.core.paths import contained_path
from ..addon.core.runtime_probe import check_runtime_python
from ..addon.core.validation import check_edit_params, check_image_params
from ..addon.prefs import get_preferences
from ..addon.runtime.tracker import JobState, JobTracker
from .job_base import JobOperatorMixin, Prelude


class STORYLOOM_OT_restyle_render(JobOperatorMixin, bpy.types.Operator):
    """Render the scene, then repaint the render (or each frame of the animation) from a prompt"""

    bl_idname = "storyloom.restyle_render"
    bl_label = "Restyle Render"
    bl_options = {"REGISTER"}  # the landing pushes the undo step

    job_label = "Restyling"

    prompt: StringProperty(name="Prompt", description="The look to give the render")
    negative_prompt: StringProperty(name="Negative Prompt")
    model: StringProperty(name="Model", default="sd15")
    seed: IntProperty(name="Seed", default=0, soft_min=0, description="One seed for every frame")
    strength: FloatProperty(name="Strength", default=0.5, soft_min=0.0, soft_max=1.0)
    steps: IntProperty(name="Steps", default=25, soft_min=1, soft_max=100)
    guidance: FloatProperty(name="Guidance", default=7.5, soft_min=0.0, soft_max=20.0)
    animation: BoolProperty(name="Animation", description="Every frame of the scene's range, as a strip")

    def start_job(self, context: bpy.types.Context) -> Prelude:
        prefs = get_preferences(context)
        scene = context.scene
        models_folder = project.models_folder()
        spec = get_spec(load_registry(models_folder), self.model)
        if spec.task != TASK_TEXT_TO_IMAGE:
            raise ModelError(
                f"Model '{spec.id}' cannot restyle images (task: {spec.task}).", kind="bad_input"
            )
        render = scene.render
        width, height = fit_to_model(
            round(render.resolution_x * render.resolution_percentage / 100),
            round(render.resolution_y * render.resolution_percentage / 100),
        )
        params = check_image_params(
            self.prompt, self.negative_prompt, self.seed, width, height, self.steps, self.guidance
        )
        edit = check_edit_params(mode="image", source="render", strength=self.strength)
        frames = restyle.frame_range(scene, self.animation)
        active_camera(scene)  # refused now, not at the first tick
        check_runtime_python(project.runtime_python())
        media = project.media_folder(create=True).path
        key = artifact_key(spec.id, spec.source, params.to_dict(), edit.to_dict(), frames)
        self._first_frame = frames[0]
        job = {
            "task": "image-sequence",
            "spec": spec.to_dict(),
            "params": params.to_dict(),
            "edit": edit.to_dict(),
            "models_folder": str(models_folder),
            "allow_online": bool(bpy.app.online_access),
            "device": prefs.device,
            "memory_mode": prefs.memory_mode,
        }
        return self._render_then_submit(scene, frames, media, key, job)

    def _render_then_submit(self, scene, frames: list[int], media: Path, key: str, job: dict) -> Prelude:
        """One frame rendered per step (a timer tick when interactive), then the worker's job."""
        renders = restyle.render_frame_steps(scene, frames, contained_path(media, f"renders/{key}"))
        try:
            while True:
                try:
                    done = next(renders)
                except StopIteration as end:
                    sources = end.value
                    break
                yield "rendering frame", done, len(frames)
        finally:
            renders.close()  # Esc between two frames: the partial renders are removed
        key = artifact_key(key, files=sources)  # what was rendered, not only how it was asked for
        prompt = job["params"]["prompt"]
        job |= {
            "sources": [str(path) for path in sources],
            "output_dir": str(contained_path(media, f"restyled/{slug(prompt)}-{key}")),
        }
        client = worker_session.get_client()
        return JobTracker(client, client.submit(job))

    def land(self, context: bpy.types.Context, state: JobState) -> str:
        folder = Path(state.result["output_dir"])
        names = state.result["frames"]
        if not self.animation:
            image = landing.load_image(folder / names[0])
            return f"Restyled the render as {image.name}"
        label = f"Restyle {self.prompt}"
        strip = video_strips.sequence_strip(context.scene, folder, names, self._first_frame, label)
        strip[video_strips.STRIP_TAG] = "restyle"
        return f"Restyled {len(names)} frames into strip {strip.name} (channel {strip.channel})"


classes = (STORYLOOM_OT_restyle_render,)

register, unregister = bpy.utils.register_classes_factory(classes)
