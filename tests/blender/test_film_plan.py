"""The film does what its plan says: voices per speaker, shot lengths, revisions, plan files.

Every check reads the delivered file (decoded with PyAV) or the files the build wrote.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import sys

import av
import bpy
import pytest

from tests.blender.test_film import cut_times, decode_audio, use_runtime
from tests.tools.extension import ADDON_MODULE
from tests.tools.frames import assert_no_black_border, median_f0

MARA_LINES = ("The robot will not start again today.", "Fine, but you hold the light this time.")
THEO_LINE = "Then we open it up and look inside."


# Tests here point the preferences at the runtime and temp media: put back after the module.
pytestmark = pytest.mark.usefixtures("restore_preferences")


def dialogue_plan(storyloom) -> dict:
    """Two characters with different voices: Mara (espeak en+f3) and Theo (en+m7)."""
    director = importlib.import_module(storyloom.__name__ + ".addon.core.director")
    plan = director.make_plan("A 16 second film about a broken robot in a workshop.")
    plan["film"]["title"] = "Broken Robot"
    plan["characters"] = [
        {"name": "Mara", "voice": "en+f3", "seed": 11},
        {"name": "Theo", "voice": "en+m7", "seed": 22},
    ]
    first, second = copy.deepcopy(plan["shots"][0]), copy.deepcopy(plan["shots"][0])
    first |= {
        "id": "sh010",
        "prompt": "a cluttered workshop, a robot on the bench",
        "duration_hint": 11.0,
        "lines": [{"speaker": "Mara", "text": MARA_LINES[0]}, {"speaker": "Theo", "text": THEO_LINE}],
        "transition": "cut",
    }
    second |= {
        "id": "sh020",
        "prompt": "close on the robot's open chest",
        "duration_hint": 5.0,
        "lines": [{"speaker": "Mara", "text": MARA_LINES[1]}],
        "transition": "cut",
        "camera": "static",
    }
    plan["shots"] = [first, second]
    return plan


def run_cli(storyloom, *args: str) -> int:
    cli = importlib.import_module(storyloom.__name__ + ".addon.cli")
    return cli.main(list(args))


@pytest.fixture(scope="module")
def dialogue_film(storyloom, runtime_python, tmp_path_factory):
    folder = tmp_path_factory.mktemp("dialogue")
    bpy.ops.wm.read_homefile(use_empty=True)
    use_runtime(runtime_python, folder / "media")
    plan_io = importlib.import_module(storyloom.__name__ + ".addon.core.plan")
    plan_file = plan_io.save(dialogue_plan(storyloom), folder / "plan.json")
    assert run_cli(storyloom, "film", "--plan", str(plan_file), "--out", str(folder / "film.mp4")) == 0
    report = json.loads((folder / "film.report.json").read_text())
    return folder, report


def test_each_line_is_spoken_in_its_speakers_voice(dialogue_film):
    folder, report = dialogue_film
    lines = [line for shot in report["shots"] for line in shot["lines"]]
    assert [(line["speaker"], line["text"]) for line in lines] == [
        ("Mara", MARA_LINES[0]),
        ("Theo", THEO_LINE),
        ("Mara", MARA_LINES[1]),
    ]
    assert lines[1]["start"] >= lines[0]["end"] + 0.3  # in order, with a pause between speakers
    samples, rate = decode_audio(folder / "film.mp4")
    pitch = [
        median_f0(samples[round(line["start"] * rate) : round(line["end"] * rate)], rate) for line in lines
    ]
    mara_a, theo, mara_b = pitch
    assert theo < 150 < min(mara_a, mara_b), pitch  # en+m7 ~116 Hz, en+f3 ~230 Hz
    assert abs(mara_a - mara_b) / mara_b < 0.2, pitch  # the same speaker agrees with herself


def test_shots_last_their_duration_hints_in_the_delivered_file(dialogue_film):
    folder, report = dialogue_film
    fps = 24
    assert [round((s["end"] - s["start"]) * fps) for s in report["shots"]] == [11 * fps, 5 * fps]
    cuts = cut_times(folder / "film.mp4")
    assert any(abs(cut - 11.0) <= 1 / fps for cut in cuts), cuts
    with av.open(str(folder / "film.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.frames == 16 * fps or abs(float(container.duration / 1e6) - 16.0) <= 1 / fps


def test_revisions_shorter_and_calmer_change_the_film(storyloom, dialogue_film, tmp_path):
    folder, report = dialogue_film
    plan_io = importlib.import_module(storyloom.__name__ + ".addon.core.plan")
    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.ops.storyloom.import_plan(filepath=str(folder / "plan.json"))
    assert bpy.ops.storyloom.revise_plan(note="make shot 1 shorter") == {"FINISHED"}
    assert bpy.ops.storyloom.revise_plan(note="a calmer voice-over") == {"FINISHED"}
    plan = plan_io.from_json(bpy.context.scene["storyloom_plan"])
    assert plan["shots"][0]["duration_hint"] == pytest.approx(7.7)
    assert {c["style"] for c in plan["characters"]} == {"calm"}
    output = tmp_path / "revised.mp4"
    assert bpy.ops.storyloom.build_film(from_scene_plan=True, output=str(output)) == {"FINISHED"}
    revised = json.loads(output.with_suffix(".report.json").read_text())
    first = revised["shots"][0]
    assert round((first["end"] - first["start"]) * 24) == round(7.7 * 24)
    assert any(abs(cut - first["end"]) <= 1 / 24 for cut in cut_times(output))
    # Calm speech is slower: every line is remade (new keys) and lasts longer than before.
    assert revised["regenerated"] == ["sh010", "sh020"]
    before = [line["end"] - line["start"] for shot in report["shots"] for line in shot["lines"]]
    after = [line["end"] - line["start"] for shot in revised["shots"] for line in shot["lines"]]
    assert all(b > a * 1.1 for a, b in zip(before, after, strict=True)), (before, after)


def test_an_edited_plan_file_remakes_only_the_edited_shots_voice(storyloom, dialogue_film, tmp_path):
    folder, _ = dialogue_film
    edited = json.loads((folder / "plan.json").read_text())
    edited["shots"][1]["lines"][0]["text"] = "Fine. You hold the torch."
    (tmp_path / "edited.json").write_text(json.dumps(edited))
    voices = folder / "media" / "films" / "broken-robot" / "voice"
    before = set(voices.iterdir())
    out = tmp_path / "edited.mp4"
    assert run_cli(storyloom, "film", "--plan", str(tmp_path / "edited.json"), "--out", str(out)) == 0
    report = json.loads(out.with_suffix(".report.json").read_text())
    assert report["regenerated"] == ["sh020"]
    made = {path.name for path in set(voices.iterdir()) - before if path.suffix == ".wav"}
    assert len(made) == 1 and next(iter(made)).startswith("sh020-")
    assert report["shots"][1]["lines"][0]["text"] == "Fine. You hold the torch."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "The plan is not JSON"),
        ("HINT0", "duration_hint"),
        ("HINT10000", "duration_hint"),
        ("STRANGER", "speaker 'Nobody' is not a character"),
    ],
)
def test_a_bad_plan_file_is_refused_and_nothing_is_written(storyloom, tmp_path, capsys, content, message):
    if content.startswith(("HINT", "STRANGER")):
        plan = dialogue_plan(storyloom)
        if content == "STRANGER":
            plan["shots"][0]["lines"][0]["speaker"] = "Nobody"
        else:
            plan["shots"][0]["duration_hint"] = int(content.removeprefix("HINT"))
        content = json.dumps(plan)
    (tmp_path / "plan.json").write_text(content)
    out = tmp_path / "film.mp4"
    assert run_cli(storyloom, "film", "--plan", str(tmp_path / "plan.json"), "--out", str(out), "--save") == 1
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


def test_a_runtime_without_the_backends_packages_is_refused_before_anything_is_written(
    storyloom, tmp_path, capsys
):
    """Blender's own Python (the bpy venv here) has numpy but none of the voice/mastering packages."""
    bpy.ops.wm.read_homefile(use_empty=True)
    media = tmp_path / "media"
    bpy.context.preferences.addons[ADDON_MODULE].preferences.media_folder = str(media) + os.sep
    out = tmp_path / "film.mp4"
    code = run_cli(
        storyloom, "film", "--brief", "A calm 5 second film.", "--out", str(out), "--save",
        "--runtime-python", sys.executable,
    )  # fmt: skip
    error = capsys.readouterr().err
    assert code == 1
    assert "lacks cv2, espeakng_loader" in error  # (this venv has numpy, scipy and pyloudnorm)
    assert "install-runtime --profile previz" in error and "Install Runtime" in error
    assert error.count("storyloom: error:") == 1
    assert list(tmp_path.iterdir()) == []  # no film, no .blend, no media folder


