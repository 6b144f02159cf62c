"""Lip sync through the installed add-on: a spoken line's visemes keyed on a rig's shape keys."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import bpy
import pytest

FPS = 24


@pytest.fixture
def line(storyloom, runtime, tmp_path):
    """A spoken line on the timeline (espeak, exact phoneme events) and a head with Rhubarb keys."""
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = FPS, 1.0
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "lips.blend"))
    runtime.media_folder = "//storyloom/"
    scene.frame_current = 40
    assert bpy.ops.storyloom.generate_speech(text="My mom baked a big apple pie.") == {"FINISHED"}
    [strip] = [s for s in scene.sequence_editor.strips_all if s.type == "SOUND"]
    strip.select = True
    return scene, strip, head(["A", "B", "C", "D", "E", "F", "G", "H", "X"])


def head(names: list[str]) -> bpy.types.Object:
    mesh = bpy.data.meshes.new("Head")
    mesh.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
    obj = bpy.data.objects.new("Head", mesh)
    bpy.context.scene.collection.objects.link(obj)
    obj.shape_key_add(name="Basis")
    for name in names:
        obj.shape_key_add(name=name)
    bpy.context.view_layer.objects.active = obj
    return obj


def timings(strip) -> dict:
    return json.loads(Path(bpy.path.abspath(strip.sound.filepath)).with_suffix(".json").read_text())


def value_at(obj, name: str, frame: int) -> float:
    bpy.context.scene.frame_set(frame)
    return obj.data.shape_keys.key_blocks[name].value


def closed_frames(obj) -> list[float]:
    """Absolute frames where the lips reach the closed shape (A = 1), from the NLA strips."""
    frames = []
    for track in obj.data.shape_keys.animation_data.nla_tracks:
        for nla in track.strips:
            for curve in nla.action.layers[0].strips[0].channelbags[0].fcurves:
                if curve.data_path == 'key_blocks["A"].value':
                    points = curve.keyframe_points
                    frames += [nla.frame_start - nla.action_frame_start + p.co.x for i, p in enumerate(points)
                               if p.co.y == 1.0 and (i == 0 or points[i - 1].co.y != 1.0)]  # fmt: skip
    return frames


def test_lips_close_within_a_frame_of_every_bilabial_and_rest_in_pauses(line):
    _, strip, obj = line
    assert bpy.ops.storyloom.lip_sync() == {"FINISHED"}
    events = timings(strip)["phonemes"]
    bilabial = [e["phoneme"].lstrip("',") in ("m", "b", "p") for e in events]
    onsets = [
        strip.frame_start + e["start"] * FPS for e, closed in zip(events, bilabial, strict=True) if closed
    ]
    # "mom baked": the lips stay closed from m to b, so a run of bilabials is one closure.
    runs = [onsets[0]] + [
        strip.frame_start + e["start"] * FPS
        for e, closed, before in zip(events[1:], bilabial[1:], bilabial[:-1], strict=True)
        if closed and not before
    ]
    closures = sorted(closed_frames(obj))
    assert len(onsets) == 7 and len(closures) == len(runs) == 6
    for closure, onset in zip(closures, runs, strict=True):
        assert abs(closure - onset) <= 1.0, (closure, onset)
    for onset in onsets:  # every bilabial is heard with the lips shut, within a frame
        assert max(value_at(obj, "A", frame) for frame in (int(onset), round(onset))) == 1.0, onset
    # Before the line and after it, the mouth is at rest (every shape at 0).
    for frame in (int(strip.frame_start) - 5, int(strip.frame_final_end) + 5):
        assert all(value_at(obj, n, frame) == 0.0 for n in "ABCDEFGH")


def test_moving_the_sound_strip_moves_the_keys(line):
    _, strip, obj = line
    assert bpy.ops.storyloom.lip_sync() == {"FINISHED"}
    before = sorted(closed_frames(obj))
    strip.frame_start += 30
    bpy.context.view_layer.update()  # the depsgraph handler follows the strip
    assert sorted(closed_frames(obj)) == pytest.approx([f + 30 for f in before])
    assert value_at(obj, "A", round(before[0]) + 30) == pytest.approx(1.0)


def test_a_rhubarb_cue_file_imports_to_the_same_keys(storyloom, line, tmp_path):
    visemes = importlib.import_module(storyloom.__name__ + ".addon.core.visemes")  # the installed core
    _, strip, obj = line
    assert bpy.ops.storyloom.lip_sync() == {"FINISHED"}
    from_speech = sorted(closed_frames(obj))
    cues = visemes.track(timings(strip))
    tsv = tmp_path / "line.tsv"
    tsv.write_text("".join(f"{cue.start:.3f}\t{cue.viseme}\n" for cue in cues))
    assert bpy.ops.storyloom.import_rhubarb(filepath=str(tsv)) == {"FINISHED"}
    assert sorted(closed_frames(obj)) == from_speech  # replaced, not stacked
    assert len(bpy.data.actions) == 1


@pytest.mark.parametrize(
    ("keys", "cue_text", "suffix", "message"),
    [
        (["Smile", "Blink"], None, None, "looked for rhubarb: A, B, C, D, E, F"),
        (None, "1\n00:00:00,000 --> 00:00:01,000\nHi\n", ".srt", "not a Rhubarb cue file"),
        (None, "0.00\tX\n99.0\tA\n", ".tsv", "past the end of the"),
    ],
)
def test_bad_rigs_and_cue_files_change_nothing(line, tmp_path, keys, cue_text, suffix, message):
    obj = line[2]
    if keys is not None:
        obj = head(keys)
    options = {}
    if cue_text is not None:
        path = tmp_path / f"cues{suffix}"
        path.write_text(cue_text)
        options["cue_file"] = str(path)
    with pytest.raises(RuntimeError, match=message):
        bpy.ops.storyloom.lip_sync(**options)
    assert len(bpy.data.actions) == 0 and obj.data.shape_keys.animation_data is None


def test_a_table_naming_a_missing_key_is_refused(line):
    obj = line[2]
    row = obj.storyloom_visemes.add()
    row.viseme, row.target = "A", "Lips_Closed"
    with pytest.raises(RuntimeError, match="'Lips_Closed', which this rig does not have"):
        bpy.ops.storyloom.lip_sync()
    assert len(bpy.data.actions) == 0


def test_an_armatures_pose_actions_play_the_visemes(line):
    _, strip, _ = line
    armature = bpy.data.objects.new("Rig", bpy.data.armatures.new("Rig"))
    bpy.context.scene.collection.objects.link(armature)
    bpy.context.view_layer.objects.active = armature
    bpy.ops.object.mode_set(mode="EDIT")
    bone = armature.data.edit_bones.new("jaw")
    bone.tail = (0, 0.2, 0)
    bpy.ops.object.mode_set(mode="OBJECT")
    opening = {"MBP": 0.0, "etc": 0.1, "E": 0.25, "AI": 0.5, "O": 0.3, "U": 0.15, "FV": 0.05, "L": 0.2}
    for name, angle in opening.items():  # a pose library: one single-frame action per mouth shape
        pose = bpy.data.actions.new(name)
        pose.use_fake_user = True
        armature.animation_data_create().action = pose
        curve = pose.fcurve_ensure_for_datablock(armature, 'pose.bones["jaw"].rotation_euler', index=0)
        curve.keyframe_points.insert(0, angle)
        armature.animation_data.action = None
    assert bpy.ops.storyloom.lip_sync() == {"FINISHED"}
    cues = json.loads(Path(bpy.path.abspath(strip.sound.filepath)).with_suffix(".json").read_text())
    opened = [e for e in cues["phonemes"] if e["phoneme"].lstrip("'") == "aI"]  # "My", "pie": AI
    frame = round(strip.frame_start + (opened[0]["start"] + 0.04) * FPS)
    bpy.context.scene.frame_set(frame)
    assert armature.pose.bones["jaw"].rotation_euler[0] == pytest.approx(0.5, abs=1e-4)
    bpy.context.scene.frame_set(int(strip.frame_final_end) + 5)
    assert armature.pose.bones["jaw"].rotation_euler[0] == pytest.approx(0.0, abs=1e-6)  # at rest


def test_two_lines_on_one_rig_each_move_the_mouth_in_their_own_time(line):
    scene, first, obj = line
    scene.frame_current = 120
    assert bpy.ops.storyloom.generate_speech(text="Bob paid for the map.") == {"FINISHED"}
    for strip in scene.sequence_editor.strips_all:
        strip.select = strip.type == "SOUND"
    assert bpy.ops.storyloom.lip_sync() == {"FINISHED"}
    second = next(s for s in scene.sequence_editor.strips_all if s.type == "SOUND" and s != first)
    for strip in (first, second):
        shapes = set()
        for frame in range(int(strip.frame_final_start), int(strip.frame_final_end)):
            shapes |= {name for name in "ABCDEFGH" if value_at(obj, name, frame) > 0.5}
        assert {"A", "D"} <= shapes, (strip.name, shapes)  # "My mom", "Bob paid": closed and open
    between = (int(first.frame_final_end) + int(second.frame_final_start)) // 2
    assert all(value_at(obj, name, between) == 0.0 for name in "ABCDEFGH")
    # Move the second line before the first: both mouths follow, in the new order.
    second.frame_start = 2
    bpy.context.view_layer.update()
    for strip in (second, first):
        shapes = set()
        for frame in range(int(strip.frame_final_start), int(strip.frame_final_end)):
            shapes |= {name for name in "ABCDEFGH" if value_at(obj, name, frame) > 0.5}
        assert {"A", "D"} <= shapes, (strip.name, shapes)
    assert all(value_at(obj, name, int(first.frame_final_end) + 10) == 0.0 for name in "ABCDEFGH")
