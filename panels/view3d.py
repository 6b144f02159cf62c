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
        layout.operator("storyloom.doctor", icon="CHECKMARK")
        report = context.window_manager.storyloom_doctor_report
        if report:
            box = layout.box()
            for line in report.splitlines():
                box.label(text=line.strip())


classes = (VIEW3D_PT_storyloom,)

register, unregister = bpy.utils.register_classes_factory(classes)
