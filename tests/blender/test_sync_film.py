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
    words = []  # every spoken word's start and end in the film, in order, from the voices' timings
    lines = sorted(
        (s for s in scene.sequence_editor.strips_all if s.get("storyloom_speaker")),
        key=lambda s: s.frame_start,
    )
    for strip in lines:
        timings = json.loads(Path(bpy.path.abspath(strip.sound.filepath)).with_suffix(".json").read_text())
        start = (strip.frame_start - 1) / FPS
        words += [(start + w["start"], start + w["end"]) for w in timings["words"]]
    assert len(words) >= 8
    position = 0
    for cue in cues:  # each cue is the next run of words: its first word's start, its last word's end
        start, end = cue.start.total_seconds(), cue.end.total_seconds()
        first = next((i for i in range(position, len(words)) if abs(words[i][0] - start) <= 1 / FPS), None)
        assert first is not None, (cue, words[position:])
        last = next((i for i in range(first, len(words)) if abs(words[i][1] - end) <= 1 / FPS), None)
        assert last is not None, (cue, words[first:])
        position = last + 1
        lines_shown = cue.content.split("\n")
        assert len(lines_shown) <= 2 and all(len(line) <= 22 for line in lines_shown)
    assert position == len(words)  # every word captioned
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
    # Mara has the artist's own rig in the film scene; Theo has only his stand-in on the stage.
    record, theo_record = sorted(report["sync"]["lip_sync"], key=lambda r: r["character"])
    assert (record["character"], record["rig"], record["preset"]) == ("Mara", "Mara", "rhubarb")
    assert (theo_record["character"], theo_record["rig"]) == ("Theo", "Theo mouth")
    lines = [s for s in scene.sequence_editor.strips_all if s.get("storyloom_speaker") == "Mara"]
    assert record["lines"] == len(lines) == 2
    tracks = mara.data.shape_keys.animation_data.nla_tracks
    assert sorted(t.strips[0].name for t in tracks) == sorted(s.name for s in lines)
    # The mouth moves while Mara speaks (some shape is on) and rests while Theo does.
    theo = next(s for s in scene.sequence_editor.strips_all if s.get("storyloom_speaker") == "Theo")
    keys = mara.data.shape_keys.key_blocks
    moving = set()
    for frame in range(int(lines[0].frame_final_start), int(lines[0].frame_final_end)):
        scene.frame_set(frame)
        moving |= {name for name in "ABCDEFGH" if keys[name].value > 0.5}
    assert len(moving) >= 3
    for frame in range(int(theo.frame_final_start), int(theo.frame_final_end), 3):
        scene.frame_set(frame)
        assert all(keys[name].value == 0.0 for name in "ABCDEFGH")
    assert {"captions", "lip_sync", "layout"} <= set(report["stages_seconds"])


def test_a_sound_model_makes_the_same_cue_when_installed(storyloom, runtime, tmp_path):
    bpy.ops.wm.read_homefile(use_empty=True)
    runtime.media_folder = str(tmp_path / "media") + os.sep
    director = importlib.import_module(storyloom.__name__ + ".addon.core.director")
    plan = director.make_plan("Make a calm 5 second film. Slow light over the hills.")
    plan["shots"][0]["sfx"] = [{"sound": "wind"}]
    plan_io = importlib.import_module(storyloom.__name__ + ".addon.core.plan")
    bpy.context.scene["storyloom_plan"] = plan_io.to_json(plan)
    output = tmp_path / "model.mp4"
    assert bpy.ops.storyloom.build_film(
        from_scene_plan=True, output=str(output), sfx_model="tiny-stable-audio", captions="off"
    ) == {"FINISHED"}
    report = json.loads(output.with_suffix(".report.json").read_text())
    assert report["backends"]["sfx"] == "tiny-stable-audio (stable-audio)"
    [wind] = report["sync"]["sounds"]
    assert (wind["sound"], wind["kind"]) == ("wind", "bed")
    [strip] = [s for s in bpy.context.scene.sequence_editor.strips_all if s.get("storyloom_sfx") == "wind"]
    assert bpy.path.abspath(strip.sound.filepath) == wind["path"]
    assert not output.with_suffix(".srt").exists()  # captions off: no sidecars either


def test_dip_to_white_wipe_and_whip_pan_show_in_the_frames(storyloom, runtime_python, tmp_path):
    bpy.ops.wm.read_homefile(use_empty=True)
    preferences = bpy.context.preferences.addons[ADDON_MODULE].preferences
    preferences.runtime_python = runtime_python
    preferences.media_folder = str(tmp_path / "media") + os.sep
    plan = edited_plan(storyloom)
    fourth = {**plan["shots"][2], "id": "sh040", "lines": [], "sfx": [], "camera": "static"}
    plan["shots"].append(fourth)
    for shot, (kind, seconds) in zip(
        plan["shots"][1:], [("dip-white", 0.6), ("wipe", 0.6), ("whip-pan", 0.4)], strict=True
    ):
        shot.update(transition=kind, transition_seconds=seconds, sfx=[], camera="static")
        shot.pop("j_cut", None)
    plan_io = importlib.import_module(storyloom.__name__ + ".addon.core.plan")
    bpy.context.scene["storyloom_plan"] = plan_io.to_json(plan)
    output = tmp_path / "transitions.mp4"
    # Storyboard cards: their text is the fine detail a whip-pan's blur must wipe out.
    result = bpy.ops.storyloom.build_film(
        from_scene_plan=True, output=str(output), captions="off", previz="cards"
    )
    assert result == {"FINISHED"}
    report = json.loads(output.with_suffix(".report.json").read_text())
    _, frames = decoded(output)
    cut = {shot["id"]: round(shot["start"] * FPS) for shot in report["shots"]}
    level = [float(f.mean()) for f in frames]
    # Dip to white: the frames around the cut go to white, from pictures that are not.
    assert max(level[cut["sh020"] - 2 : cut["sh020"] + 2]) > 240 > level[cut["sh020"] - 12] + 20
    # Wipe: halfway through, one side of the frame is the old shot and the other the new one.
    before, after, middle = frames[cut["sh030"] - 10], frames[cut["sh030"] + 10], frames[cut["sh030"]]

    def side(part):  # which shot this part of the middle frame shows
        return np.abs(middle[part] - before[part]).mean() < np.abs(middle[part] - after[part]).mean()

    split_across = side(np.s_[:40, :]) != side(np.s_[56:, :])  # the edge moving down the frame
    split_along = side(np.s_[:, :20]) != side(np.s_[:, 34:])  # or across it
    assert split_across or split_along

    # Whip-pan: blurred at the cut (less fine detail than either shot), with its whoosh.
    def detail(frame):
        return float(np.abs(np.diff(frame, axis=1)).mean())

    assert detail(frames[cut["sh040"]]) < 0.6 * min(
        detail(frames[cut["sh040"] - 10]), detail(frames[cut["sh040"] + 10])
    )
    assert [s["sound"] for s in report["sync"]["sounds"] if s["shot"] == "sh040"] == ["whoosh"]
