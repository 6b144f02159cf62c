"""Lip sync on rigs: a viseme track keyed onto shape keys (or an armature's pose actions).

Each spoken line becomes one action, played by one NLA strip that starts where the line's
sound strip starts; a handler keeps the two together, so moving the sound strip in the
Sequencer moves the mouth with it. The keys of every line are computed before any is written:
a bad rig, mapping or cue file changes nothing.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import bpy

from ..core import lipsync, rhubarb, visemes
from ..core.visemes import VisemeError
from . import compat

TRACK_NAME = "Storyloom lips"
LINK_KEY = "storyloom_lips"  # on a sound strip: the objects whose mouths follow it (JSON list)


@dataclass
class LipSyncResult:
    preset: str
    lines: int = 0
    keys: int = 0
    seconds: float = 0.0
    strips: list[str] = field(default_factory=list)


def anim_owner(obj: bpy.types.Object):
    """The ID whose animation moves the mouth: a mesh's shape keys, or the armature object."""
    if obj.type == "ARMATURE":
        return obj
    keys = getattr(obj.data, "shape_keys", None)
    return keys


def target_names(obj: bpy.types.Object) -> list[str]:
    """What a mapping may name on ``obj``: its shape keys (not the basis), or pose actions."""
    if obj.type == "ARMATURE":
        return [action.name for action in bpy.data.actions if not action.name.startswith("SL lips")]
    owner = anim_owner(obj)
    if owner is None:
        return []
    return [block.name for block in owner.key_blocks if block != owner.reference_key]


def mapping_for(obj: bpy.types.Object) -> tuple[str, lipsync.Mapping]:
    """The object's own table when it has one, else the preset its names fit."""
    names = target_names(obj)
    rows = [(row.viseme, row.target, row.weight) for row in getattr(obj, "storyloom_visemes", [])]
    if any(target.strip() for _, target, _ in rows):
        return "table", lipsync.resolve(lipsync.mapping_from_rows(rows), names)
    if obj.type not in ("MESH", "ARMATURE"):
        raise VisemeError(f"'{obj.name}' is a {obj.type.lower()}: lip sync needs a mesh or an armature.")
    if obj.type == "MESH" and anim_owner(obj) is None:
        raise VisemeError(
            f"'{obj.name}' has no shape keys. Add mouth shape keys named for a preset (Rhubarb A-H, "
            "Preston Blair MBP/etc/E/AI/O/U/FV/L, ARKit jawOpen/mouthClose, VRM A/I/U/E/O)."
        )
    return lipsync.detect(names)


def sidecar_cues(strip) -> list[visemes.Cue]:
    """A sound strip's viseme track from the timings Storyloom's voices write beside the WAV."""
    wav = Path(bpy.path.abspath(strip.sound.filepath))
    sidecar = wav.with_suffix(".json")
    if not sidecar.is_file():
        raise VisemeError(
            f"Sound strip '{strip.name}' has no timings beside it ({sidecar.name}): lip-sync a line "
            "Storyloom spoke, or import a Rhubarb cue file for it."
        )
    timings = json.loads(sidecar.read_text(encoding="utf-8"))
    return visemes.track(timings)


def strip_seconds(strip) -> float:
    scene = strip.id_data
    return strip.frame_duration / (scene.render.fps / scene.render.fps_base)


def _pose_values(action: bpy.types.Action) -> dict[tuple[str, int], float]:
    """A pose action's channel values at its first key (a pose-library pose is one frame)."""
    from bpy_extras import anim_utils

    values = {}
    for slot in action.slots:
        bag = anim_utils.action_get_channelbag_for_slot(action, slot)
        for curve in bag.fcurves if bag else []:
            first = curve.keyframe_points[0].co.x if curve.keyframe_points else 0.0
            values[(curve.data_path, curve.array_index)] = curve.evaluate(first)
    return values


def _rest_value(data_path: str, index: int) -> float:
    if data_path.endswith("scale") or (data_path.endswith("rotation_quaternion") and index == 0):
        return 1.0
    return 0.0


def channel_curves(obj, mapping: lipsync.Mapping, frames: list[tuple[int, str]]) -> dict:
    """(data path, index) -> keys for one line, on shape keys or on the pose actions' channels."""
    if obj.type != "ARMATURE":
        keys = lipsync.channel_keys(frames, mapping)
        return {
            (f'key_blocks["{bpy.utils.escape_identifier(name)}"].value', 0): k for name, k in keys.items()
        }
    # An armature: each viseme is a blend of pose actions, as values of the bone channels they key.
    poses = {name: _pose_values(bpy.data.actions[name]) for shapes in mapping.values() for name in shapes}
    channels = sorted({channel for values in poses.values() for channel in values})
    rest = {channel: _rest_value(*channel) for channel in channels}
    per_viseme = {
        viseme: {
            channel: rest[channel]
            + sum(
                weight * (poses[name].get(channel, rest[channel]) - rest[channel])
                for name, weight in shapes.items()
            )
            for channel in channels
        }
        for viseme, shapes in mapping.items()
    }
    return lipsync.channel_keys(frames, per_viseme, rest)


