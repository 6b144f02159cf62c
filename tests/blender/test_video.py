"""Video through the installed add-on and the worker: every family, fps fit, continuation, screens."""

from __future__ import annotations

import json
from pathlib import Path

import bpy
import numpy as np
import pytest

from tests.blender.test_scene_images import camera, file_pixels, gradient_image, render


@pytest.fixture
def edit(storyloom, runtime, tmp_path):
    """A saved .blend at 24 fps with media beside it."""
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = 24, 1.0
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "edit.blend"))
    runtime.media_folder = "//storyloom/"
    return scene


def shot_strips(scene) -> list:
    return [s for s in scene.sequence_editor.strips_all if s.get("storyloom") == "video"]


@pytest.mark.parametrize(
    ("model", "frames", "model_fps", "size", "source"),
    [
        ("tiny-ltx", 9, 24, 32, "NONE"),
        ("tiny-wan", 9, 16, 16, "NONE"),
        ("tiny-cogvideox", 9, 8, 16, "NONE"),
        ("tiny-animatediff", 4, 8, 32, "NONE"),
        ("tiny-svd", 4, 7, 32, "IMAGE"),
    ],
)
def test_each_family_lands_a_strip_lasting_the_clips_real_time(edit, model, frames, model_fps, size, source):
    key_frame = gradient_image("keyframe", size, size)
    edit.frame_current = 10
    result = bpy.ops.storyloom.generate_video(
        prompt="" if model == "tiny-svd" else "a kite over the dunes",
        model=model,
        seed=3,
        image_source=source,
        source_image=key_frame.name,
    )
    assert result == {"FINISHED"}
    [strip] = shot_strips(edit)
    # Real time: frames / model fps seconds at 24 fps, starting at the playhead.
    assert strip.frame_final_duration == round(frames * 24 / model_fps)
    assert int(strip.frame_start) == 10
    folder = Path(bpy.path.abspath(strip.directory))
    on_disk = sorted(folder.glob("frame_*.png"))
    assert len(on_disk) == frames
    assert file_pixels(on_disk[0]).shape[:2] == (size, size)
    assert {element.filename for element in strip.elements} == {path.name for path in on_disk}
    record = json.loads(strip["storyloom_job"])
    assert (record["model"], record["seed"], record["frames"]) == (model, 3, frames)
    # Same seed, same frames: generate again (the shot's folder is replaced whole).
    before = [path.read_bytes() for path in on_disk]
    bpy.ops.storyloom.generate_video(
        prompt="" if model == "tiny-svd" else "a kite over the dunes",
        model=model,
        seed=3,
        image_source=source,
        source_image=key_frame.name,
    )
    assert [path.read_bytes() for path in sorted(folder.glob("frame_*.png"))] == before


def test_image_to_video_records_its_first_frame_and_continuing_uses_the_last(edit):
    key_frame = gradient_image("keyframe", 32, 32)
    bpy.ops.storyloom.generate_video(
        prompt="a kite", model="tiny-ltx", image_source="IMAGE", source_image=key_frame.name
    )
    [first] = shot_strips(edit)
    record = json.loads(first["storyloom_job"])
    conditioned = Path(record["chunks"][0]["image"])
    assert conditioned.parent.name == "inputs"
    assert (
        np.abs(
            file_pixels(conditioned)[..., :3] - np.asarray(key_frame.pixels[:]).reshape(32, 32, 4)[..., :3]
        ).max()
        < 1 / 255 + 1e-6
    )
    edit.sequence_editor.active_strip = first
    bpy.ops.storyloom.generate_video(
        prompt="the kite lands", model="tiny-ltx", seed=4, image_source="CONTINUE"
    )
    second = next(s for s in shot_strips(edit) if s != first)
    last_frame = Path(bpy.path.abspath(first.directory)) / first.elements[-1].filename
    assert json.loads(second["storyloom_job"])["chunks"][0]["image"] == str(last_frame)
    assert int(second.frame_start) == int(first.frame_final_end)


