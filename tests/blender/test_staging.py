"""3D staging: the plan blocked in a stage scene, rendered with Workbench, judged in decoded frames."""

from __future__ import annotations

import importlib
import itertools
import json
import os
from pathlib import Path

import av
import bpy
import numpy as np
import pytest
from bpy_extras.object_utils import world_to_camera_view
from mathutils import Vector

from tests.tools.extension import ADDON_MODULE
from tests.tools.frames import frame_at

pytestmark = pytest.mark.usefixtures("restore_preferences")

DIALOGUE = 'Two friends, Ana and Ben, argue about a broken robot in a workshop. Ana: "It was you!"'


def core(storyloom, name: str):
    return importlib.import_module(f"{storyloom.__name__}.addon.core.{name}")


def dialogue_plan(storyloom, shots: list[dict]) -> dict:
    """The director's plan for DIALOGUE, cut down to ``shots`` (framing, subject, move, line)."""
    plan = core(storyloom, "director").make_plan(DIALOGUE)
    base = plan["shots"][0]
    plan["shots"] = [
        {
            **base,
            "id": f"sh{(index + 1) * 10:03d}",
            "transition": "cut",
            "duration_hint": 1.5,
            "sfx": [],
            **shot,
        }
        for index, shot in enumerate(shots)
    ]
    for shot in plan["shots"]:
        shot.pop("j_cut", None)
    return core(storyloom, "plan").validate(plan)


def use_media(runtime_python: str, folder: Path) -> None:
    preferences = bpy.context.preferences.addons[ADDON_MODULE].preferences
    preferences.runtime_python = runtime_python
    preferences.media_folder = str(folder / "media") + os.sep


def build_from_scene(storyloom, plan: dict, output: Path, **options) -> dict:
    bpy.context.scene["storyloom_plan"] = core(storyloom, "plan").to_json(plan)
    result = bpy.ops.storyloom.build_film(from_scene_plan=True, output=str(output), captions="off", **options)
    assert result == {"FINISHED"}
    return json.loads(output.with_suffix(".report.json").read_text())


def stage_of(scene: bpy.types.Scene) -> bpy.types.Scene:
    return scene["storyloom_stage_scene"]


def pixel_of(stage, camera, point, frame_shape) -> tuple[int, int]:
    """Where a world point lands in a decoded frame (row, column)."""
    x, y, _ = world_to_camera_view(stage, camera, Vector(point))
    height, width = frame_shape[:2]
    return round((1 - y) * height), round(x * width)


def terracotta(rgb: np.ndarray) -> np.ndarray:  # Ana's clay
    r, g, b = (rgb[..., i].astype(float) for i in range(3))
    return (r > 60) & (r > 1.5 * g) & (r > 1.5 * b)


def teal(rgb: np.ndarray) -> np.ndarray:  # Ben's clay
    r, g, b = (rgb[..., i].astype(float) for i in range(3))
    return (g > 50) & (g > 1.4 * r) & (b > 1.4 * r)


def mustard(rgb: np.ndarray) -> np.ndarray:  # the broken robot's clay
    r, g, b = (rgb[..., i].astype(float) for i in range(3))
    return (g > 60) & (g > 2.2 * b) & (r < 1.45 * g) & (r > 1.05 * g)


@pytest.fixture(scope="module")
def staged_film(storyloom, runtime_python, tmp_path_factory):
    folder = tmp_path_factory.mktemp("staged")
    bpy.ops.wm.read_homefile(use_empty=True)
    use_media(runtime_python, folder)
    bpy.ops.mesh.primitive_cube_add(location=(3.0, 4.0, 5.0))
    bpy.context.object.name = "Artist Cube"
    plan = dialogue_plan(
        storyloom,
        [
            {"framing": "wide", "lens": 24, "camera": "static"},
            {"framing": "close-up", "lens": 85, "subject": "Ana", "camera": "static"},
            {
                "framing": "close-up",
                "lens": 85,
                "subject": "Ben",
                "camera": "static",
                "lines": [{"speaker": "Ben", "text": "Not me."}],
            },
        ],
    )
    report = build_from_scene(storyloom, plan, folder / "film.mp4")
    return folder, report, bpy.context.scene