def painted_plan(storyloom, model: str) -> dict:
    """The dialogue plan with its shots routed by a director: one to an installed model, one not."""
    plan = dialogue_plan(storyloom)
    plan["shots"][0] |= {"path": "image", "model": model, "path_reason": "image with the test model"}
    plan["shots"][1] |= {"path": "image", "model": "sdxl", "path_reason": "image with sdxl"}
    return plan


@pytest.mark.parametrize("preset", ["youtube", "vertical"])
def test_regenerate_keeps_each_shots_model_and_pictures_fill_the_frame(storyloom, runtime, tmp_path, preset):
    """Import a directed plan, then the panel's Regenerate Changed Shots (a build from the scene's plan)."""
    plan_io = importlib.import_module(storyloom.__name__ + ".addon.core.plan")
    bpy.ops.wm.read_homefile(use_empty=True)
    runtime.media_folder = str(tmp_path / "media") + os.sep
    plan = painted_plan(storyloom, "tiny-sd-fast")
    plan["film"]["preset"] = preset
    bpy.ops.storyloom.import_plan(filepath=str(plan_io.save(plan, tmp_path / "plan.json")))
    output = tmp_path / "painted.mp4"
    assert bpy.ops.storyloom.build_film(from_scene_plan=True, output=str(output)) == {"FINISHED"}
    report = json.loads(output.with_suffix(".report.json").read_text())
    assert [shot["made_with"] for shot in report["shots"]] == ["tiny-sd-fast", "previz"]
    assert any("sh020 is staged previz" in w and "'sdxl' has no weights" in w for w in report["warnings"])
    with av.open(str(output)) as container:
        size = (container.streams.video[0].width, container.streams.video[0].height)
    assert size == ((1920, 1080) if preset == "youtube" else (1080, 1920))
    [card] = (tmp_path / "media").rglob("cards/sh010-*.png")
    image = bpy.data.images.load(str(card))
    assert max(image.size) == 512 and tuple(image.size) != size  # the model's own size...
    assert_no_black_border(output, 5.0)  # ...fills the delivered frame


