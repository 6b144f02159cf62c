"""The Storyloom tab in the Sequencer sidebar: brief to film, and the last build's shots."""

from __future__ import annotations

import json

import bpy


class SEQUENCER_PT_storyloom_film(bpy.types.Panel):
    bl_label = "Storyloom Film"
    bl_space_type = "SEQUENCE_EDITOR"
    bl_region_type = "UI"
    bl_category = "Storyloom"

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        settings = context.scene.storyloom_film
        layout.prop(settings, "brief", text="")
        layout.prop(settings, "preset")
        layout.prop(settings, "look")
        layout.prop(settings, "output")
        operator = layout.operator("storyloom.build_film", icon="SEQUENCE")
        operator.brief, operator.preset, operator.look, operator.output = (
            settings.brief,
            settings.preset,
            settings.look,
            settings.output,
        )
        plan_text = context.scene.get("storyloom_plan")
        if plan_text:
            plan = json.loads(plan_text)
            box = layout.box()
            box.label(text=f"{plan['film']['title']}: {len(plan['shots'])} shots", icon="TEXT")
            for shot in plan["shots"]:
                line = shot["lines"][0]["text"][:40] if shot["lines"] else ""
                box.label(text=f"{shot['id']}  {shot['camera']}  {line}")
            row = layout.row(align=True)
            row.operator("storyloom.export_plan", icon="EXPORT")
            row.operator("storyloom.import_plan", icon="IMPORT")


classes = (SEQUENCER_PT_storyloom_film,)

register, unregister = bpy.utils.register_classes_factory(classes)
