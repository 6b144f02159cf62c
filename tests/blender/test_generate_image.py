"""Text -> image -> texture through the installed add-on and a real worker with a tiny SD."""

from __future__ import annotations

import importlib
import os
import signal
import threading
import time

import bpy
import pytest

TINY = {"model": "tiny-sd", "width": 64, "height": 48, "steps": 3, "guidance": 5.0}


@pytest.fixture
def saved_scene(storyloom, prefs, tmp_path):
    """A saved .blend with a cube selected; media in //storyloom/ beside it."""
    bpy.ops.wm.read_homefile(use_empty=True)
    bpy.ops.mesh.primitive_cube_add()
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "scene.blend"))
    prefs.media_folder = "//storyloom/"
    return tmp_path


def generated_pixels(image) -> list[float]:
    return list(image.pixels[:])


def tracker_module(storyloom):
    return importlib.import_module(storyloom.__name__ + ".addon.runtime.tracker")


def image_job(storyloom, worker_session, steps: int, output, seed: int = 1) -> str:
    """Submit a text-to-image job straight through the session's client (as the operator does)."""
    models = importlib.import_module(storyloom.__name__ + ".addon.core.models")
    project = importlib.import_module(storyloom.__name__ + ".addon.blender.project")
    spec = models.get_spec(models.load_registry(project.models_folder()), "tiny-sd")
    params = {
        "prompt": "a lighthouse at dusk",
        "negative_prompt": "",
        "seed": seed,
        "width": 64,
        "height": 64,
        "steps": steps,
        "guidance": 5.0,
    }
    client = worker_session.get_client()
    return client.submit(
        {
            "task": "text-to-image",
            "spec": spec.to_dict(),
            "params": params,
            "output": str(output),
            "models_folder": str(project.models_folder()),
            "allow_online": False,
            "device": "cpu",
            "memory_mode": "balanced",
        }
    )


def test_generate_image_lands_a_texture_with_a_relative_path(storyloom, runtime, saved_scene):
    cube = bpy.context.active_object
    result = bpy.ops.storyloom.generate_image(prompt="a red fox in the snow", seed=7, **TINY)
    assert result == {"FINISHED"}
    [image] = [i for i in bpy.data.images if i.filepath.startswith("//storyloom/images/")]
    assert tuple(image.size) == (64, 48)
    assert (saved_scene / image.filepath[2:]).is_file()
    material = cube.active_material
    texture = next(n for n in material.node_tree.nodes if n.bl_idname == "ShaderNodeTexImage")
    assert texture.image == image
    base_color = next(n for n in material.node_tree.nodes if n.bl_idname == "ShaderNodeBsdfPrincipled")
    assert base_color.inputs["Base Color"].links[0].from_node == texture
    # Nothing half-written is left beside it.
    assert [p.name for p in (saved_scene / "storyloom/images").iterdir() if p.name.startswith(".")] == []


def test_same_seed_same_pixels_other_seed_other_pixels(storyloom, runtime, saved_scene):
    bpy.ops.storyloom.generate_image(prompt="a red fox", seed=11, use_as="IMAGE", **TINY)
    first = generated_pixels(bpy.data.images[-1])
    for image in list(bpy.data.images):
        bpy.data.images.remove(image)
    bpy.ops.storyloom.generate_image(prompt="a red fox", seed=11, use_as="IMAGE", **TINY)
    assert generated_pixels(bpy.data.images[-1]) == first
    bpy.ops.storyloom.generate_image(prompt="a red fox", seed=12, use_as="IMAGE", **TINY)
    assert generated_pixels(bpy.data.images[-1]) != first


def test_events_arrive_in_order_and_the_model_stays_warm(storyloom, runtime, worker_session, tmp_path):
    tracker = tracker_module(storyloom)
    client = worker_session.get_client()
    first = tracker.JobTracker(client, image_job(storyloom, worker_session, 4, tmp_path / "a.png")).wait(120)
    assert first.status == "done", first.message
    before = client.stats()
    second = tracker.JobTracker(client, image_job(storyloom, worker_session, 4, tmp_path / "b.png")).wait(120)
    after = client.stats()
    assert second.events == [
        "queued",
        "started",
        "progress",
        "progress",
        "progress",
        "progress",
        "artifact",
        "done",
    ]
    assert (second.step, second.total) == (4, 4)
    assert second.result["cache_hit"] is True
    assert after["loads"] == before["loads"] and after["hits"] == before["hits"] + 1
    assert second.artifacts == [str(tmp_path / "b.png")]


def test_cancel_stops_within_a_step_lands_nothing_and_the_worker_goes_on(
    storyloom, runtime, worker_session, tmp_path
):
    tracker = tracker_module(storyloom)
    client = worker_session.get_client()
    output = tmp_path / "cancelled.png"
    job = tracker.JobTracker(client, image_job(storyloom, worker_session, 400, output))
    while job.state.step < 2 and not job.state.finished:  # driven tick by tick, as the modal timer does
        job.tick()
        time.sleep(0.01)
    step_at_cancel = job.state.step
    job.cancel()
    state = job.wait(60)
    assert state.status == "cancelled"
    # The worker names the step it was on when the cancel arrived: it is at or past what the
    # tracker had seen, and the job went at most one step further.
    assert state.result["at_step"] >= step_at_cancel
    assert state.step <= state.result["at_step"] + 1
    assert state.artifacts == [] and not output.exists()
    assert list(tmp_path.iterdir()) == []
    again = tracker.JobTracker(client, image_job(storyloom, worker_session, 2, tmp_path / "ok.png")).wait(120)
    assert again.status == "done" and (tmp_path / "ok.png").is_file()


