"""The post layer through Blender: strip interpolation on a Blender-rendered moving scene, strip
and image upscaling, deflicker, and every delivery preset probed from the decoded files (PyAV)."""

from __future__ import annotations

import importlib
import json
import os

import av
import bpy
import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample_poly

from tests.blender.test_film import decode_audio, use_runtime
from tests.tools.extension import ADDON_MODULE
from tests.tools.frames import frame_at

SHORT = "Make a calm 5 second film. Slow light over the hills."
pytestmark = pytest.mark.usefixtures("restore_preferences")


def compat():
    return importlib.import_module(ADDON_MODULE + ".addon.blender.compat")


def pixels_of(path) -> np.ndarray:
    image = bpy.data.images.load(str(path), check_existing=False)
    try:
        width, height = image.size
        values = np.empty(width * height * 4, np.float32)
        image.pixels.foreach_get(values)
        return values.reshape(height, width, 4)[::-1, :, :3]
    finally:
        bpy.data.images.remove(image)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(1.0 / np.mean((a - b) ** 2)))


def render_moving_scene(folder, frames: int = 13) -> list:
    """A textured floor under a panning camera and a textured box crossing it, rendered with
    Workbench at 160x120, one PNG per frame (the truth for the frames interpolation makes)."""
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    texture = bpy.data.images.new("noise", 256, 256)
    rng = np.random.default_rng(7)
    noise = rng.random((64, 64, 3)).repeat(4, axis=0).repeat(4, axis=1)
    texture.pixels.foreach_set(np.dstack([noise, np.ones((256, 256, 1))]).astype(np.float32).ravel())
    material = bpy.data.materials.new("noise")
    tree = compat().material_node_tree(material)
    node = tree.nodes.new("ShaderNodeTexImage")
    node.image = texture
    tree.links.new(node.outputs["Color"], tree.nodes["Principled BSDF"].inputs["Base Color"])
    edit = bpy.context.preferences.edit
    saved, edit.keyframe_new_interpolation_type = edit.keyframe_new_interpolation_type, "LINEAR"
    bpy.ops.mesh.primitive_plane_add(size=8)
    bpy.ops.mesh.primitive_cube_add(size=1.2, location=(-1.5, 0, 0.6))
    box = bpy.context.object
    for obj in (bpy.data.objects["Plane"], box):
        obj.data.materials.append(material)
    box.keyframe_insert("location", frame=1)
    box.location.x = 1.5
    box.keyframe_insert("location", frame=frames)
    bpy.ops.object.camera_add(location=(0, -5, 4), rotation=(0.9, 0, 0))
    camera = bpy.context.object
    scene.camera = camera
    camera.keyframe_insert("location", frame=1)
    camera.location.x = 0.6
    camera.keyframe_insert("location", frame=frames)
    edit.keyframe_new_interpolation_type = saved
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.display.shading.color_type = "TEXTURE"
    scene.display.shading.light = "FLAT"
    scene.view_settings.view_transform = "Standard"
    scene.render.resolution_x, scene.render.resolution_y, scene.render.resolution_percentage = 160, 120, 100
    scene.frame_start, scene.frame_end = 1, frames
    compat().set_image_output(scene, "PNG")
    scene.render.filepath = str(folder / "truth_")
    bpy.ops.render.render(animation=True)
    return sorted(folder.glob("truth_*.png"))


def image_strip(scene, files, name: str = "clip"):
    scene.sequence_editor_create()
    strip = compat().strips(scene).new_image(name, str(files[0]), 1, 1)
    for path in files[1:]:
        strip.elements.append(path.name)
    scene.sequence_editor.active_strip = strip
    return strip


def strip_frames(strip) -> list:
    folder = bpy.path.abspath(strip.directory)
    return [os.path.join(folder, element.filename) for element in strip.elements]


