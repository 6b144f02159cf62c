"""Properties Storyloom adds to Blender's data.

Transient state (the last doctor report) lives on the WindowManager, which is never saved;
what the artist types (prompts, seeds) lives on the Scene, so it is saved with the .blend.
"""

from __future__ import annotations

import bpy
from bpy.props import BoolProperty, EnumProperty, FloatProperty, IntProperty, PointerProperty, StringProperty

from .blender.film_stage import ENGINE_ITEMS, PREVIZ_ITEMS
from .blender.film_sync import CAPTION_ITEMS
from .blender.planning import PLANNER_ITEMS
from .blender.post_props import PostProperties
from .core.models import IMAGE_TASKS, TASK_CONTROLNET, TASK_SPEECH, load_registry
from .core.visemes import PRESTON_BLAIR, REST


def _model_ids_for(tasks):
    def search(self, context, edit_text):
        from .blender import project

        registry = load_registry(project.models_folder())
        return [spec.id for spec in registry.values() if spec.task in tasks]

    return search


def _image_names(self, context, edit_text):
    return [image.name for image in bpy.data.images]


class ImageSettings:
    """Text-to-image settings, shared by the scene's panel settings and the operator.

    No hard min/max on numbers: out-of-range input gets a clear message, not a silent clamp.
    """

    prompt: StringProperty(name="Prompt", description="What the image shows")
    negative_prompt: StringProperty(name="Negative Prompt", description="What the image must not show")
    model: StringProperty(
        name="Model", default="sd15", search=_model_ids_for(IMAGE_TASKS), description="Model id"
    )
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
    mode: EnumProperty(
        name="Mode",
        items=(
            ("TEXT", "Text to Image", "A new picture from the prompt"),
            ("IMAGE", "Image to Image", "Restyle a source picture; strength says how far"),
            ("INPAINT", "Inpaint", "Repaint only the masked part of a source picture"),
            ("DEPTH", "Depth from Camera", "Follow the layout the active camera sees (depth ControlNet)"),
        ),
    )
    source: EnumProperty(
        name="Source",
        items=(
            ("IMAGE", "Image", "An image datablock"),
            ("RENDER", "Render", "The last render (rendered now if there is none)"),
            ("FILE", "File", "An image file"),
        ),
    )
    source_image: StringProperty(name="Source Image", search=_image_names)
    source_file: StringProperty(name="Source File", subtype="FILE_PATH")
    mask: EnumProperty(
        name="Mask",
        items=(
            ("IMAGE", "Mask Image", "White repaints, black keeps (same size as the source)"),
            ("ALPHA", "Painted Alpha", "Transparent pixels of the source are repainted"),
        ),
    )
    mask_image: StringProperty(name="Mask Image", search=_image_names)
    strength: FloatProperty(
        name="Strength",
        default=0.75,
        soft_min=0.0,
        soft_max=1.0,
        description="0 keeps the source, 1 repaints it",
    )
    controlnet: StringProperty(
        name="ControlNet",
        default="controlnet-depth-sd15",
        search=_model_ids_for({TASK_CONTROLNET}),
        description="Depth ControlNet matching the model (SD 1.5 or SDXL)",
    )
    control_scale: FloatProperty(name="Control Strength", default=1.0, soft_min=0.0, soft_max=2.0)
    seamless: BoolProperty(name="Seamless", description="Tileable texture: edges wrap (SD 1.x and SDXL)")
    material_maps: EnumProperty(
        name="Material",
        items=(
            ("BASE", "Base Color", "The image as base colour only"),
            ("PBR", "Base + Roughness + Normal", "Also roughness and normal maps derived from the image"),
        ),
    )
    use_as: EnumProperty(
        name="Use As",
        items=(
            ("MATERIAL", "Material", "Texture on the active object's material"),
            ("PROJECT", "Camera Projection", "Projected from the active camera onto the selected meshes"),
            ("WORLD", "World Plate", "Background of the world, seen by the camera"),
            ("CAMERA", "Camera Background", "Layout reference behind the camera view (not rendered)"),
            ("COMPOSITOR", "Compositor Plate", "Behind the render in the compositor"),
            ("IMAGE", "Image Only", "Load the image, change nothing else"),
        ),
    )
    projection_shading: EnumProperty(
        name="Shading",
        items=(
            ("LIT", "Lit", "The image as base colour, lit by the scene"),
            ("SHADELESS", "Shadeless", "The image exactly as painted (matte-painting style)"),
        ),
    )
    bake: BoolProperty(
        name="Bake to UVs", description="Bake the projection to each mesh's UVs so it survives camera moves"
    )
    bake_size: IntProperty(name="Bake Size", default=1024, soft_min=64, soft_max=8192, subtype="PIXEL")


class STORYLOOM_PG_image_settings(ImageSettings, bpy.types.PropertyGroup):
    pass


class STORYLOOM_PG_voice(bpy.types.PropertyGroup):
    """One character's voice: every line that character speaks uses it."""

    name: StringProperty(name="Character", default="Narrator")
    model: StringProperty(
        name="Voice Model",
        default="espeak",
        search=_model_ids_for({TASK_SPEECH}),
        description="Speech model id",
    )
    voice: StringProperty(
        name="Voice", default="en", description="Voice or speaker name (espeak: en, en-us, de...)"
    )
    reference_clip: StringProperty(
        name="Reference Clip",
        subtype="FILE_PATH",
        description="A WAV of the voice to clone (cloning models only)",
    )
    language: StringProperty(name="Language", default="en")
    speed: FloatProperty(name="Speed", default=1.0, soft_min=0.5, soft_max=2.0)
    style: StringProperty(name="Style", description="Emotion or style, where the model supports it")
    seed: IntProperty(name="Seed", default=0, soft_min=0, description="Same seed, same take")