def test_decoded_frames_show_each_shots_stand_ins_where_its_camera_sees_them(staged_film):
    folder, report, scene = staged_film
    stage = stage_of(scene)
    assert report["staging"]["source"] == "staged from the plan"
    assert report["staging"]["rendered"] == ["sh010", "sh020", "sh030"]
    middles = {}
    for shot in report["shots"]:
        frame = frame_at(folder / "film.mp4", (shot["start"] + shot["end"]) / 2)
        middles[shot["id"]] = frame
        camera = stage.objects[report["staging"]["cameras"][shot["id"]]]
        seen = {"sh010": ("Ana", "Ben"), "sh020": ("Ana",), "sh030": ("Ben",)}[shot["id"]]
        for name in seen:  # each stand-in's clay is where its head projects through this camera
            body = stage.objects[f"{name} (stand-in)"]
            row, column = pixel_of(stage, camera, body.location + Vector((0, 0, 1.70)), frame.shape)
            patch = frame[max(0, row - 2) : row + 3, max(0, column - 2) : column + 3]
            colour = terracotta if name == "Ana" else teal
            assert colour(patch).mean() > 0.6, f"{name}'s colour is not where {shot['id']}'s camera sees them"
        if shot["id"] == "sh020":  # the close-up on Ana: she fills the middle, Ben is out of frame
            assert terracotta(frame[200:900, 700:1220]).mean() > 0.5
            assert teal(frame).mean() < 0.01
        if shot["id"] == "sh030":
            assert teal(frame[200:900, 700:1220]).mean() > 0.5
            assert terracotta(frame).mean() < 0.01
    for a, b in itertools.pairwise(middles.values()):
        assert np.abs(a.astype(float) - b.astype(float)).mean() > 10  # different shots differ


def test_a_rebuild_after_moving_one_camera_renders_only_that_shot(storyloom, staged_film):
    folder, _, scene = staged_film
    stage = stage_of(scene)
    camera = stage.objects["Storyloom sh030"]
    camera.location.x += 0.3
    prop = bpy.data.objects.new("Artist Lamp Post", None)
    stage.collection.objects.link(prop)
    prop.location = (1.0, 2.0, 0.0)
    plan = core(storyloom, "plan").from_json(scene["storyloom_plan"])
    report = build_from_scene(storyloom, plan, folder / "again.mp4")
    assert report["staging"]["rendered"] == ["sh030"]
    assert report["staging"]["reused"] == ["sh010", "sh020"]
    assert "Storyloom sh030" in report["staging"]["kept_as_moved"]
    assert tuple(stage.objects["Storyloom sh030"].location) == pytest.approx(tuple(camera.location))
    assert tuple(stage.objects["Artist Lamp Post"].location) == pytest.approx((1.0, 2.0, 0.0))
    assert tuple(scene.objects["Artist Cube"].location) == pytest.approx((3.0, 4.0, 5.0))
    # Move the prop: only the wide shot sees it; the two close-ups are reused.
    stage.objects["broken robot (stand-in)"].location.x += 0.3
    report = build_from_scene(storyloom, plan, folder / "third.mp4")
    assert report["staging"]["rendered"] == ["sh010"]


def test_the_saved_blend_has_cameras_on_markers_named_stand_ins_with_mouths_and_lights(staged_film, tmp_path):
    folder, _, scene = staged_film
    report = json.loads((folder / "again.report.json").read_text())
    blend, name = tmp_path / "staged.blend", scene.name
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    bpy.ops.wm.open_mainfile(filepath=str(blend))
    scene = bpy.data.scenes[name]
    stage = stage_of(scene)
    fps = scene.render.fps
    markers = {m.name: (m.frame, m.camera.name) for m in stage.timeline_markers}
    assert markers == {
        shot["id"]: (1 + round(shot["start"] * fps), f"Storyloom {shot['id']}") for shot in report["shots"]
    }
    stand_ins = {obj["storyloom_stand_in"]: obj for obj in stage.objects if obj.get("storyloom_stand_in")}
    assert set(stand_ins) == {"Ana", "Ben", "broken robot"}
    assert stand_ins["Ana"].name == "Ana (stand-in)"
    mouth = next(child for child in stand_ins["Ana"].children if child.get("storyloom_character") == "Ana")
    assert {key.name for key in mouth.data.shape_keys.key_blocks} >= set("ABCDEFGH")
    assert sum(obj.type == "LIGHT" for obj in stage.objects) >= 2
    assert "Artist Cube" in scene.objects and "Artist Cube" not in stage.objects
    # The film scene's lines key the stand-in's mouth (the lip-sync layer found the stage's rig).
    assert mouth.data.shape_keys.animation_data.nla_tracks


