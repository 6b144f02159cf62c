"""The Storyloom tab in the Sequencer sidebar: brief to film, the last build's shots, video shots."""

from __future__ import annotations

import json

import bpy

from ..addon.blender.post_props import copy_post_settings, draw_post_settings


class SEQUENCER_UL_storyloom_shots(bpy.types.UIList):
    def draw_item(self, context, layout, data, item, icon, active_data, active_property, index=0, flt_flag=0):
        row = layout.row(align=True)
        row.label(text=item.shot_id, icon="ERROR" if item.status == "DIRTY" else "SEQUENCE")
        row.prop(item, "prompt", text="", emboss=False)
        row.label(text=f"{item.duration:.1f} s")


class SEQUENCER_PT_storyloom_film(bpy.types.Panel):
    bl_label = "Storyloom Film"
    bl_space_type = "SEQUENCE_EDITOR"
    bl_region_type = "UI"
    bl_category = "Storyloom"

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        scene = context.scene
        settings = scene.storyloom_film
        layout.prop(settings, "brief", text="")
        for name in ("preset", "look", "captions", "previz", "output", "planner"):
            layout.prop(settings, name)
        if settings.previz == "stage":
            row = layout.row(align=True)
            row.prop(settings, "render_engine", text="")
            row.prop(settings, "stage_frames", toggle=True)
        draw_post_settings(layout, settings)
        if settings.planner != "rules":
            layout.prop(settings, "planner_model")
        if settings.planner == "server":
            layout.prop(settings, "planner_url")
        row = layout.row(align=True)
        planning = row.operator("storyloom.plan_film", icon="TEXT")
        for name in ("brief", "planner", "planner_model", "planner_url"):
            setattr(planning, name, getattr(settings, name))
        operator = row.operator("storyloom.build_film", icon="SEQUENCE")
        for name in (
            "brief",
            "preset",
            "look",
            "captions",
            "previz",
            "stage_frames",
            "render_engine",
            "output",
            "planner",
            "planner_model",
            "planner_url",
        ):
            setattr(operator, name, getattr(settings, name))
        copy_post_settings(settings, operator)
        plan_text = scene.get("storyloom_plan")
        if not plan_text:
            return
        plan = json.loads(plan_text)
        layout.label(text=f"{plan['film']['title']}: {len(plan['shots'])} shots", icon="TEXT")
        layout.template_list(
            "SEQUENCER_UL_storyloom_shots",
            "",
            scene,
            "storyloom_shots",
            scene,
            "storyloom_shot_index",
            rows=4,
        )
        if scene.storyloom_shots:
            shot = scene.storyloom_shots[min(scene.storyloom_shot_index, len(scene.storyloom_shots) - 1)]
            box = layout.box()
            box.use_property_split = True
            for name in ("prompt", "line", "duration", "camera"):
                box.prop(shot, name)
        dirty = json.loads(scene.get("storyloom_dirty_shots", "[]"))
        rebuild = layout.operator(
            "storyloom.build_film", text=f"Regenerate Changed Shots ({len(dirty)})", icon="FILE_REFRESH"
        )
        rebuild.from_scene_plan, rebuild.output = True, settings.output
        row = layout.row(align=True)
        row.prop(settings, "revise_note", text="")
        row.operator("storyloom.revise_plan", text="", icon="GREASEPENCIL").note = settings.revise_note
        row.operator("storyloom.undo_revision", text="", icon="LOOP_BACK")
        row = layout.row(align=True)
        row.operator("storyloom.export_plan", icon="EXPORT")
        row.operator("storyloom.import_plan", icon="IMPORT")


class SEQUENCER_PT_storyloom_video(bpy.types.Panel):
    """Video shots: each button opens its settings, then runs in the worker (Esc cancels)."""

    bl_label = "Storyloom Video"
    bl_space_type = "SEQUENCE_EDITOR"
    bl_region_type = "UI"
    bl_category = "Storyloom"

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        layout.operator("storyloom.generate_video", icon="RENDER_ANIMATION")
        active = context.scene.sequence_editor.active_strip if context.scene.sequence_editor else None
        column = layout.column(align=True)
        column.enabled = active is not None and active.type == "IMAGE"
        column.operator(
            "storyloom.generate_video", text="Continue Shot", icon="FRAME_NEXT"
        ).image_source = "CONTINUE"
        column.operator("storyloom.restyle_strip", icon="BRUSH_DATA")
        column.operator("storyloom.footage_to_plane", icon="MESH_PLANE")
        row = column.row(align=True)
        row.operator("storyloom.interpolate_strip", text="Interpolate", icon="IPO_EASE_IN_OUT")
        row.operator("storyloom.upscale_strip", text="Upscale", icon="FULLSCREEN_ENTER")
        row.operator("storyloom.deflicker_strip", text="Deflicker", icon="LIGHT_SUN")


class SEQUENCER_UL_storyloom_voices(bpy.types.UIList):
    def draw_item(self, context, layout, data, item, icon, active_data, active_property, index=0, flt_flag=0):
        row = layout.row(align=True)
        row.prop(item, "name", text="", emboss=False, icon="USER")
        row.label(text=item.model)


class SEQUENCER_PT_storyloom_audio(bpy.types.Panel):
    """Character voices, lines and music cues; results land at the playhead."""

    bl_label = "Storyloom Audio"
    bl_space_type = "SEQUENCE_EDITOR"
    bl_region_type = "UI"
    bl_category = "Storyloom"

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        scene = context.scene
        row = layout.row()
        row.template_list(
            "SEQUENCER_UL_storyloom_voices",
            "",
            scene,
            "storyloom_voices",
            scene,
            "storyloom_voice_index",
            rows=3,
        )
        column = row.column(align=True)
        column.operator("storyloom.voice_add", text="", icon="ADD")
        column.operator("storyloom.voice_remove", text="", icon="REMOVE")
        if scene.storyloom_voices:
            voice = scene.storyloom_voices[min(scene.storyloom_voice_index, len(scene.storyloom_voices) - 1)]
            box = layout.box()
            box.use_property_split = True
            for name in ("model", "voice", "reference_clip", "language", "speed", "style", "seed"):
                box.prop(voice, name)
        layout.operator("storyloom.generate_speech", icon="SPEAKER")
        layout.operator("storyloom.generate_music", icon="SOUND")
        layout.operator("storyloom.generate_sfx", icon="OUTLINER_OB_SPEAKER")


classes = (
    SEQUENCER_UL_storyloom_shots,
    SEQUENCER_PT_storyloom_film,
    SEQUENCER_PT_storyloom_video,
    SEQUENCER_UL_storyloom_voices,
    SEQUENCER_PT_storyloom_audio,
)

register, unregister = bpy.utils.register_classes_factory(classes)
