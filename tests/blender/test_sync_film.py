"""The sync layer in a delivered film: captions, sound cues, transitions, a J cut and lip sync,
judged on the decoded MP4, its sidecars and the rendered frame."""

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
import srt
import webvtt

from tests.tools.extension import ADDON_MODULE

pytestmark = pytest.mark.usefixtures("restore_preferences")
FPS = 30  # the vertical preset's rate
BRIEF = (
    'Mara and Theo wait in the rain. Mara: "Is that the bus?" Theo: "Maybe. Or maybe not." Mara: "Come on."'
)


def edited_plan(storyloom) -> dict:
    """The director's plan, edited as an artist would: an impact on the first cut, a J cut into
    shot 2, a crossfade and a whoosh into shot 3, rain under shot 3 only, no music."""
    director = importlib.import_module(storyloom.__name__ + ".addon.core.director")
    plan = director.make_plan(BRIEF, preset="vertical")
    assert len(plan["shots"]) == 3, [s["lines"] for s in plan["shots"]]
    plan["style"]["music"] = False
    first, second, third = plan["shots"]
    for shot in plan["shots"]:
        shot.update(mood="upbeat", duration_hint=2.5, sfx=[], transition="cut")
        shot.pop("j_cut", None)
    first["transition"] = "fade"
    first["sfx"] = [{"sound": "impact", "at": 0.05}]
    second["j_cut"] = 0.5
    third.update(transition="crossfade", transition_seconds=0.6, sfx=["rain", {"sound": "click", "at": 2.2}])
    return plan


@pytest.fixture(scope="module")
def synced(storyloom, runtime_python, tmp_path_factory):
    folder = tmp_path_factory.mktemp("synced")
    bpy.ops.wm.read_homefile(use_empty=True)
    preferences = bpy.context.preferences.addons[ADDON_MODULE].preferences
    preferences.runtime_python = runtime_python
    preferences.media_folder = str(folder / "media") + os.sep
    scene = bpy.context.scene
    mara = rhubarb_head("Mara")
    plan = edited_plan(storyloom)
    plan_io = importlib.import_module(storyloom.__name__ + ".addon.core.plan")
    scene["storyloom_plan"] = plan_io.to_json(plan)
    output = folder / "film.mp4"
    assert bpy.ops.storyloom.build_film(from_scene_plan=True, output=str(output)) == {"FINISHED"}
    report = json.loads(output.with_suffix(".report.json").read_text())
    return output, report, scene, mara


def rhubarb_head(name: str):
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    obj.shape_key_add(name="Basis")
    for shape in "ABCDEFGHX":
        obj.shape_key_add(name=shape)
    return obj


def decoded(path):
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=48000)
        chunks = [f.to_ndarray()[0] for frame in container.decode(stream) for f in resampler.resample(frame)]
    with av.open(str(path)) as container:
        frames = [
            f.reformat(width=54, height=96, format="gray").to_ndarray().astype(np.float32)
            for f in container.decode(container.streams.video[0])
        ]
    return np.concatenate(chunks), frames


def rms(samples, start: float, end: float) -> float:
    window = samples[int(start * 48000) : int(end * 48000)]
    return float(np.sqrt(np.mean(window**2))) if window.size else 0.0


def test_sidecars_parse_and_carry_the_spoken_word_timings(synced):
    output, report, scene, _ = synced
    cues = list(srt.parse(output.with_suffix(".srt").read_text()))
    vtt = webvtt.read(str(output.with_suffix(".vtt")))
    assert len(cues) == len(vtt.captions) == report["sync"]["captions"]["cues"] > 0
    assert [c.start.total_seconds() for c in cues] == pytest.approx(
        [c.start_time.in_milliseconds() / 1000 for c in vtt.captions], abs=0.002
    )
    words = []  # every spoken word's start and end in the film, from the voices' own timings
    for strip in scene.sequence_editor.strips_all:
        if strip.get("storyloom_speaker"):
            timings = json.loads(
                Path(bpy.path.abspath(strip.sound.filepath)).with_suffix(".json").read_text()
            )
            start = (strip.frame_start - 1) / FPS
            words += [(start + w["start"], start + w["end"]) for w in timings["words"]]
    assert len(words) >= 8
    for cue in cues:
        assert min(abs(cue.start.total_seconds() - s) for s, _ in words) <= 1 / FPS
        assert min(abs(cue.end.total_seconds() - e) for _, e in words) <= 1 / FPS
        lines = cue.content.split("\n")
        assert len(lines) <= 2 and all(len(line) <= 22 for line in lines)
    assert [c.voice for c in vtt.captions] == ["Mara", "Theo", "Theo", "Mara"]  # who speaks, as <v> spans
    spoken = " ".join(line["text"] for shot in report["shots"] for line in shot["lines"])
    assert " ".join(c.content.replace("\n", " ") for c in cues) == spoken