def test_every_frame_staging_shows_parallax_in_the_decoded_film(storyloom, runtime_python, tmp_path):
    bpy.ops.wm.read_homefile(use_empty=True)
    use_media(runtime_python, tmp_path)
    plan = dialogue_plan(
        storyloom,
        [
            {
                "framing": "wide",
                "lens": 35,
                "camera": "pan-right",
                "lines": [{"speaker": "Ana", "text": "Look."}],
            }
        ],
    )
    bpy.context.scene["storyloom_plan"] = core(storyloom, "plan").to_json(plan)
    assert bpy.ops.storyloom.stage_plan(show=False) == {"FINISHED"}
    robot = stage_of(bpy.context.scene).objects["broken robot (stand-in)"]
    robot.location = (2.5, 3.5, 0.0)  # the artist sets the prop back: far behind the characters
    report = build_from_scene(storyloom, plan, tmp_path / "frames.mp4", stage_frames=True)
    assert report["staging"]["rendered"] == ["sh010"] and "stage_frames" in report["stages_seconds"]
    stage = stage_of(bpy.context.scene)
    camera = stage.objects["Storyloom sh010"]
    with av.open(str(tmp_path / "frames.mp4")) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(container.streams.video[0])]
    first, last = frames[0], frames[-1]

    def centroid_x(mask: np.ndarray) -> float:
        assert mask.sum() > 200
        return float(np.nonzero(mask)[1].mean())

    moved = {
        "Ana": centroid_x(terracotta(last)) - centroid_x(terracotta(first)),
        "robot": centroid_x(mustard(last)) - centroid_x(mustard(first)),
    }
    # Blender's own projection of the two stand-ins at the shot's first and last frames.
    points = {"Ana": stage.objects["Ana (stand-in)"], "robot": stage.objects["broken robot (stand-in)"]}
    predicted = {}
    for name, obj in points.items():
        centre = obj.matrix_world @ (sum((Vector(c) for c in obj.bound_box), Vector()) / 8)
        columns = []
        for frame in (stage.frame_start, stage.frame_end):
            stage.frame_set(frame)
            columns.append(pixel_of(stage, camera, centre, first.shape)[1])
        predicted[name] = columns[1] - columns[0]
    assert predicted["Ana"] < predicted["robot"] < 0  # a truck right: the nearer Ana slides further
    assert moved["Ana"] < moved["robot"] < 0
    assert moved["robot"] - moved["Ana"] > 10  # the parallax, in pixels of the decoded film
    assert moved["robot"] - moved["Ana"] == pytest.approx(predicted["robot"] - predicted["Ana"], rel=0.35)


def test_the_artists_camera_markers_are_the_films_cuts(storyloom, runtime_python, tmp_path):
    bpy.ops.wm.read_homefile(use_empty=True)
    use_media(runtime_python, tmp_path)
    scene = bpy.context.scene
    colours = [(0.8, 0.1, 0.1, 1), (0.1, 0.7, 0.1, 1), (0.1, 0.2, 0.9, 1)]
    for index, (frame, colour) in enumerate(zip((1, 40, 90), colours, strict=True)):
        bpy.ops.mesh.primitive_cube_add(location=(index * 10.0, 0.0, 0.0))
        material = bpy.data.materials.new(f"paint {index}")
        material.diffuse_color = colour
        bpy.context.object.data.materials.append(material)
        bpy.ops.object.camera_add(location=(index * 10.0, -6.0, 0.0), rotation=(1.5708, 0.0, 0.0))
        scene.timeline_markers.new(f"cam{index}", frame=frame).camera = bpy.context.object
    scene.timeline_markers.new("note: fix the lamp", frame=60)  # a marker with no camera: not a cut
    scene.frame_end = 130
    plan = core(storyloom, "director").make_plan(DIALOGUE)
    report = build_from_scene(storyloom, plan, tmp_path / "markers.mp4")
    fps = report["frames"] / report["duration"]
    assert report["staging"]["source"] == "artist layout"
    assert [round(shot["start"] * fps) for shot in report["shots"]] == [0, 39, 89]
    assert report["frames"] == 130
    lines = [line["text"] for shot in plan["shots"] for line in shot["lines"]]
    assert [line["text"] for shot in report["shots"] for line in shot["lines"]] == lines  # in order
    with av.open(str(tmp_path / "markers.mp4")) as container:
        middles = [
            f.to_ndarray(format="rgb24")[540, 960]
            for index, f in enumerate(container.decode(container.streams.video[0]))
            if index in (20, 65, 110)
        ]
    assert [int(np.argmax(pixel)) for pixel in middles] == [0, 1, 2]  # red, green, blue cubes in turn
    # After the first shot's fade in, the cuts are the markers' (frame index = marker frame - 1).
    assert [cut for cut in cut_frames(tmp_path / "markers.mp4") if cut > 30] == [39, 89]
    assert any("note: fix the lamp" in warning for warning in report["warnings"])