def test_worker_killed_mid_job_fails_the_operator_and_the_next_job_works(
    storyloom, runtime, worker_session, saved_scene
):
    client = worker_session.get_client()
    client.start()
    killed_pid = client.pid

    def kill_when_running():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            stats = client.stats()
            if stats["running"] and stats["running_step"] >= 2:
                os.kill(killed_pid, signal.SIGKILL)
                return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_when_running)
    killer.start()
    with pytest.raises(RuntimeError, match="killed by signal 9.*Blender is fine"):
        bpy.ops.storyloom.generate_image(prompt="a storm", **{**TINY, "steps": 400})
    killer.join()
    assert not any(p.name.endswith(".png") for p in (saved_scene / "storyloom/images").glob("*"))
    assert bpy.ops.storyloom.generate_image(prompt="after the storm", **TINY) == {"FINISHED"}
    assert worker_session.get_client().pid != killed_pid


def test_pickle_only_model_is_refused(storyloom, runtime, saved_scene):
    with pytest.raises(RuntimeError, match="only pickle weights .*safetensors only"):
        bpy.ops.storyloom.generate_image(prompt="x", **{**TINY, "model": "tiny-sd-pickle"})
    assert not (saved_scene / "storyloom/images").exists() or not any(
        (saved_scene / "storyloom/images").iterdir()
    )


def test_unknown_or_missing_models_fail_fast_with_one_clear_message(storyloom, runtime, saved_scene):
    with pytest.raises(RuntimeError, match="Unknown model 'no-such-model'. Known models: .*sd15"):
        bpy.ops.storyloom.generate_image(prompt="x", **{**TINY, "model": "no-such-model"})
    started = time.monotonic()
    with pytest.raises(
        RuntimeError,
        match=r"Model 'sdxl-turbo' \(stabilityai/sdxl-turbo\) was not found in .*"
        r"Online access is off",
    ):
        bpy.ops.storyloom.generate_image(prompt="x", **{**TINY, "model": "sdxl-turbo"})
    assert time.monotonic() - started < 20  # no hub retries (they take ~25 s)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"prompt": "   "}, "prompt is empty"),
        ({"width": 0}, "width must be positive"),
        ({"height": -64}, "height must be positive"),
        ({"width": 100}, "multiple of 8, got 100 \\(try 96 or 104\\)"),
        ({"width": 100_000}, "too large: at most 4096"),
        ({"steps": 0}, "number of steps must be between 1 and 500"),
        ({"seed": -1}, "seed must be between 0 and"),
        ({"guidance": -1.0}, "guidance scale must be a number between 0 and 50"),
    ],
)
def test_bad_input_is_refused_before_any_model_is_touched(
    storyloom, runtime, worker_session, saved_scene, overrides, message
):
    client = worker_session.get_client()
    starts, alive = client.starts, client.alive
    jobs = client.stats()["jobs_finished"] if alive else None
    with pytest.raises(RuntimeError, match=message):
        bpy.ops.storyloom.generate_image(**{**TINY, "prompt": "a fox", **overrides})
    assert client.starts == starts
    if alive:
        assert client.stats()["jobs_finished"] == jobs


def test_download_is_refused_while_online_access_is_off(storyloom, runtime):
    assert bpy.app.online_access is False
    with pytest.raises(RuntimeError, match="online access is off"):
        bpy.ops.storyloom.download_model(model="sdxl-turbo")


def test_unload_models_is_a_tracked_worker_job_that_frees_every_model(
    storyloom, runtime, worker_session, tmp_path, capfd
):
    tracker = tracker_module(storyloom)
    job_base = importlib.import_module(storyloom.__name__ + ".operators.job_base")
    # The same path as the model operators: a job the timer follows, never a wait on the main thread.
    operator = bpy.types.STORYLOOM_OT_unload_models
    assert issubclass(operator, job_base.JobOperatorMixin) and "UNDO" not in operator.bl_options
    client = worker_session.get_client()
    loaded = tracker.JobTracker(client, image_job(storyloom, worker_session, 2, tmp_path / "a.png")).wait(120)
    warm = client.stats()["loaded"]  # this model, and any an earlier test left warm
    assert loaded.status == "done" and len(warm) >= 1
    pid, unloads = client.pid, client.stats()["unloads"]
    capfd.readouterr()
    assert bpy.ops.storyloom.unload_models() == {"FINISHED"}
    assert f"Unloaded {len(warm)} model(s)" in capfd.readouterr().out
    stats = client.stats()
    assert stats["loaded"] == [] and stats["unloads"] == unloads + len(warm)
    assert client.pid == pid and client.alive  # the models went, the worker stayed
    assert bpy.ops.storyloom.unload_models() == {"FINISHED"}
    assert "Unloaded 0 model(s)" in capfd.readouterr().out
    worker_session.shutdown()
    assert bpy.ops.storyloom.unload_models() == {"CANCELLED"}
    assert "No model worker is running" in capfd.readouterr().out
