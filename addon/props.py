"""Properties Storyloom adds to Blender's data.

Transient state (the last doctor report) lives on the WindowManager, which is never saved;
what the artist types (prompts, seeds) lives on the Scene, so it is saved with the .blend.
"""

from __future__ import annotations

import bpy
from bpy.props import BoolProperty, FloatProperty, IntProperty, PointerProperty, StringProperty

from .core.models import TASK_TEXT_TO_IMAGE, load_registry


def _model_ids(self, context, edit_text):
    from .blender import project

    registry = load_registry(project.models_folder())
    return [spec.id for spec in registry.values() if spec.task == TASK_TEXT_TO_IMAGE]


class ImageSettings:
    """Text-to-image settings, shared by the scene's panel settings and the operator.

    No hard min/max on numbers: out-of-range input gets a clear message, not a silent clamp.
    """

    prompt: StringProperty(name="Prompt", description="What the image shows")
    negative_prompt: StringProperty(name="Negative Prompt", description="What the image must not show")
    model: StringProperty(name="Model", default="sd15", search=_model_ids, description="Model id")
    seed: IntProperty(name="Seed", default=0, soft_min=0, description="Same seed, same image")
    width: IntProperty(name="Width", default=512, soft_min=64, soft_max=2048, step=8, subtype="PIXEL")
    height: IntProperty(name="Height", default=512, soft_min=64, soft_max=2048, step=8, subtype="PIXEL")
    steps: IntProperty(name="Steps", default=25, soft_min=1, soft_max=100)
    guidance: FloatProperty(name="Guidance", default=7.5, soft_min=0.0, soft_max=20.0)
    use_model_defaults: BoolProperty(
        name="Model Defaults",
        description="Use the model's own size, steps and guidance (e.g. 1 step for SDXL-Turbo)",
        default=False,
    )
    apply_to_material: BoolProperty(
        name="Apply to Material",
        description="Use the image as base colour of the active object's material",
        default=True,
    )


class STORYLOOM_PG_image_settings(ImageSettings, bpy.types.PropertyGroup):
    pass


def _preset_items(self, context):
    from .core.presets import PRESETS

    return [("AUTO", "From the Brief", "")] + [(name, name.title(), p.label) for name, p in PRESETS.items()]


class STORYLOOM_PG_film_settings(bpy.types.PropertyGroup):
    """What the Sequencer panel's Build Film button uses (saved with the .blend)."""

    brief: StringProperty(
        name="Brief", default="Create a cinematic 30-sec brand film with dramatic lighting and voiceover."
    )
    preset: bpy.props.EnumProperty(name="Delivery", items=_preset_items)
    look: bpy.props.EnumProperty(
        name="Look",
        items=(("AUTO", "From the Brief", ""), ("neutral", "Neutral", ""), ("cinematic", "Cinematic", "")),
    )
    output: StringProperty(name="Output", subtype="FILE_PATH", default="//storyloom/film.mp4")


classes = (STORYLOOM_PG_image_settings, STORYLOOM_PG_film_settings)
_register_classes, _unregister_classes = bpy.utils.register_classes_factory(classes)


def register() -> None:
    _register_classes()
    bpy.types.Scene.storyloom_image = PointerProperty(type=STORYLOOM_PG_image_settings)
    bpy.types.Scene.storyloom_film = PointerProperty(type=STORYLOOM_PG_film_settings)
    bpy.types.WindowManager.storyloom_doctor_report = StringProperty(
        name="Doctor Report",
        description="Output of the last Storyloom doctor run",
        options={"SKIP_SAVE"},
    )


def unregister() -> None:
    del bpy.types.WindowManager.storyloom_doctor_report
    del bpy.types.Scene.storyloom_film
    del bpy.types.Scene.storyloom_image
    _unregister_classes()