def test_flow_interpolation_beats_repeat_and_blend_on_a_rendered_scene(runtime, tmp_path):
    truth = render_moving_scene(tmp_path)
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps = 24
    image_strip(scene, truth[::2])  # the clip "made at 12 fps": every other frame dropped
    scores = {}
    for method in ("repeat", "blend", "flow"):
        scene.sequence_editor.active_strip = scene.sequence_editor.strips_all["clip"]
        assert bpy.ops.storyloom.interpolate_strip(method=method, source_fps=12) == {"FINISHED"}
        made = scene.sequence_editor.active_strip
        assert made.name.startswith("clip interpolated") and made.channel > 1  # above, source kept
        files = strip_frames(made)
        assert len(files) == 14 and len(set(files)) == 14  # every scene frame a picture of its own
        scores[method] = np.mean([psnr(pixels_of(files[i]), pixels_of(truth[i])) for i in range(1, 12, 2)])
        made.name = f"made {method}"
    print("PSNR by method", scores)
    assert scores["flow"] >= scores["repeat"] + 3.0, scores
    assert scores["flow"] >= scores["blend"] + 1.5, scores


def test_interpolate_refuses_one_frame_and_ratios_outside_one_to_eight(runtime, tmp_path):
    truth = render_moving_scene(tmp_path, frames=3)
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps = 24
    image_strip(scene, truth[:1], "one")
    with pytest.raises(RuntimeError, match="1 frame"):
        bpy.ops.storyloom.interpolate_strip(source_fps=12)
    image_strip(scene, truth, "three")
    with pytest.raises(RuntimeError, match="ratio of 12"):
        bpy.ops.storyloom.interpolate_strip(source_fps=2)
    with pytest.raises(RuntimeError, match="ratio of 0.5"):
        bpy.ops.storyloom.interpolate_strip(source_fps=48)
    with pytest.raises(RuntimeError, match="no recorded frame rate"):
        bpy.ops.storyloom.interpolate_strip()
    assert len(list(scene.sequence_editor.strips_all)) == 2  # nothing landed
    assert not (tmp_path / "media" / "post").exists()


def test_upscale_strip_and_image_land_new_pictures_beside_the_source(runtime, tmp_path):
    truth = render_moving_scene(tmp_path, frames=3)
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    source = image_strip(scene, truth)
    source.frame_offset_start = 1  # the artist trimmed the first frame
    assert bpy.ops.storyloom.upscale_strip(factor="3") == {"FINISHED"}
    made = scene.sequence_editor.active_strip
    assert (made.frame_final_start, made.frame_final_duration) == (source.frame_final_start, 2)  # same cut
    sizes = {tuple(bpy.data.images.load(path, check_existing=True).size) for path in strip_frames(made)}
    assert sizes == {(480, 360)} and len(made.elements) == 3 and made.channel == 2
    image = bpy.data.images.load(str(truth[0]))
    assert bpy.ops.storyloom.upscale_image(image=image.name, factor="4") == {"FINISHED"}
    assert tuple(bpy.data.images[f"{image.name} x4"].size) == (640, 480)
    big = bpy.data.images.new("huge", 2100, 1200)
    big.filepath_raw = str(tmp_path / "huge.png")
    big.file_format = "PNG"
    big.save()
    with pytest.raises(RuntimeError, match="over 8K"):
        bpy.ops.storyloom.upscale_image(image="huge", factor="4")


def test_deflicker_strip_halves_the_flicker_of_a_rendered_clip(runtime, tmp_path):
    truth = render_moving_scene(tmp_path, frames=9)
    rng = np.random.default_rng(3)
    flickering = []
    for index, path in enumerate(truth):  # the same frames, each brightened or dimmed at random
        pixels = pixels_of(path) * (1 + 0.08 * rng.standard_normal())
        image = bpy.data.images.new(f"flicker{index}", 160, 120)
        image.pixels.foreach_set(
            np.dstack([np.clip(pixels, 0, 1)[::-1], np.ones((120, 160, 1))]).astype(np.float32).ravel()
        )
        image.filepath_raw = str(tmp_path / f"flicker_{index:04d}.png")
        image.file_format = "PNG"
        image.save()
        flickering.append(tmp_path / f"flicker_{index:04d}.png")
    bpy.ops.wm.read_homefile(use_empty=True)
    image_strip(bpy.context.scene, flickering)
    assert bpy.ops.storyloom.deflicker_strip() == {"FINISHED"}
    made = [
        pixels_of(path).mean(axis=2) for path in strip_frames(bpy.context.scene.sequence_editor.active_strip)
    ]
    before = [pixels_of(path).mean(axis=2) for path in flickering]
    floor = [pixels_of(path).mean(axis=2) for path in truth]

    def flicker(frames):  # frame-to-frame change of mean luma, beyond what the motion itself makes
        steps = np.diff([frame.mean() for frame in frames])
        natural = np.diff([frame.mean() for frame in floor])
        return float(np.mean((steps - natural) ** 2))

    assert flicker(made) <= 0.5 * flicker(before)