def test_ntsc_scene_rate_keeps_the_real_time_length(edit):
    edit.render.fps, edit.render.fps_base = 24, 1.001
    assert bpy.ops.storyloom.generate_video(prompt="a kite", model="tiny-wan") == {"FINISHED"}
    [strip] = shot_strips(edit)
    assert strip.frame_final_duration == round(9 * (24 / 1.001) / 16)


def test_long_shot_in_chunks_lands_every_frame(edit):
    result = bpy.ops.storyloom.generate_video(
        prompt="a long kite flight",
        model="tiny-ltx",
        use_model_defaults=False,
        width=32,
        height=32,
        frames=20,
        steps=2,
        guidance=3.0,
    )
    assert result == {"FINISHED"}
    [strip] = shot_strips(edit)
    assert strip.frame_final_duration == 20
    assert [c["image"] for c in json.loads(strip["storyloom_job"])["chunks"]] == [
        "",
        "frame_0009.png",
        "frame_0017.png",
    ]


def test_bad_video_requests_say_what_is_valid_and_land_nothing(edit):
    with pytest.raises(RuntimeError, match=r"takes 8k\+1 frames .*valid near it: 1, 9"):
        bpy.ops.storyloom.generate_video(
            prompt="x", model="tiny-ltx", use_model_defaults=False, width=32, height=32, frames=6, steps=2
        )
    with pytest.raises(RuntimeError, match="animates a picture: give it a first frame"):
        bpy.ops.storyloom.generate_video(prompt="", model="tiny-svd")
    empty = bpy.data.images.load(__file__, check_existing=False)
    with pytest.raises(RuntimeError, match="has no pixels"):
        bpy.ops.storyloom.generate_video(
            prompt="x", model="tiny-ltx", image_source="IMAGE", source_image=empty.name
        )
    with pytest.raises(RuntimeError, match="Select an image-sequence strip"):
        bpy.ops.storyloom.generate_video(prompt="x", model="tiny-ltx", image_source="CONTINUE")
    assert edit.sequence_editor is None or not shot_strips(edit)
    assert not Path(bpy.path.abspath("//storyloom/video")).exists()


def test_footage_on_a_screen_changes_with_the_frame(edit, tmp_path):
    bpy.ops.storyloom.generate_video(prompt="a kite", model="tiny-ltx", seed=5)
    [strip] = shot_strips(edit)
    edit.sequence_editor.active_strip = strip
    strip.frame_start = 1
    assert bpy.ops.storyloom.footage_to_plane() == {"FINISHED"}
    screen = next(o for o in bpy.data.objects if o.name.startswith("Storyloom Screen"))
    camera(edit, location=(0, -3.2, 0), rotation=(1.5708, 0, 0))
    edit.render.engine = "CYCLES"
    edit.cycles.samples = 1
    edit.render.resolution_x = edit.render.resolution_y = 32
    edit.view_settings.view_transform = "Standard"
    edit.render.use_sequencer = False  # render the 3D scene, not the timeline
    edit.frame_set(1)
    first = render(edit, tmp_path / "f1.png")
    edit.frame_set(9)
    last = render(edit, tmp_path / "f9.png")
    assert screen.type == "MESH"
    assert np.abs(first - last).mean() > 0.01


def test_restyle_strip_lands_above_with_the_same_timing(edit):
    bpy.ops.storyloom.generate_video(prompt="a kite", model="tiny-wan")
    [source] = shot_strips(edit)
    edit.sequence_editor.active_strip = source
    result = bpy.ops.storyloom.restyle_strip(
        prompt="charcoal drawing", model="tiny-sd", strength=0.5, steps=2
    )
    assert result == {"FINISHED"}
    [restyled] = [s for s in edit.sequence_editor.strips_all if s.get("storyloom") == "restyle"]
    assert restyled.channel > source.channel
    assert (restyled.frame_start, restyled.frame_final_duration) == (
        source.frame_start,
        source.frame_final_duration,
    )
    repeats = [e.filename for e in source.elements]
    assert len(set(e.filename for e in restyled.elements)) == len(set(repeats))