def _shot_edited(self, context):
    from .blender.shot_list import shot_edited

    shot_edited(self, context)


CAMERA_ITEMS = tuple(
    (move, move.replace("-", " ").title(), "")
    for move in ("static", "push-in", "pull-out", "pan-left", "pan-right", "tilt-up", "tilt-down")
)


class STORYLOOM_PG_shot(bpy.types.PropertyGroup):
    """One shot of the scene's plan, editable in the Sequencer's shot list."""

    shot_id: StringProperty(name="Shot")
    prompt: StringProperty(name="Prompt", update=_shot_edited)
    duration: FloatProperty(name="Duration", min=0.5, max=600.0, subtype="TIME_ABSOLUTE", update=_shot_edited)
    line: StringProperty(name="Line", update=_shot_edited)
    camera: EnumProperty(name="Camera", items=CAMERA_ITEMS, update=_shot_edited)
    status: EnumProperty(
        name="Status",
        items=(("PLANNED", "Planned", "As planned"), ("DIRTY", "To Regenerate", "Changed since it was made")),
    )


def _preset_items(self, context):
    from .core.presets import PRESETS

    return [("AUTO", "From the Brief", "")] + [(name, name.title(), p.label) for name, p in PRESETS.items()]


class STORYLOOM_PG_film_settings(PostProperties, bpy.types.PropertyGroup):
    """What the Sequencer panel's Build Film button uses (saved with the .blend)."""

    brief: StringProperty(
        name="Brief",
        default=(
            "Create a cinematic 30-sec brand film for Northwind bikes with dramatic lighting and voiceover."
        ),
    )
    preset: bpy.props.EnumProperty(name="Delivery", items=_preset_items)
    look: bpy.props.EnumProperty(
        name="Look",
        items=(("AUTO", "From the Brief", ""), ("neutral", "Neutral", ""), ("cinematic", "Cinematic", "")),
    )
    output: StringProperty(name="Output", subtype="FILE_PATH", default="//storyloom/film.mp4")
    planner: EnumProperty(name="Director", items=PLANNER_ITEMS)
    captions: EnumProperty(name="Captions", items=CAPTION_ITEMS, default="preset")
    previz: EnumProperty(name="Previz", items=PREVIZ_ITEMS, default="stage")
    stage_frames: BoolProperty(
        name="Every Frame", description="Render every frame of the staging instead of one still per shot"
    )
    render_engine: EnumProperty(name="Staging Render", items=ENGINE_ITEMS, default="workbench")
    planner_model: StringProperty(name="Planner Model", description="Planner model id, or the server's model")
    planner_url: StringProperty(name="Server URL", default="http://127.0.0.1:11434")
    revise_note: StringProperty(
        name="Note", description="A revision in words: 'make shot 3 darker and shorter'"
    )


VISEME_ITEMS = tuple(
    (name, f"{name} ({blair})", f"Rhubarb shape {name}, Preston Blair '{blair}'")
    for name, blair in PRESTON_BLAIR.items()
    if name != REST  # rest is every target at 0: nothing to map
)


class STORYLOOM_PG_viseme(bpy.types.PropertyGroup):
    """One row of an object's viseme mapping: this mouth shape moves this shape key (or pose)."""

    viseme: EnumProperty(name="Viseme", items=VISEME_ITEMS)
    target: StringProperty(name="Target", description="Shape key (or, for an armature, pose action) name")
    weight: FloatProperty(name="Weight", default=1.0, soft_min=0.0, soft_max=1.0)


classes = (
    STORYLOOM_PG_image_settings,
    STORYLOOM_PG_film_settings,
    STORYLOOM_PG_voice,
    STORYLOOM_PG_shot,
    STORYLOOM_PG_viseme,
)
_register_classes, _unregister_classes = bpy.utils.register_classes_factory(classes)


def register() -> None:
    _register_classes()
    bpy.types.Scene.storyloom_image = PointerProperty(type=STORYLOOM_PG_image_settings)
    bpy.types.Scene.storyloom_film = PointerProperty(type=STORYLOOM_PG_film_settings)
    bpy.types.Scene.storyloom_voices = bpy.props.CollectionProperty(type=STORYLOOM_PG_voice)
    bpy.types.Scene.storyloom_voice_index = IntProperty(name="Active Voice", default=0)
    bpy.types.Scene.storyloom_shots = bpy.props.CollectionProperty(type=STORYLOOM_PG_shot)
    bpy.types.Scene.storyloom_shot_index = IntProperty(name="Active Shot", default=0)
    bpy.types.Object.storyloom_visemes = bpy.props.CollectionProperty(type=STORYLOOM_PG_viseme)
    bpy.types.Object.storyloom_viseme_index = IntProperty(name="Active Viseme", default=0)
    bpy.types.WindowManager.storyloom_doctor_report = StringProperty(
        name="Doctor Report",
        description="Output of the last Storyloom doctor run",
        options={"SKIP_SAVE"},
    )


def unregister() -> None:
    del bpy.types.WindowManager.storyloom_doctor_report
    del bpy.types.Object.storyloom_viseme_index
    del bpy.types.Object.storyloom_visemes
    del bpy.types.Scene.storyloom_shot_index
    del bpy.types.Scene.storyloom_shots
    del bpy.types.Scene.storyloom_voice_index
    del bpy.types.Scene.storyloom_voices
    del bpy.types.Scene.storyloom_film
    del bpy.types.Scene.storyloom_image
    _unregister_classes()