def _line_action(name: str, id_type: str, curves: dict) -> bpy.types.Action:
    """One line's keys as a layered action (Blender 4.4+), written in bulk with foreach_set."""
    action = bpy.data.actions.new(name)
    slot = action.slots.new(id_type=id_type, name="Lips")
    bag = action.layers.new("Lips").strips.new(type="KEYFRAME").channelbag(slot, ensure=True)
    for (data_path, index), keys in curves.items():
        curve = bag.fcurves.new(data_path, index=index)
        curve.keyframe_points.add(len(keys))
        curve.keyframe_points.foreach_set("co", [v for frame, value in keys for v in (float(frame), value)])
        curve.keyframe_points.foreach_set("interpolation", [_LINEAR] * len(keys))
        curve.update()
    return action


_LINEAR = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["LINEAR"].value


def _remove_line(owner, strip_name: str) -> None:
    """Drop an earlier lip sync of this sound strip (re-running replaces it)."""
    data = owner.animation_data
    track = data.nla_tracks.get(_track_name(strip_name)) if data else None
    if track is None:
        return
    actions = [nla.action for nla in track.strips if nla.action is not None]
    data.nla_tracks.remove(track)
    for action in actions:
        if action.users == 0:
            bpy.data.actions.remove(action)


def _track_name(strip_name: str) -> str:
    return f"{TRACK_NAME}: {strip_name}"


def _place(owner, name: str, start: float, action) -> bpy.types.NlaStrip:
    """One track per line, so lines never collide however the sound strips are moved.

    Each line's action begins and ends at rest and holds it outside its strip; combined with the
    other lines (COMBINE adds shape keys and locations, multiplies scales), a line adds nothing
    outside its own time.
    """
    data = owner.animation_data_create()
    track = data.nla_tracks.new()
    track.name = _track_name(name)
    nla = track.strips.new(name, round(start), action)
    nla.blend_type = "COMBINE"
    nla.extrapolation = "HOLD"
    _align(nla, start)
    return nla


def _align(nla, sound_start: float) -> None:
    """The action's frame 0 on the sound strip's first frame (sound strips may start between
    frames; a line that opens on a closed mouth has a rest key before its frame 0)."""
    nla.frame_start_ui = sound_start + nla.action_frame_start


def _link(strip, obj) -> None:
    names = json.loads(strip.get(LINK_KEY, "[]"))
    if obj.name not in names:
        strip[LINK_KEY] = json.dumps([*names, obj.name])


def lip_sync(obj: bpy.types.Object, strips: list, cue_file: Path | None = None) -> LipSyncResult:
    """Key ``obj``'s mouth to each sound strip's line (all lines or none)."""
    started = time.perf_counter()
    if not strips:
        raise VisemeError("Select the sound strips (the spoken lines) to lip-sync.")
    if cue_file is not None and len(strips) != 1:
        raise VisemeError("A cue file belongs to one line: select exactly one sound strip with it.")
    preset, mapping = mapping_for(obj)
    owner = anim_owner(obj)
    scene = strips[0].id_data
    fps = scene.render.fps / scene.render.fps_base
    planned = []
    for strip in strips:
        if strip.type != "SOUND":
            raise VisemeError(f"'{strip.name}' is not a sound strip.")
        if cue_file is not None:
            cues = rhubarb.read_cues(cue_file, duration=strip_seconds(strip))
        else:
            cues = sidecar_cues(strip)
        frames = visemes.to_frames(cues, fps)
        if frames[0] != (0, visemes.REST):  # opens on a shape: start from rest a frame before
            frames.insert(0, (frames[0][0] - 1, visemes.REST))
        planned.append((strip, channel_curves(obj, mapping, frames)))
    result = LipSyncResult(preset)
    id_type = "OBJECT" if obj.type == "ARMATURE" else "KEY"
    for strip, curves in planned:  # nothing below refuses: every line lands
        _remove_line(owner, strip.name)
        action = _line_action(f"SL lips {obj.name} {strip.name}", id_type, curves)
        _place(owner, strip.name, strip.frame_start, action)
        _link(strip, obj)
        result.lines += 1
        result.keys += sum(len(keys) for keys in curves.values())
        result.strips.append(strip.name)
    result.seconds = time.perf_counter() - started
    return result


def follow_sound_strips(scene: bpy.types.Scene) -> int:
    """Move each lip-sync NLA strip to its sound strip's start; returns how many moved."""
    moved = 0
    for strip in compat.all_strips(scene):
        names = strip.get(LINK_KEY)
        if not names or strip.type != "SOUND":
            continue
        for name in json.loads(names):
            obj = bpy.data.objects.get(name)
            owner = anim_owner(obj) if obj is not None else None
            data = owner.animation_data if owner is not None else None
            track = data.nla_tracks.get(_track_name(strip.name)) if data else None
            for nla in track.strips if track else []:
                if abs(nla.frame_start - nla.action_frame_start - strip.frame_start) > 1e-4:
                    _align(nla, strip.frame_start)
                    moved += 1
    return moved
