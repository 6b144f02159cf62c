"""Brief to film, end to end, probed from outside with PyAV and pyloudnorm."""

from __future__ import annotations

import hashlib
import importlib
import itertools
import json
import os
import wave

import av
import bpy
import numpy as np
import pyloudnorm
import pytest

from tests.tools.extension import ADDON_MODULE
from tests.tools.frames import assert_no_black_border

BRIEF = "Create a cinematic 30-sec brand film with dramatic lighting and voiceover."
SHORT = "Make a calm 5 second film. Slow light over the hills."

# Tests here point the preferences at the runtime and temp media: put back after the module.
pytestmark = pytest.mark.usefixtures("restore_preferences")


def use_runtime(runtime_python: str, media) -> None:
    preferences = bpy.context.preferences.addons[ADDON_MODULE].preferences
    preferences.runtime_python = runtime_python
    preferences.media_folder = str(media) + os.sep


def build(tmp_path, brief: str, name: str = "film.mp4", **options) -> dict:
    assert bpy.ops.storyloom.build_film(brief=brief, output=str(tmp_path / name), **options) == {"FINISHED"}
    output = (tmp_path / name).with_suffix({"prores": ".mov"}.get(options.get("preset"), ".mp4"))
    return json.loads(output.with_suffix(".report.json").read_text())


@pytest.fixture(scope="module")
def film_30s(storyloom, runtime_python, tmp_path_factory):
    folder = tmp_path_factory.mktemp("film")
    bpy.ops.wm.read_homefile(use_empty=True)
    use_runtime(runtime_python, folder / "media")
    report = build(folder, BRIEF)
    return folder, report, bpy.context.scene


def decode_audio(path) -> tuple[np.ndarray, int]:
    """Decoded audio as (samples, channels) floats, whatever the codec's sample layout."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp", layout=stream.layout.name, rate=stream.rate)
        chunks = [
            plane.to_ndarray() for frame in container.decode(stream) for plane in resampler.resample(frame)
        ]
        chunks += [plane.to_ndarray() for plane in resampler.resample(None)]
        return np.concatenate(chunks, axis=1).T.astype(np.float64), stream.rate


def cut_times(path) -> list[float]:
    """Times of hard cuts, found from frame-to-frame differences of the decoded video."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [
            f.reformat(width=96, height=54, format="gray").to_ndarray().astype(np.float32)
            for f in container.decode(stream)
        ]
        fps = float(stream.average_rate)
    diffs = np.array([np.abs(b - a).mean() for a, b in itertools.pairwise(frames)])
    threshold = max(6.0, 6 * float(np.median(diffs)))
    return [(index + 1) / fps for index in np.flatnonzero(diffs > threshold)]


def test_mp4_matches_the_plan_and_the_preset(film_30s):
    folder, report, _ = film_30s
    assert report["frames"] == 720 and report["duration"] == pytest.approx(30.0)
    with av.open(str(folder / "film.mp4")) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, video.width, video.height) == ("h264", 1920, 1080)
        assert float(video.average_rate) == 24 and audio.codec_context.name == "aac"
        assert abs(video.frames / 24 - report["duration"]) <= 1 / 24
        assert float(video.start_time * video.time_base) == pytest.approx(
            float(audio.start_time * audio.time_base), abs=1 / 24
        )
        assert float(audio.duration * audio.time_base) == pytest.approx(30.0, abs=0.1)


def brightness(path) -> np.ndarray:
    with av.open(str(path)) as container:
        return np.array(
            [
                f.reformat(width=96, height=54, format="gray").to_ndarray().mean()
                for f in container.decode(video=0)
            ]
        )


