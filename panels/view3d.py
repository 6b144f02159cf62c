"""The Storyloom tab in the 3D viewport sidebar."""

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


class VIEW3D_PT_storyloom_image(bpy.types.Panel):
    bl_label = "Generate Image"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Storyloom"
    bl_parent_id = "VIEW3D_PT_storyloom"

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        settings = context.scene.storyloom_image
        layout.use_property_split = True
        for name in ("prompt", "negative_prompt", "model", "seed", "width", "height", "steps", "guidance"):
            layout.prop(settings, name)
        layout.prop(settings, "use_model_defaults")
        layout.prop(settings, "apply_to_material")
        operator = layout.operator("storyloom.generate_image", icon="IMAGE_DATA")
        for name in settings.bl_rna.properties.keys():
            if name != "rna_type":
                setattr(operator, name, getattr(settings, name))


classes = (VIEW3D_PT_storyloom, VIEW3D_PT_storyloom_image)

register, unregister = bpy.utils.register_classes_factory(classes)