def cut_frames(path) -> list[int]:
    with av.open(str(path)) as container:
        frames = [
            f.reformat(width=96, height=54, format="gray").to_ndarray().astype(np.float32)
            for f in container.decode(container.streams.video[0])
        ]
    diffs = np.array([np.abs(b - a).mean() for a, b in itertools.pairwise(frames)])
    return [int(index) + 1 for index in np.flatnonzero(diffs > 6.0)]


def test_ai_shots_start_from_the_staged_cameras_depth_and_video_is_conditioned_on_that_keyframe(
    storyloom, runtime, tmp_path
):
    bpy.ops.wm.read_homefile(use_empty=True)
    runtime.media_folder = str(tmp_path / "media") + os.sep
    plan = dialogue_plan(storyloom, [{"framing": "medium", "lens": 40, "camera": "static"}])
    report = build_from_scene(
        storyloom, plan, tmp_path / "ai.mp4", image_model="tiny-sd-fast", video_model="tiny-ltx"
    )
    shot = report["shots"][0]
    depth = Path(shot["jobs"]["picture"]["control"])
    still = Path(shot["stage"]["still"])
    assert depth.name.startswith(f"{still.stem}-depth-") and depth.is_file()  # this camera's depth map
    assert "tiny-controlnet" in shot["steered_by"] and depth.name in shot["steered_by"]
    # The worker's own record of the clip: conditioned on that picture, the shot's keyframe.
    picture = Path(shot["jobs"]["picture"]["output"])
    assert Path(shot["jobs"]["video"]["first_frame_from"]) == picture and picture.is_file()
    assert "video from that keyframe" in shot["steered_by"]


def test_stage_plan_handles_many_shots_foreign_names_and_a_huge_artist_scene(storyloom, capsys):
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    mesh = bpy.data.meshes.new("artist")
    for index in range(10_000):  # the artist's own scene: staging never walks it
        scene.collection.objects.link(bpy.data.objects.new(f"rock{index}", mesh))
    plan = dialogue_plan(storyloom, [{"framing": "medium", "camera": "static"}] * 200)
    for character, name in zip(plan["characters"], ("李明", "مريم"), strict=False):
        old = character["name"]
        character["name"] = name
        for shot in plan["shots"]:
            shot["characters"] = [name if c == old else c for c in shot.get("characters", [])]
            shot["lines"] = [
                {**line, "speaker": name if line["speaker"] == old else line["speaker"]}
                for line in shot["lines"]
            ]
    scene["storyloom_plan"] = core(storyloom, "plan").to_json(plan)
    assert bpy.ops.storyloom.stage_plan() == {"FINISHED"}
    stage = stage_of(scene)
    assert sum(obj.type == "CAMERA" for obj in stage.objects) == 200
    assert len(stage.timeline_markers) == 200
    stand_ins = {obj["storyloom_stand_in"] for obj in stage.objects if obj.get("storyloom_stand_in")}
    assert {"李明", "مريم"} <= stand_ins
    assert len(scene.objects) == 10_000 and not any(obj.name.startswith("rock") for obj in stage.objects)
    # A camera pushed inside a stand-in: the refresh keeps it there and says so.
    stage.objects["Storyloom sh2000"].location = stage.objects["李明 (stand-in)"].location + Vector(
        (0, 0, 1.0)
    )
    capsys.readouterr()
    assert bpy.ops.storyloom.stage_plan() == {"FINISHED"}
    assert "inside 李明's stand-in" in capsys.readouterr().out


def test_a_plan_with_nobody_and_nothing_stages_an_empty_set_and_says_so(storyloom, capsys):
    bpy.ops.wm.read_homefile(use_empty=True)
    plan = core(storyloom, "director").make_plan("Make a calm 5 second film.")
    plan["props"] = []
    scene = bpy.context.scene
    scene["storyloom_plan"] = core(storyloom, "plan").to_json(plan)
    assert bpy.ops.storyloom.stage_plan() == {"FINISHED"}
    assert "no characters and no subject" in capsys.readouterr().out
    assert sum(obj.type == "CAMERA" for obj in stage_of(scene).objects) == len(plan["shots"])