def test_cuts_are_where_the_plan_put_them_and_no_line_crosses_one(film_30s):
    folder, report, scene = film_30s
    planned = [shot["start"] for shot in report["shots"][1:]]
    # A dramatic brief dips to black between shots: each dip is darkest on its cut.
    kinds = {t["shot"]: t["transition"] for t in report["sync"]["transitions"]}
    assert [kinds[shot["id"]] for shot in report["shots"]] == ["fade"] + ["dip-black"] * len(planned)
    levels = brightness(folder / "film.mp4")
    for want in planned:
        cut = round(want * 24)
        window = levels[cut - 12 : cut + 12]
        darkest = np.flatnonzero(window <= window.min() + 1.0) + cut - 12
        assert darkest.min() <= cut <= darkest.max() + 1, (want, darkest)
        assert window.min() < 0.1 * levels[cut - 14] and window.min() < 0.1 * levels[cut + 14]
    for shot in report["shots"]:
        assert shot["start"] < shot["voice_start"] < shot["voice_end"] < shot["end"]
    pictures = {s.name: s for s in scene.sequence_editor.strips_all if s.type == "IMAGE"}
    lines = [s for s in scene.sequence_editor.strips_all if s.get("storyloom_speaker")]
    assert len(lines) == sum(len(shot["lines"]) for shot in report["shots"]) > 0
    for voice in lines:
        picture = pictures[voice.name.rsplit("-line", 1)[0]]
        assert picture.frame_final_start <= voice.frame_final_start
        assert voice.frame_final_end <= picture.frame_final_end


def test_delivered_loudness_is_on_target(film_30s):
    folder, report, _ = film_30s
    samples, rate = decode_audio(folder / "film.mp4")
    assert pyloudnorm.Meter(rate).integrated_loudness(samples) == pytest.approx(-14.0, abs=1.0)
    assert np.abs(samples).max() < 1.0
    assert report["loudness"]["target_lufs"] == -14.0


def test_music_is_ducked_under_voice_by_the_depth(film_30s, tmp_path):
    _, report, scene = film_30s
    compat = importlib.import_module(ADDON_MODULE + ".addon.blender.compat")
    music = next(s for s in compat.all_strips(scene) if s.name == "music")
    # The music alone: voices, sound effects and beds muted.
    voices = [s for s in compat.all_strips(scene) if s.type == "SOUND" and s != music]
    assert any(s.get("storyloom_sfx") for s in voices)  # the dramatic brief's riser and impact
    for voice in voices:
        voice.mute = True

    def music_rms(path) -> list[float]:
        bpy.ops.sound.mixdown(filepath=str(path), container="WAV", codec="PCM", format="S16", mixrate=48000)
        with wave.open(str(path)) as file:  # packed 16-bit PCM, channels interleaved
            data = np.frombuffer(file.readframes(file.getnframes()), dtype="<i2").reshape(
                -1, file.getnchannels()
            )
        data = data.astype(float)
        return [
            float(np.sqrt(np.mean(data[int(s["voice_start"] * 48000) : int(s["voice_end"] * 48000)] ** 2)))
            for s in report["shots"]
        ]

    ducked = music_rms(tmp_path / "ducked.wav")
    action = scene.animation_data.action
    scene.animation_data.action = None  # the music alone, at its level before ducking
    music.volume = 0.6
    alone = music_rms(tmp_path / "alone.wav")
    scene.animation_data.action = action
    for voice in voices:
        voice.mute = False
    for a, d in zip(alone, ducked, strict=True):
        assert 20 * np.log10(d / a) <= -12.0 + 0.5


def test_speech_is_real_and_timed(storyloom, runtime_python, worker_session, tmp_path):
    use_runtime(runtime_python, tmp_path / "media")
    tracker = importlib.import_module(ADDON_MODULE + ".addon.runtime.tracker")
    client = worker_session.get_client()
    results = []
    for name, text in (
        ("short", "Hello there."),
        ("long", "Hello there. This line is a good deal longer, with many more words to speak."),
    ):
        job = client.submit({"task": "speech", "text": text, "output": str(tmp_path / f"{name}.wav")})
        state = tracker.JobTracker(client, job).wait(60)
        assert state.status == "done", state.message
        results.append(state.result)
    short, long = results
    assert long["duration"] > short["duration"] * 2
    for result in results:
        samples, _ = decode_audio(result["output"])
        assert np.abs(samples).max() > 0.05  # not silence
        starts = [w["start"] for w in result["words"]]
        assert starts == sorted(starts) and all(
            0 <= w["start"] <= w["end"] <= result["duration"] for w in result["words"]
        )
    assert [w["text"] for w in short["words"]] == ["Hello", "there"]