def test_the_interactive_build_renders_in_a_second_blender_between_ticks(storyloom, runtime_python, tmp_path):
    """The modal operator's tick logic, driven by hand: the render step hands control back many times."""
    film = importlib.import_module(storyloom.__name__ + ".addon.blender.film")
    film_run = importlib.import_module(storyloom.__name__ + ".addon.blender.film_run")
    bpy.ops.wm.read_homefile(use_empty=True)
    use_runtime(runtime_python, tmp_path / "media")
    output = tmp_path / "ticks.mp4"
    request = film.FilmRequest(brief="A calm 5 second film. Slow light over the hills.", output=output)
    build = film_run.start_build(bpy.context.scene, request)
    build.request.render_in_background = True  # what the operator sets when a window is open
    stages = [stage for stage, _ in build.steps()]
    assert stages.count("render") > 3, stages
    assert stages[-1] == "done"
    with av.open(str(output)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
    assert frames == json.loads(output.with_suffix(".report.json").read_text())["frames"] > 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no copy, no partial file


def test_cancel_during_the_background_render_leaves_no_file(storyloom, runtime_python, tmp_path):
    film = importlib.import_module(storyloom.__name__ + ".addon.blender.film")
    film_run = importlib.import_module(storyloom.__name__ + ".addon.blender.film_run")
    bpy.ops.wm.read_homefile(use_empty=True)
    use_runtime(runtime_python, tmp_path / "media")
    output = tmp_path / "cancelled.mp4"
    request = film.FilmRequest(brief="A calm 5 second film. Slow light over the hills.", output=output)
    build = film_run.start_build(bpy.context.scene, request)
    build.request.render_in_background = True
    steps = build.steps()
    for stage, _ in steps:
        if stage == "render":
            build.cancel()  # Esc
    assert build.cancelled
    assert list(tmp_path.iterdir()) == [tmp_path / "media"]  # no film, no copy, no partial file


def test_a_style_the_voice_cannot_do_is_refused_before_anything_is_written(storyloom, runtime, tmp_path):
    """Mara's voice in the table is a (tiny) VITS model: it has no style input, so 'calm' is refused."""
    plan_io = importlib.import_module(storyloom.__name__ + ".addon.core.plan")
    bpy.ops.wm.read_homefile(use_empty=True)
    runtime.media_folder = str(tmp_path / "media") + os.sep
    plan = dialogue_plan(storyloom)
    plan["characters"][0]["style"] = "calm"
    bpy.ops.storyloom.import_plan(filepath=str(plan_io.save(plan, tmp_path / "plan.json")))
    bpy.ops.storyloom.voice_add(name="Mara")
    bpy.context.scene.storyloom_voices["Mara"].model = "tiny-vits"
    with pytest.raises(RuntimeError, match="Voice 'tiny-vits' \\(vits\\) has no style input"):
        bpy.ops.storyloom.build_film(from_scene_plan=True, output=str(tmp_path / "film.mp4"))
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["plan.json"]  # no film, no media
