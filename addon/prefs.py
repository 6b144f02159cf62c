"""Add-on preferences: where media and models live, which Python runs models, on what device."""

from __future__ import annotations

import bpy
from bpy.props import EnumProperty, FloatProperty, StringProperty

from . import PACKAGE
from .core.paths import DEFAULT_MEDIA_FOLDER

DEVICE_ITEMS = (
    ("auto", "Auto", "Fastest available: CUDA, then Apple Metal (MPS), then CPU"),
    ("cuda", "CUDA", "NVIDIA GPU"),
    ("mps", "Metal", "Apple silicon GPU"),
    ("cpu", "CPU", "No accelerator (slow for real models; fine for previz backends)"),
)

MEMORY_MODE_ITEMS = (
    (
        "auto",
        "Auto",
        "Whole model on the device when it fits in free GPU memory with headroom, "
        "model CPU offload and VAE tiling when it does not (the job's report says which and why)",
    ),
    ("speed", "Speed", "Keep the whole model on the device (most memory, fastest)"),
    ("balanced", "Balanced", "Move model parts to the device as needed; VAE tiling"),
    ("low", "Low Memory", "Offload layer by layer, attention slicing, VAE tiling (slowest)"),
)


class STORYLOOM_AP_preferences(bpy.types.AddonPreferences):
    bl_idname = PACKAGE

    media_folder: StringProperty(
        name="Media Folder",
        description=(
            "Where generated images, frames, audio and renders are written. "
            "'//' is the folder of the .blend file; unsaved files fall back to a temp folder"
        ),
        subtype="DIR_PATH",
        # Preferences belong to no .blend, so Blender must be told '//' is meant here.
        options={"PATH_SUPPORTS_BLEND_RELATIVE"},
        default=DEFAULT_MEDIA_FOLDER,
    )
    models_folder: StringProperty(
        name="Models Folder",
        description="Model weights and your own model specs. Empty: the extension's user folder",
        subtype="DIR_PATH",
        default="",
    )
    runtime_python: StringProperty(
        name="Runtime Python",
        description=(
            "Python executable of the model worker (a venv with torch and diffusers). "
            "Empty: Blender's own Python"
        ),
        subtype="FILE_PATH",
        default="",
    )
    device: EnumProperty(name="Device", items=DEVICE_ITEMS, default="auto")
    memory_mode: EnumProperty(name="Memory", items=MEMORY_MODE_ITEMS, default="auto")
    memory_budget_gb: FloatProperty(
        name="Model Cache (GB)",
        description=(
            "How much memory warm models may keep between jobs; least recently used ones are "
            "unloaded beyond it. 0: no limit"
        ),
        min=0.0,
        soft_max=256.0,
        default=0.0,
    )

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        layout.use_property_split = True
        layout.prop(self, "media_folder")
        layout.prop(self, "models_folder")
        layout.prop(self, "runtime_python")
        layout.prop(self, "device")
        layout.prop(self, "memory_mode")
        layout.prop(self, "memory_budget_gb")
        row = layout.row()
        row.operator("storyloom.install_runtime", icon="CONSOLE")
        row.operator("storyloom.open_worker_log", icon="TEXT")
        layout.operator("storyloom.doctor", icon="CHECKMARK")


def get_preferences(context: bpy.types.Context | None = None) -> STORYLOOM_AP_preferences:
    context = context or bpy.context
    return context.preferences.addons[PACKAGE].preferences


classes = (STORYLOOM_AP_preferences,)

register, unregister = bpy.utils.register_classes_factory(classes)
