"""``storyloom.lip_sync`` and ``storyloom.detect_visemes``: mouths keyed to spoken lines."""

from __future__ import annotations

from pathlib import Path

import bpy
from bpy.props import StringProperty

from ..addon.blender import compat, lip_sync
from ..addon.core import lipsync
from ..addon.core.visemes import VisemeError


def _lines_for(context: bpy.types.Context, obj: bpy.types.Object) -> list:
    """The selected sound strips; with none selected, every line the object's character speaks."""
    scene = context.scene
    if scene.sequence_editor is None:
        return []
    sounds = [s for s in compat.all_strips(scene) if s.type == "SOUND"]
    selected = [s for s in sounds if s.select]
    if selected:
        return selected
    character = obj.get("storyloom_character", obj.name)
    return [s for s in sounds if s.get("storyloom_speaker") == character]


def run_lip_sync(operator: bpy.types.Operator, context: bpy.types.Context, cue_file: str) -> set[str]:
    """The lip sync both operators run, reported on ``operator`` (one message, no traceback)."""
    obj = context.active_object
    strips = _lines_for(context, obj)
    path = Path(bpy.path.abspath(cue_file)) if cue_file else None
    try:
        result = lip_sync.lip_sync(obj, strips, path)
    except (VisemeError, OSError) as error:
        operator.report({"ERROR"}, str(error))
        return {"CANCELLED"}
    operator.report(
        {"INFO"},
        f"Lip-synced {obj.name} ({result.preset}): {result.lines} line(s), {result.keys} keys "
        f"in {result.seconds:.2f} s",
    )
    return {"FINISHED"}


class STORYLOOM_OT_lip_sync(bpy.types.Operator):
    """Key the active object's mouth (shape keys or pose actions) to the selected spoken lines"""

    bl_idname = "storyloom.lip_sync"
    bl_label = "Lip Sync"
    bl_options = {"REGISTER", "UNDO"}  # every line's keys in one undo step

    cue_file: StringProperty(
        name="Rhubarb Cue File",
        subtype="FILE_PATH",
        description="Use this Rhubarb export (tsv, xml, json) for the one selected line instead",
    )

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        if context.active_object is None:
            cls.poll_message_set("Select the character's head mesh or armature first")
            return False
        return True

    def execute(self, context: bpy.types.Context) -> set[str]:
        return run_lip_sync(self, context, self.cue_file)


class STORYLOOM_OT_detect_visemes(bpy.types.Operator):
    """Fill the active object's viseme table from the preset its shape keys are named for"""

    bl_idname = "storyloom.detect_visemes"
    bl_label = "Detect Mouth Shapes"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        return context.active_object is not None

    def execute(self, context: bpy.types.Context) -> set[str]:
        obj = context.active_object
        try:
            preset, mapping = lipsync.detect(lip_sync.target_names(obj))
        except VisemeError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        obj.storyloom_visemes.clear()
        for viseme, targets in mapping.items():
            for target, weight in targets.items():
                row = obj.storyloom_visemes.add()
                row.viseme, row.target, row.weight = viseme, target, weight
        self.report({"INFO"}, f"{obj.name}: {preset} names, {len(obj.storyloom_visemes)} rows")
        return {"FINISHED"}


class STORYLOOM_OT_import_rhubarb(bpy.types.Operator):
    """Key the active object's mouth from a Rhubarb Lip Sync export for the selected line"""

    bl_idname = "storyloom.import_rhubarb"
    bl_label = "Import Rhubarb Cues"
    bl_options = {"REGISTER", "UNDO"}

    filepath: StringProperty(subtype="FILE_PATH")
    filter_glob: StringProperty(default="*.tsv;*.txt;*.xml;*.json", options={"HIDDEN"})

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        return STORYLOOM_OT_lip_sync.poll(context)

    def invoke(self, context: bpy.types.Context, event) -> set[str]:
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context: bpy.types.Context) -> set[str]:
        return run_lip_sync(self, context, self.filepath)


class STORYLOOM_OT_viseme_add(bpy.types.Operator):
    """Add a row to the active object's viseme table"""

    bl_idname = "storyloom.viseme_add"
    bl_label = "Add Viseme Row"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        return context.active_object is not None

    def execute(self, context: bpy.types.Context) -> set[str]:
        obj = context.active_object
        obj.storyloom_visemes.add()
        obj.storyloom_viseme_index = len(obj.storyloom_visemes) - 1
        return {"FINISHED"}


class STORYLOOM_OT_viseme_remove(bpy.types.Operator):
    """Remove the selected row of the active object's viseme table"""

    bl_idname = "storyloom.viseme_remove"
    bl_label = "Remove Viseme Row"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context: bpy.types.Context) -> bool:
        obj = context.active_object
        return obj is not None and len(obj.storyloom_visemes) > 0

    def execute(self, context: bpy.types.Context) -> set[str]:
        obj = context.active_object
        obj.storyloom_visemes.remove(min(obj.storyloom_viseme_index, len(obj.storyloom_visemes) - 1))
        obj.storyloom_viseme_index = max(0, obj.storyloom_viseme_index - 1)
        return {"FINISHED"}


classes = (
    STORYLOOM_OT_lip_sync,
    STORYLOOM_OT_detect_visemes,
    STORYLOOM_OT_import_rhubarb,
    STORYLOOM_OT_viseme_add,
    STORYLOOM_OT_viseme_remove,
)

register, unregister = bpy.utils.register_classes_factory(classes)