# -- deliverables -----------------------------------------------------------------------------


def true_peak_db(samples: np.ndarray) -> float:
    """4x oversampled true peak of decoded audio (ITU-R BS.1770-4 annex 2)."""
    return float(20 * np.log10(np.abs(resample_poly(samples, 4, 1, axis=0)).max()))


def probe(path) -> dict:
    with av.open(str(path)) as container:
        video = container.streams.video[0] if container.streams.video else None
        audio = container.streams.audio[0] if container.streams.audio else None
        return {
            "size": (video.width, video.height) if video else None,
            "fps": round(float(video.average_rate), 3) if video else None,
            "codec": video.codec_context.name if video else None,
            "pix_fmt": video.codec_context.pix_fmt if video else None,
            "audio": (audio.codec_context.name, audio.rate, audio.channels) if audio else None,
        }


@pytest.fixture(scope="module")
def delivered(storyloom, runtime_python, tmp_path_factory):
    """One film at youtube with deliverables of another shape and rate, frames, MP3 and stems."""
    folder = tmp_path_factory.mktemp("deliver")
    bpy.ops.wm.read_homefile(use_empty=True)
    use_runtime(runtime_python, folder / "media")
    result = bpy.ops.storyloom.build_film(
        brief=SHORT,
        output=str(folder / "spot.mp4"),
        preset="youtube",
        previz="cards",
        deliver="square, exr",
        fps_fit="blend",  # 24 -> 30 for the square cut; flow is measured above
        mp3=True,
        stems=True,
    )
    assert result == {"FINISHED"}
    return folder, json.loads((folder / "spot.report.json").read_text())


def test_another_shape_and_rate_is_padded_and_retimed_and_mastered(delivered):
    folder, report = delivered
    square = folder / "spot.square.mp4"
    assert probe(square) == {
        "size": (1080, 1080),
        "fps": 30,
        "codec": "h264",
        "pix_fmt": "yuv420p",
        "audio": ("aac", 48000, 2),
    }
    samples, rate = decode_audio(square)
    assert true_peak_db(samples) <= -1.0
    assert pyloudnorm.Meter(rate).integrated_loudness(samples) == pytest.approx(-14.0, abs=0.5)
    assert len(samples) / rate == pytest.approx(report["duration"], abs=0.05)  # as long as the film
    # A 16:9 picture padded into 1:1: bars above and below, the picture in the middle rows.
    frame = frame_at(square, report["duration"] / 2).astype(float)
    bar = int(1080 * (1 - 1080 / 1920) / 2)
    assert frame[: bar - 4].mean() < 2 and frame[-bar + 4 :].mean() < 2
    assert frame[540].std() > 2
    listed = {os.path.basename(entry["path"]): entry for entry in report["deliverables"]}
    assert (listed["spot.square.mp4"]["width"], listed["spot.square.mp4"]["fps"]) == (1080, 30)


