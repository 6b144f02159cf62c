"""Lip sync in the 3D viewport and the Sequencer: the active object's viseme table and the keys."""

from __future__ import annotations

import bpy


class STORYLOOM_UL_visemes(bpy.types.UIList):
    def draw_item(self, context, layout, data, item, icon, active_data, active_property, index=0, flt_flag=0):
        row = layout.row(align=True)
        row.prop(item, "viseme", text="")
        keys = getattr(getattr(data, "data", None), "shape_keys", None)
        if keys is not None:  # pick from the rig's own shape keys
            row.prop_search(item, "target", keys, "key_blocks", text="")
        else:
            row.prop(item, "target", text="", icon="SHAPEKEY_DATA")
        row.prop(item, "weight", text="")


def draw_lip_sync(layout: bpy.types.UILayout, context: bpy.types.Context) -> None:
    obj = context.active_object
    if obj is None:
        layout.label(text="Select a head mesh or armature", icon="INFO")
        return
    layout.label(text=obj.name, icon="OUTLINER_OB_ARMATURE" if obj.type == "ARMATURE" else "MESH_DATA")
    layout.template_list(
        "STORYLOOM_UL_visemes", "", obj, "storyloom_visemes", obj, "storyloom_viseme_index", rows=3
    )
    if not obj.storyloom_visemes:
        layout.label(text="No table: shape keys matched by name", icon="INFO")
    layout.operator("storyloom.detect_visemes", icon="VIEWZOOM")
    layout.operator("storyloom.lip_sync", icon="SPEAKER")
    layout.operator("storyloom.import_rhubarb", icon="IMPORT")


class _LipSyncPanel:
    """The same panel in the 3D viewport and the Sequencer sidebars."""

    bl_region_type = "UI"
    bl_category = "Storyloom"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context: bpy.types.Context) -> None:
        draw_lip_sync(self.layout, context)


class VIEW3D_PT_storyloom_lip_sync(_LipSyncPanel, bpy.types.Panel):
    bl_label = "Lip Sync"
    bl_space_type = "VIEW_3D"


class SEQUENCER_PT_storyloom_lip_sync(_LipSyncPanel, bpy.types.Panel):
    bl_label = "Storyloom Lip Sync"
    bl_space_type = "SEQUENCE_EDITOR"


classes = (STORYLOOM_UL_visemes, VIEW3D_PT_storyloom_lip_sync, SEQUENCER_PT_storyloom_lip_sync)

register, unregister = bpy.utils.register_classes_factory(classes)
