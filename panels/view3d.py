"""The Storyloom tab in the 3D viewport sidebar, and its image panel in the shader editor."""

from __future__ import annotations

import bpy

from ..addon.prefs import get_preferences


class VIEW3D_PT_storyloom(bpy.types.Panel):
    bl_label = "Storyloom"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Storyloom"

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        prefs = get_preferences(context)
        layout.label(text=f"Media: {prefs.media_folder}", icon="FILE_FOLDER")
        row = layout.row(align=True)
        row.operator("storyloom.doctor", icon="CHECKMARK")
        row.operator("storyloom.unload_models", text="", icon="TRASH")
        report = context.window_manager.storyloom_doctor_report
        if report:
            box = layout.box()
            for line in report.splitlines():
                box.label(text=line.strip())


def draw_image_settings(layout: bpy.types.UILayout, context: bpy.types.Context) -> None:
    """The Generate Image settings and button; shared by the 3D viewport and the shader editor."""
    settings = context.scene.storyloom_image
    layout.use_property_split = True
    layout.prop(settings, "mode")
    for name in ("prompt", "negative_prompt", "model", "seed"):
        layout.prop(settings, name)
    if settings.mode in {"IMAGE", "INPAINT"}:
        layout.prop(settings, "source")
        layout.prop(settings, {"IMAGE": "source_image", "FILE": "source_file"}.get(settings.source, "source"))
        layout.prop(settings, "strength")
    if settings.mode == "INPAINT":
        layout.prop(settings, "mask")
        if settings.mask == "IMAGE":
            layout.prop(settings, "mask_image")
    if settings.mode == "DEPTH":
        layout.prop(settings, "controlnet")
        layout.prop(settings, "control_scale")
    if settings.mode in {"TEXT", "DEPTH"}:
        layout.prop(settings, "width")
        layout.prop(settings, "height")
    for name in ("steps", "guidance", "use_model_defaults", "seamless", "use_as"):
        layout.prop(settings, name)
    if settings.use_as == "MATERIAL":
        layout.prop(settings, "material_maps")
    if settings.use_as == "PROJECT":
        layout.prop(settings, "projection_shading")
        layout.prop(settings, "bake")
        if settings.bake:
            layout.prop(settings, "bake_size")
    operator = layout.operator("storyloom.generate_image", icon="IMAGE_DATA")
    for name in settings.bl_rna.properties.keys():
        if name != "rna_type":
            setattr(operator, name, getattr(settings, name))


class VIEW3D_PT_storyloom_image(bpy.types.Panel):
    bl_label = "Generate Image"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Storyloom"
    bl_parent_id = "VIEW3D_PT_storyloom"

    def draw(self, context: bpy.types.Context) -> None:
        draw_image_settings(self.layout, context)
        self.layout.operator("storyloom.upscale_image", icon="FULLSCREEN_ENTER")


class VIEW3D_PT_storyloom_scene_image(bpy.types.Panel):
    bl_label = "Use Image in Scene"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Storyloom"
    bl_parent_id = "VIEW3D_PT_storyloom"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        layout.operator("storyloom.project_image", icon="MOD_UVPROJECT")
        row = layout.row(align=True)
        for target, icon in (
            ("WORLD", "WORLD"),
            ("CAMERA", "CAMERA_DATA"),
            ("COMPOSITOR", "NODE_COMPOSITING"),
        ):
            row.operator("storyloom.set_plate", text=target.title(), icon=icon).target = target


class VIEW3D_PT_storyloom_staging(bpy.types.Panel):
    """The plan's 3D blocking: build or refresh it, render its previz stills."""

    bl_label = "Staging"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Storyloom"
    bl_parent_id = "VIEW3D_PT_storyloom"

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        settings = context.scene.storyloom_film
        layout.prop(settings, "render_engine", text="Render")
        row = layout.row(align=True)
        row.operator("storyloom.stage_plan", icon="OUTLINER_OB_CAMERA")
        row.operator("storyloom.render_previz", icon="RENDER_STILL").engine = settings.render_engine


class NODE_PT_storyloom_image(bpy.types.Panel):
    """Textures from the shader editor, where materials are built."""

    bl_label = "Storyloom Image"
    bl_space_type = "NODE_EDITOR"
    bl_region_type = "UI"
    bl_category = "Storyloom"

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        return getattr(context.space_data, "tree_type", "") == "ShaderNodeTree"

    def draw(self, context: bpy.types.Context) -> None:
        draw_image_settings(self.layout, context)


classes = (
    VIEW3D_PT_storyloom,
    VIEW3D_PT_storyloom_image,
    VIEW3D_PT_storyloom_scene_image,
    VIEW3D_PT_storyloom_staging,
    NODE_PT_storyloom_image,
)

register, unregister = bpy.utils.register_classes_factory(classes)