def test_frames_mp3_stems_poster_and_thumbnail(delivered):
    folder, report = delivered
    exr = sorted((folder / "spot_exr").iterdir())
    assert len(exr) == report["frames"] and exr[0].suffix == ".exr"
    assert (folder / "spot_exr.wav").is_file()  # its master beside the frames
    image = bpy.data.images.load(str(exr[60]))
    assert image.is_float and image.channels == 4
    linear = pixels_of(exr[60])
    display = frame_at(folder / "spot.mp4", 60 / 24).astype(np.float32) / 255
    # Scene-linear: the EXR holds the film's display values decoded from sRGB.
    expected = np.where(display <= 0.04045, display / 12.92, ((display + 0.055) / 1.055) ** 2.4)
    assert np.abs(linear - expected).mean() < 0.02 and np.abs(linear - display).mean() > 0.03
    with av.open(str(folder / "spot.mp3")) as container:
        assert container.streams.audio[0].codec_context.name in ("mp3", "mp3float")
    mp3, rate = decode_audio(folder / "spot.mp3")
    assert true_peak_db(mp3) <= -1.0
    assert pyloudnorm.Meter(rate).integrated_loudness(mp3) == pytest.approx(-14.0, abs=0.5)
    stems = {path.name: decode_audio(path)[0] for path in folder.glob("spot.*.wav")}
    assert {"spot.dialogue.wav", "spot.music.wav"} <= set(stems)
    assert all(np.abs(stem).max() > 0.001 for name, stem in stems.items() if name != "spot.wav")
    # Before the master bus, the stems sum to the mix (16-bit rounding apart).
    [mix_wav] = (folder / "media").rglob("mix.wav")
    mix = decode_audio(mix_wav)[0]
    summed = sum(stem for name, stem in stems.items() if name != "spot.wav")
    assert np.abs(summed - mix).max() < 0.002
    poster = bpy.data.images.load(str(folder / "spot.poster.png"))
    thumbnail = bpy.data.images.load(str(folder / "spot.thumbnail.jpg"))
    assert tuple(poster.size) == (1920, 1080) and tuple(thumbnail.size) == (1280, 720)
    kinds = {os.path.basename(entry["path"]): entry for entry in report["deliverables"]}
    assert kinds["spot.mp3"]["kind"] == "mp3" and kinds["spot.dialogue.wav"]["kind"] == "audio"
    assert kinds["spot_exr"]["dtype"] == ["half"] and kinds["spot_exr"]["channels"] == "RGBA"
    assert kinds["spot_exr"]["frames"] == report["frames"]


# Each new preset as a film's own delivery: (size, fps, codec, pixel format, audio, LUFS, dBTP).
PRESET_FILES = {
    "youtube_4k": ((3840, 2160), 24, "h264", "yuv420p", ("aac", 48000, 2), -14.0, -1.0),
    "square": ((1080, 1080), 30, "h264", "yuv420p", ("aac", 48000, 2), -14.0, -1.0),
    "portrait": ((1080, 1350), 30, "h264", "yuv420p", ("aac", 48000, 2), -14.0, -1.0),
    "vertical_60": ((1080, 1920), 60, "h264", "yuv420p", ("aac", 48000, 2), -14.0, -1.0),
    "broadcast_hd": ((1920, 1080), 25, "prores", "yuv422p10le", ("pcm_s16le", 48000, 2), -23.0, -1.0),
    "film_23976": ((1920, 1080), 23.976, "h264", "yuv420p", ("aac", 48000, 2), -24.0, -2.0),
    "prores_4444": ((1920, 1080), 24, "prores", "yuva444p12le", ("pcm_s16le", 48000, 2), -23.0, -1.0),
}


@pytest.mark.parametrize("preset", list(PRESET_FILES))
def test_each_new_preset_probes_as_promised(storyloom, runtime_python, tmp_path, preset):
    size, fps, codec, pix_fmt, audio, lufs, ceiling = PRESET_FILES[preset]
    bpy.ops.wm.read_homefile(use_empty=True)
    use_runtime(runtime_python, tmp_path / "media")
    name = "film.mov" if codec == "prores" else "film.mp4"
    result = bpy.ops.storyloom.build_film(
        brief=SHORT, output=str(tmp_path / name), preset=preset, previz="cards", poster=False
    )
    assert result == {"FINISHED"}
    path = tmp_path / name
    assert probe(path) == {"size": size, "fps": fps, "codec": codec, "pix_fmt": pix_fmt, "audio": audio}
    samples, rate = decode_audio(path)
    assert true_peak_db(samples) <= ceiling
    assert pyloudnorm.Meter(rate).integrated_loudness(samples) == pytest.approx(lufs, abs=0.5)
    report = json.loads(path.with_suffix(".report.json").read_text())
    assert report["loudness"]["true_peak_target"] == ceiling and report["preset"] == preset