def test_same_brief_same_plan_and_identical_audio(storyloom, runtime_python, tmp_path):
    bpy.ops.wm.read_homefile(use_empty=True)
    use_runtime(runtime_python, tmp_path / "media")
    first = build(tmp_path, SHORT, "a.mp4")
    hashes = {p: hashlib.sha256(open(p, "rb").read()).hexdigest() for p in (tmp_path / "a.wav",)}
    plan_one = json.loads(bpy.context.scene["storyloom_plan"])
    second = build(tmp_path, SHORT, "b.mp4")
    assert json.loads(bpy.context.scene["storyloom_plan"]) == plan_one
    assert hashlib.sha256((tmp_path / "b.wav").read_bytes()).hexdigest() == hashes[tmp_path / "a.wav"]
    assert [s["start"] for s in first["shots"]] == [s["start"] for s in second["shots"]]


def test_rebuild_replaces_only_storyloom_strips(storyloom, runtime_python, tmp_path):
    bpy.ops.wm.read_homefile(use_empty=True)
    use_runtime(runtime_python, tmp_path / "media")
    compat = importlib.import_module(ADDON_MODULE + ".addon.blender.compat")
    mine = compat.new_effect_strip(bpy.context.scene, "artist note", "TEXT", 20, 1, 50)
    mine.text = "keep me"
    build(tmp_path, SHORT, "one.mp4")
    count = len(compat.all_strips(bpy.context.scene))
    build(tmp_path, SHORT, "two.mp4")
    strips = compat.all_strips(bpy.context.scene)
    assert len(strips) == count and strips["artist note"].text == "keep me"


@pytest.mark.parametrize(
    ("preset", "codec", "size", "audio"),
    [("vertical", "h264", (1080, 1920), "aac"), ("prores", "prores", (1920, 1080), "pcm_s16le")],
)
def test_other_presets(storyloom, runtime_python, tmp_path, preset, codec, size, audio):
    bpy.ops.wm.read_homefile(use_empty=True)
    use_runtime(runtime_python, tmp_path / "media")
    report = build(tmp_path, SHORT, "film.mp4", preset=preset)
    path = tmp_path / ("film.mov" if preset == "prores" else "film.mp4")
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.name, video.width, video.height) == (codec, *size)
        assert container.streams.audio[0].codec_context.name == audio
    samples, rate = decode_audio(path)
    target = -23.0 if preset == "prores" else -14.0
    assert pyloudnorm.Meter(rate).integrated_loudness(samples) == pytest.approx(target, abs=1.0)
    assert report["preset"] == preset


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"brief": "   "}, "brief is empty"),
        ({"brief": SHORT, "output": "/nowhere/at/all/film.mp4"}, "does not exist"),
        ({"brief": SHORT, "output": "/tmp/film.avi"}, "must end in .mp4"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(storyloom, runtime_python, tmp_path, kwargs, message):
    bpy.ops.wm.read_homefile(use_empty=True)
    use_runtime(runtime_python, tmp_path / "media")
    kwargs.setdefault("output", str(tmp_path / "film.mp4"))
    with pytest.raises(RuntimeError, match=message):
        bpy.ops.storyloom.build_film(**kwargs)
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob("*.wav"))


