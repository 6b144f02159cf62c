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
# On a sound strip: the objects whose mouths follow it (JSON list), and the id that names its
# NLA track on each of them (a strip's name can change, and is too long for a track name).
LINK_KEY = "storyloom_lips"
LINK_ID = "storyloom_lips_id"
SCENE_FLAG = "storyloom_has_lips"  # the scene has lip-synced lines: the handler looks


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
    try:
        timings = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise VisemeError(
            f"The timings beside '{strip.name}' ({sidecar.name}) cannot be read: {error}"
        ) from None
    if not isinstance(timings, dict):
        raise VisemeError(f"The timings beside '{strip.name}' ({sidecar.name}) are not a timings file.")
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
    keys = lipsync.channel_keys(frames, per_viseme, rest)
    # Lines are added on top of the rig's rest pose (see _place): key each channel's change.
    return {
        channel: [(frame, value - rest[channel]) for frame, value in points]
        for channel, points in keys.items()
    }


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


def _remove_track(data, track) -> None:
    actions = [nla.action for nla in track.strips if nla.action is not None]
    data.nla_tracks.remove(track)
    for action in actions:
        if action.users == 0:
            bpy.data.actions.remove(action)


def _remove_line(owner, link_id: str) -> None:
    """Drop an earlier lip sync of this sound strip (re-running replaces it)."""
    data = owner.animation_data
    track = data.nla_tracks.get(_track_name(link_id)) if data else None
    if track is not None:
        _remove_track(data, track)


def _track_name(link_id: str) -> str:
    return f"{TRACK_NAME} {link_id}"


def _link_id(strip) -> str:
    if not strip.get(LINK_ID):
        strip[LINK_ID] = f"{time.time_ns() & 0xFFFFFFFFFF:010x}{len(strip.name):02x}"
    return strip[LINK_ID]


def prune(obj: bpy.types.Object, scene: bpy.types.Scene) -> int:
    """Remove the object's lip-sync tracks whose sound strip is gone (a rebuild with fewer
    lines must not leave a mouth moving over silence); returns how many."""
    owner = anim_owner(obj)
    data = owner.animation_data if owner is not None else None
    if data is None:
        return 0
    alive = {_track_name(s[LINK_ID]) for s in compat.all_strips(scene) if s.get(LINK_ID)}
    stale = [t for t in data.nla_tracks if t.name.startswith(TRACK_NAME) and t.name not in alive]
    for track in stale:
        _remove_track(data, track)
    _restack(owner)
    return len(stale)


def _place(owner, name: str, link_id: str, start: float, action) -> bpy.types.NlaStrip:
    """One track per line, so lines never collide however the sound strips are moved."""
    data = owner.animation_data_create()
    track = data.nla_tracks.new()
    track.name = _track_name(link_id)
    nla = track.strips.new(name, round(start), action)
    nla.name = name  # Blender 4.5 names a new strip after its action
    _align(nla, start)
    return nla


def _restack(owner) -> None:
    """Stack the line tracks in time order, the earliest lowest, so each line shows in its own
    time and the rig rests between lines.

    Every line begins and ends at rest. The lowest holds its rest before and after itself; each
    later one holds its last (rest) frame forward only, so a line is never covered by the
    lines after it (they have not begun) and covers the ones before it (they have ended).
    Tracks cannot be moved in Blender's API: out of order, they are made again in order.
    """
    data = owner.animation_data
    ours = [t for t in data.nla_tracks if t.name.startswith(TRACK_NAME) and len(t.strips)] if data else []
    ordered = sorted(ours, key=lambda track: track.strips[0].frame_start)
    if [t.name for t in ordered] != [t.name for t in ours]:
        saved = [(t.name, t.strips[0].name, t.strips[0].action, t.strips[0].frame_start) for t in ordered]
        for track in ours:
            data.nla_tracks.remove(track)
        for track_name, strip_name, action, start in saved:
            track = data.nla_tracks.new()
            track.name = track_name
            nla = track.strips.new(strip_name, round(start), action)
            nla.name = strip_name
            nla.frame_start_ui = start
        ordered = [t for t in data.nla_tracks if t.name.startswith(TRACK_NAME) and len(t.strips)]
    for index, track in enumerate(ordered):
        track.strips[0].blend_type = "REPLACE"
        track.strips[0].extrapolation = "HOLD" if index == 0 else "HOLD_FORWARD"


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
        link_id = _link_id(strip)
        _remove_line(owner, link_id)
        action = _line_action(f"SL lips {obj.name} {strip.name}", id_type, curves)
        _place(owner, strip.name, link_id, strip.frame_start, action)
        _link(strip, obj)
        result.lines += 1
        result.keys += sum(len(keys) for keys in curves.values())
        result.strips.append(strip.name)
    _restack(owner)
    scene[SCENE_FLAG] = 1
    result.seconds = time.perf_counter() - started
    return result


def follow_sound_strips(scene: bpy.types.Scene) -> int:
    """Move each lip-sync NLA strip to its sound strip's start; returns how many moved."""
    moved = 0
    restack = set()
    for strip in compat.all_strips(scene):
        if strip.type != "SOUND" or not strip.get(LINK_ID):
            continue
        try:
            names = json.loads(strip.get(LINK_KEY, "[]"))
        except (TypeError, ValueError):
            continue  # an edited property: this strip's mouths no longer follow it
        for name in names if isinstance(names, list) else []:
            obj = bpy.data.objects.get(str(name))
            owner = anim_owner(obj) if obj is not None else None
            data = owner.animation_data if owner is not None else None
            track = data.nla_tracks.get(_track_name(strip[LINK_ID])) if data else None
            for nla in track.strips if track else []:
                if abs(nla.frame_start - nla.action_frame_start - strip.frame_start) > 1e-4:
                    _align(nla, strip.frame_start)
                    restack.add(owner)
                    moved += 1
    for owner in restack:  # a line moved past another: the stack follows the new order
        _restack(owner)
    return moved
