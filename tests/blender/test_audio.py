"""Speech and music through the installed add-on: sound strips at the playhead, 48 kHz, timings."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import bpy
import pytest


@pytest.fixture
def edit(storyloom, runtime, tmp_path):
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = 24, 1.0
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "edit.blend"))
    runtime.media_folder = "//storyloom/"
    return scene


def landed(scene, lane: str) -> list:
    editor = scene.sequence_editor
    return [s for s in editor.strips_all if s.get("storyloom") == lane] if editor else []


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as file:
        assert file.getframerate() == 48000
        return file.getnframes() / 48000


def check_strip(strip, scene) -> Path:
    wav = Path(bpy.path.abspath(strip.sound.filepath))
    # Blender sizes a sound strip to the nearest whole frame of the audio.
    assert strip.frame_final_duration == round(wav_seconds(wav) * scene.render.fps)
    return wav


def test_a_line_in_the_default_voice_lands_on_dialogue_with_word_timings(edit):
    edit.frame_current = 30
    assert bpy.ops.storyloom.generate_speech(text="The valley wakes at dawn.") == {"FINISHED"}
    [strip] = landed(edit, "dialogue")
    assert (int(strip.frame_start), strip.channel) == (30, 7)
    assert edit.sequence_editor.channels[7].name == "Storyloom Dialogue"
    wav = check_strip(strip, edit)
    timings = json.loads(wav.with_suffix(".json").read_text())
    assert [w["text"] for w in timings["words"]] == ["The", "valley", "wakes", "at", "dawn"]
    assert json.loads(strip["storyloom_job"])["model"] == "espeak"


@pytest.mark.parametrize("model", ["tiny-vits", "tiny-coqui-vits"])
def test_character_voices_from_the_table_repeat_with_their_seed(edit, model):
    bpy.ops.storyloom.voice_add(name="Mara")
    mara = edit.storyloom_voices["Mara"]
    mara.model, mara.seed = model, 9
    assert bpy.ops.storyloom.generate_speech(text="hello there", character="Mara") == {"FINISHED"}
    [strip] = landed(edit, "dialogue")
    wav = check_strip(strip, edit)
    first = wav.read_bytes()
    record = json.loads(strip["storyloom_job"])
    assert (record["character"], record["model"], record["seed"]) == ("Mara", model, 9)
    timings = json.loads(Path(record["timings"]).read_text())
    assert [w["text"].lower() for w in timings["words"]] == ["hello", "there"]
    assert bpy.ops.storyloom.generate_speech(text="hello there", character="Mara") == {"FINISHED"}
    assert wav.read_bytes() == first
    # The second take of the same line went above the first: nothing overlaps on one channel.
    assert sorted(s.channel for s in landed(edit, "dialogue")) == [7, 8]


@pytest.mark.parametrize(
    ("model", "prompt", "seconds"), [("procedural-music", "", 3.0), ("tiny-musicgen", "calm", 0.2)]
)
def test_music_lands_on_the_music_channel_with_a_beat_grid(edit, model, prompt, seconds):
    edit.frame_current = 5
    assert bpy.ops.storyloom.generate_music(prompt=prompt, model=model, duration=seconds, seed=1) == {
        "FINISHED"
    }
    [strip] = landed(edit, "music")
    assert (int(strip.frame_start), strip.channel) == (5, 8)
    wav = check_strip(strip, edit)
    assert abs(wav_seconds(wav) - seconds) < 1 / 48000
    assert "beats" in json.loads(wav.with_suffix(".json").read_text())


def test_a_sound_effect_lands_on_the_sfx_channel_at_the_playhead(edit):
    edit.frame_current = 12
    result = bpy.ops.storyloom.generate_sfx(
        prompt="a door slams", model="tiny-stable-audio", duration=0.1, seed=2
    )
    assert result == {"FINISHED"}
    [strip] = landed(edit, "sfx")
    assert (int(strip.frame_start), strip.channel) == (12, 9)
    wav = check_strip(strip, edit)
    assert abs(wav_seconds(wav) - 0.1) < 1 / 48000
    assert json.loads(strip["storyloom_job"])["prompt"] == "a door slams"


def test_bad_audio_requests_are_reported_and_land_nothing(edit, tmp_path):
    with pytest.raises(RuntimeError, match="The line is empty"):
        bpy.ops.storyloom.generate_speech(text="  ")
    with pytest.raises(RuntimeError, match="No voice for character 'Ghost'"):
        bpy.ops.storyloom.generate_speech(text="boo", character="Ghost")
    bpy.ops.storyloom.voice_add(name="Echo")
    silent = tmp_path / "silent.wav"
    with wave.open(str(silent), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(48000)
        file.writeframes(b"\x00\x00" * 48000 * 4)
    edit.storyloom_voices["Echo"].reference_clip = str(silent)
    with pytest.raises(RuntimeError, match="is silent"):
        bpy.ops.storyloom.generate_speech(text="hello", character="Echo")
    with pytest.raises(RuntimeError, match="more than 0 seconds"):
        bpy.ops.storyloom.generate_music(duration=0)
    with pytest.raises(RuntimeError, match="too long: at most 600 s"):
        bpy.ops.storyloom.generate_music(duration=3 * 3600)
    with pytest.raises(RuntimeError, match="does not make sound effects"):
        bpy.ops.storyloom.generate_sfx(prompt="a door", model="espeak")
    assert not landed(edit, "dialogue") and not landed(edit, "music") and not landed(edit, "sfx")


ASYNC_OPERATORS = (
    "generate_speech",
    "generate_music",
    "generate_sfx",
    "generate_image",
    "restyle_render",
    "generate_video",
    "restyle_strip",
)


def test_a_landing_is_one_undo_step_and_redo_never_resubmits_the_job(edit):
    # An UNDO operator's redo panel re-runs it on every property change: a new model job each time.
    for name in ASYNC_OPERATORS:
        operator = getattr(bpy.types, f"STORYLOOM_OT_{name}")
        assert "UNDO" not in operator.bl_options, name
    bpy.data.texts.new("before the sound")
    bpy.ops.ed.undo_push(message="before the sound")
    edit.frame_current = 12
    result = bpy.ops.storyloom.generate_sfx(prompt="a door slams", model="tiny-stable-audio", duration=0.1)
    assert result == {"FINISHED"} and landed(bpy.context.scene, "sfx")
    # One undo takes back exactly the landing; redo brings it back, so the landing is a step.
    assert bpy.ops.ed.undo() == {"FINISHED"}
    assert not landed(bpy.context.scene, "sfx") and "before the sound" in bpy.data.texts
    assert bpy.ops.ed.redo() == {"FINISHED"}
    [strip] = landed(bpy.context.scene, "sfx")
    assert strip.channel == 9 and json.loads(strip["storyloom_job"])["prompt"] == "a door slams"