def test_cli_film_with_save_and_an_unknown_preset(storyloom, runtime_python, tmp_path, capsys):
    cli = importlib.import_module(ADDON_MODULE + ".addon.cli")
    bpy.ops.wm.read_homefile(use_empty=True)
    assert cli.main(["film", "--brief", SHORT, "--preset", "betamax", "--out", str(tmp_path / "x.mp4")]) == 1
    assert "Unknown delivery preset 'betamax'" in capsys.readouterr().err
    bpy.context.preferences.addons[ADDON_MODULE].preferences.media_folder = "//storyloom/"
    code = cli.main(
        [
            "film",
            "--brief",
            SHORT,
            "--out",
            str(tmp_path / "cli.mp4"),
            "--save",
            "--runtime-python",
            runtime_python,
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "[storyloom]" in out and "Storyloom film:" in out and "loudness:" in out
    assert (tmp_path / "cli.mp4").is_file() and (tmp_path / "cli.blend").is_file()
    assert (tmp_path / "cli.storyloom-plan.json").is_file() and (tmp_path / "storyloom" / "films").is_dir()


def test_shots_painted_by_a_diffusion_model_through_the_same_pipeline(storyloom, runtime, tmp_path):
    """The same build with a (tiny) text-to-image model instead of storyboard cards."""
    bpy.ops.wm.read_homefile(use_empty=True)
    runtime.media_folder = str(tmp_path / "media") + os.sep
    report = build(tmp_path, SHORT, "painted.mp4", image_model="tiny-sd-fast", preset="vertical")
    assert report["backends"]["images"].startswith("tiny-sd-fast (stable-diffusion, diffusers), steered by")
    [card] = (tmp_path / "media").rglob("cards/sh010-*.png")
    image = bpy.data.images.load(str(card))
    assert tuple(image.size) == (288, 512)  # the model's size, in the film's 9:16; the VSE fits it
    with av.open(str(tmp_path / "painted.mp4")) as container:
        assert (container.streams.video[0].width, container.streams.video[0].height) == (1080, 1920)


def test_plan_import_and_export_round_trip(storyloom, tmp_path):
    director = importlib.import_module(ADDON_MODULE + ".addon.core.director")
    plan_io = importlib.import_module(ADDON_MODULE + ".addon.core.plan")
    bpy.ops.wm.read_homefile(use_empty=True)
    with pytest.raises(RuntimeError, match="no Storyloom plan yet"):
        bpy.ops.storyloom.export_plan(filepath=str(tmp_path / "none.json"))
    source = plan_io.save(director.make_plan(BRIEF), tmp_path / "in.json")
    assert bpy.ops.storyloom.import_plan(filepath=str(source)) == {"FINISHED"}
    assert bpy.ops.storyloom.export_plan(filepath=str(tmp_path / "out.json")) == {"FINISHED"}
    assert plan_io.load(tmp_path / "out.json") == plan_io.load(source)
    (tmp_path / "bad.json").write_text('{"version": 1}')
    with pytest.raises(RuntimeError, match="The plan is not valid"):
        bpy.ops.storyloom.import_plan(filepath=str(tmp_path / "bad.json"))


def test_video_model_makes_moving_shots_or_falls_back_with_a_warning(storyloom, runtime, tmp_path):
    bpy.ops.wm.read_homefile(use_empty=True)
    runtime.media_folder = str(tmp_path / "media") + os.sep
    report = build(tmp_path, SHORT, "moving.mp4", video_model="tiny-ltx", preset="vertical")
    assert report["backends"]["video"] == "tiny-ltx (ltx-video, diffusers)"
    assert "video" in report["stages_seconds"]
    scene = bpy.context.scene
    shots = [s for s in scene.sequence_editor.strips_all if s.name.startswith("sh") and s.type == "IMAGE"]
    assert all(len(s.elements) == s.frame_final_duration for s in shots)  # one file per film frame
    # The 9-frame 24 fps clip reaches the 30 fps film by optical flow: 11 pictures, none repeated
    # but the held last one, each upscaled toward the frame.
    assert shots and all(len({e.filename for e in s.elements}) == 11 for s in shots)
    assert set(report["post"]["fitted"]) == {s.name[:5] for s in shots}
    assert all("-upscale-clip-" in s.directory for s in shots)
    assert_no_black_border(tmp_path / "moving.mp4", 2.0)  # a 32 px clip fills the 1080x1920 frame
    # A configured model without weights here: previz stills, and the report says why.
    report = build(tmp_path, SHORT, "fallback.mp4", video_model="ltx-video", preset="vertical")
    assert report["backends"]["video"] == "previz stills (video model weights missing)"
    assert any("ltx-video" in warning and "no weights" in warning for warning in report["warnings"])