def test_vertical_captions_stay_inside_the_safe_area(synced, tmp_path):
    scene = synced[2]
    captions = [
        s for s in scene.sequence_editor.strips_all if s.name.startswith("caption") and "-w" not in s.name
    ]
    assert captions and all(s.channel == 13 for s in captions)
    for strip in scene.sequence_editor.strips_all:  # only the caption boxes, in a colour of their own
        strip.mute = strip not in captions
    for strip in captions:
        strip.box_color = (1.0, 0.0, 1.0, 1.0)
    frame = captions[0].frame_final_start + 1
    scene.frame_set(frame)
    scene.render.filepath = str(tmp_path / "caption.png")
    compat = importlib.import_module(ADDON_MODULE + ".addon.blender.compat")
    compat.set_image_output(scene, "PNG")
    try:
        bpy.ops.render.render(write_still=True)
    finally:
        for strip in scene.sequence_editor.strips_all:
            strip.mute = False
    image = bpy.data.images.load(str(tmp_path / "caption.png"))
    width, height = image.size
    pixels = np.array(image.pixels[:]).reshape(height, width, 4)  # rows from the bottom
    magenta = (pixels[..., 0] > 0.9) & (pixels[..., 1] < 0.1) & (pixels[..., 2] > 0.9)
    rows, cols = np.nonzero(magenta)
    assert rows.size > 1000
    # 9:16 platforms cover the bottom fifth with their own buttons and text.
    assert rows.min() >= 0.2 * height and rows.max() <= 0.5 * height
    assert cols.min() >= 0.04 * width and cols.max() <= 0.96 * width


def test_every_sound_cue_is_heard_at_its_time_and_only_there(synced):
    output, report, scene, _ = synced
    samples, _ = decoded(output)
    placed = report["sync"]["sounds"]
    assert sorted(s["sound"] for s in placed) == ["click", "impact", "rain"]
    strips = [s for s in scene.sequence_editor.strips_all if s.get("storyloom_sfx")]
    assert sorted(s["storyloom_sfx"] for s in strips) == ["click", "impact", "rain"]
    for cue in placed:
        if cue["kind"] == "bed":
            shot = next(s for s in report["shots"] if s["id"] == cue["shot"])
            after_line = np.arange(shot["voice_end"] + 0.1, shot["end"] - 0.6, 0.05)
            assert len(after_line) >= 3
            assert min(rms(samples, t, t + 0.1) for t in after_line) > 0.004  # rain, no voice
            continue
        hit = cue["hit"]
        assert rms(samples, hit, hit + 0.08) > 3 * rms(samples, hit - 0.3, hit - 0.05) + 1e-4, cue
    # Before shot 3 there is no bed: after shot 2's line, until the crossfade, the film is silent.
    silent = report["shots"][1]["lines"][-1]["end"] + 0.1, report["shots"][2]["start"] - 0.4
    assert silent[1] - silent[0] > 0.3 and rms(samples, *silent) < 0.002


def test_the_j_cut_starts_the_next_line_before_the_picture_cuts(synced):
    output, report, _, _ = synced
    samples, frames = decoded(output)
    second = report["shots"][1]
    diffs = np.array([np.abs(b - a).mean() for a, b in itertools.pairwise(frames)])
    cut = (
        int(np.argmax(diffs[round(second["start"] * FPS) - 3 : round(second["start"] * FPS) + 3]))
        + round(second["start"] * FPS)
        - 3
        + 1
    ) / FPS
    assert cut == pytest.approx(second["start"], abs=1 / FPS)
    previous_end = report["shots"][0]["lines"][-1]["end"]
    envelope = [rms(samples, t, t + 0.01) for t in np.arange(previous_end + 0.05, cut, 0.005)]
    # The impact's tail is still ringing here (below 0.03): the voice starts well above it.
    onset = previous_end + 0.05 + 0.005 * next(i for i, level in enumerate(envelope) if level > 0.05)
    assert cut - onset == pytest.approx(0.5, abs=2 / FPS)


def test_the_crossfade_mixes_both_shots(synced):
    output, report, _, _ = synced
    _, frames = decoded(output)
    third = report["shots"][2]
    [fade] = [t for t in report["sync"]["transitions"] if t["transition"] == "crossfade"]
    first = round(third["start"] * FPS) - fade["frames"] // 2
    before, after = frames[first - 1], frames[first + fade["frames"]]
    middle = frames[first + fade["frames"] // 2]
    assert np.abs(before - after).mean() > 10  # two different pictures
    assert np.abs(middle - (before + after) / 2).mean() < 0.35 * np.abs(middle - before).mean()
    assert np.abs(middle - (before + after) / 2).mean() < 0.35 * np.abs(middle - after).mean()


def test_the_speaking_characters_rig_is_lip_synced(synced):
    _, report, scene, mara = synced
    [record] = report["sync"]["lip_sync"]
    assert (record["character"], record["rig"], record["preset"]) == ("Mara", "Mara", "rhubarb")
    lines = [s for s in scene.sequence_editor.strips_all if s.get("storyloom_speaker") == "Mara"]
    assert record["lines"] == len(lines) == 2
    tracks = mara.data.shape_keys.animation_data.nla_tracks
    assert sorted(t.strips[0].name for t in tracks) == sorted(s.name for s in lines)
    assert {"captions", "lip_sync", "layout"} <= set(report["stages_seconds"])