def test_png_frames_as_the_delivery(storyloom, runtime_python, tmp_path):
    bpy.ops.wm.read_homefile(use_empty=True)
    use_runtime(runtime_python, tmp_path / "media")
    output = tmp_path / "frames"
    result = bpy.ops.storyloom.build_film(
        brief=SHORT, output=str(output), preset="png", previz="cards", poster=False
    )
    assert result == {"FINISHED"}
    report = json.loads((tmp_path / "frames.report.json").read_text())
    frames = sorted(output.glob("frame_*.png"))
    assert len(frames) == report["frames"] and tuple(bpy.data.images.load(str(frames[0])).size) == (
        1920,
        1080,
    )
    samples, rate = decode_audio(tmp_path / "frames.wav")
    assert pyloudnorm.Meter(rate).integrated_loudness(samples) == pytest.approx(-23.0, abs=0.5)


def test_bad_deliverables_are_refused_before_anything_is_written(storyloom, runtime_python, tmp_path):
    bpy.ops.wm.read_homefile(use_empty=True)
    use_runtime(runtime_python, tmp_path / "media")
    cases = [
        ({"deliver": "square", "aspect_fit": "refuse"}, "is 1:1 but the film is 16:9"),
        ({"deliver": "betamax"}, "Unknown delivery preset 'betamax'"),
        ({"match_colour": "frame", "colour_reference": str(tmp_path / "none.png")}, "not a picture file"),
    ]
    for options, message in cases:
        with pytest.raises(RuntimeError, match=message):
            bpy.ops.storyloom.build_film(
                brief=SHORT, output=str(tmp_path / "x.mp4"), previz="cards", **options
            )
    assert not list(tmp_path.glob("x*"))


def test_an_all_black_colour_reference_stops_the_build_with_a_message(storyloom, runtime_python, tmp_path):
    bpy.ops.wm.read_homefile(use_empty=True)
    use_runtime(runtime_python, tmp_path / "media")
    black = bpy.data.images.new("black", 64, 64)
    black.pixels.foreach_set(np.tile([0.0, 0.0, 0.0, 1.0], 64 * 64).astype(np.float32))
    black.filepath_raw, black.file_format = str(tmp_path / "black.png"), "PNG"
    black.save()
    with pytest.raises(RuntimeError, match="black: there is no colour in it to match"):
        bpy.ops.storyloom.build_film(
            brief=SHORT, output=str(tmp_path / "x.mp4"), previz="cards", match_colour="frame",
            colour_reference=str(tmp_path / "black.png"),
        )  # fmt: skip
    assert not list(tmp_path.glob("x*"))


def test_learned_interpolator_and_upscaler_twins_from_the_models_folder(runtime, models_folder, tmp_path):
    truth = render_moving_scene(tmp_path, frames=5)
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps = 24
    image_strip(scene, truth[::2])
    assert bpy.ops.storyloom.interpolate_strip(method="model", source_fps=12) == {"FINISHED"}
    made = strip_frames(scene.sequence_editor.active_strip)
    assert len(made) == 6 and tuple(bpy.data.images.load(made[1]).size) == (160, 120)
    scene.sequence_editor.active_strip = scene.sequence_editor.strips_all["clip"]
    assert bpy.ops.storyloom.upscale_strip(method="model") == {"FINISHED"}  # the folder's x2 twin
    upscaled = strip_frames(scene.sequence_editor.active_strip)
    assert {tuple(bpy.data.images.load(path).size) for path in upscaled} == {(320, 240)}
    scene.sequence_editor.active_strip = scene.sequence_editor.strips_all["clip"]
    assert bpy.ops.storyloom.upscale_strip(method="diffusion", model="tiny-sd-upscale", seed=1) == {
        "FINISHED"
    }
    diffused = strip_frames(scene.sequence_editor.active_strip)
    assert {tuple(bpy.data.images.load(path).size) for path in diffused} == {(640, 480)}
    with pytest.raises(RuntimeError, match="not an upscaler"):
        bpy.ops.storyloom.upscale_strip(method="diffusion", model="tiny-sd")
    runtime.models_folder = str(tmp_path / "empty-models")  # nothing there: a clear refusal
    with pytest.raises(RuntimeError, match="needs RIFE 4.6 weights at"):
        bpy.ops.storyloom.interpolate_strip(method="model", source_fps=12)
    with pytest.raises(RuntimeError, match="No learned upscaler in"):
        bpy.ops.storyloom.upscale_strip(method="model")
