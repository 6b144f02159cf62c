"""The worker's image modes on a tiny random-weight SD: seamless, img2img, inpaint, depth, maps."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from addon.core.validation import BadInput
from addon.runtime.backends import JobCancelled, JobContext
from addon.runtime.worker import Worker
from tests.tools.image_metrics import seam_error

REPO = Path(__file__).resolve().parents[2]
PARAMS = {"prompt": "mossy bricks", "negative_prompt": "", "seed": 3, "width": 64, "height": 64, "steps": 3}


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    subprocess.run(
        [
            sys.executable,
            str(REPO / "tests/tools/tiny_models.py"),
            "sd",
            str(folder / "tiny-sd"),
            "--controlnet-out",
            str(folder / "tiny-controlnet"),
        ],
        check=True,
        capture_output=True,
    )
    return folder


@pytest.fixture(scope="module")
def worker() -> Worker:
    return Worker(open("/dev/null", "w"), memory_budget_bytes=2**40)


def run(worker: Worker, models: Path, output: Path, edit: dict | None = None, **params) -> tuple[dict, list]:
    events = []
    context = JobContext(job_id="j", emit=lambda kind, job_id, **data: events.append((kind, data)))
    job = {
        "task": "text-to-image",
        "spec": {
            "id": "tiny",
            "task": "text-to-image",
            "family": "stable-diffusion",
            "source": str(models / "tiny-sd"),
        },
        "controlnet": {
            "id": "tiny-cn",
            "task": "controlnet",
            "family": "controlnet",
            "source": str(models / "tiny-controlnet"),
            "defaults": {"base_family": "stable-diffusion"},
        },
        "params": {**PARAMS, "guidance": 5.0, **params},
        "edit": edit or {},
        "output": str(output),
        "models_folder": str(models),
        "device": "cpu",
        "memory_mode": "balanced",
    }
    return worker.run_task(job, context), events


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


def source_picture(path: Path, size: tuple[int, int] = (64, 64)) -> Path:
    gradient = np.linspace(0, 255, size[0], dtype=np.float32)
    rgb = np.stack(
        [np.tile(gradient, (size[1], 1)), np.full(size[::-1], 90.0), np.tile(gradient[::-1], (size[1], 1))],
        -1,
    )
    Image.fromarray(rgb.astype(np.uint8), "RGB").save(path)
    return path


def test_seamless_texture_wraps_where_the_plain_one_has_a_seam(worker, models, tmp_path):
    errors = {}
    for seamless in (False, True):
        result, _ = run(worker, models, tmp_path / f"{seamless}.png", {"seamless": seamless})
        errors[seamless] = seam_error(pixels(Path(result["output"])))
    print(f"seam error: plain {errors[False]:.3f}, seamless {errors[True]:.3f}")
    assert errors[True] < 0.15
    assert errors[True] < errors[False] / 3
    # The shared pipeline is back to zero padding afterwards.
    pipe = worker.cache._entries[next(iter(worker.cache.keys))].model
    assert {layer.padding_mode for layer in pipe.unet.modules() if hasattr(layer, "padding_mode")} == {
        "zeros"
    }


def test_img2img_strength_zero_is_the_source_and_same_seed_repeats(worker, models, tmp_path):
    source = source_picture(tmp_path / "source.png")
    result, _ = run(
        worker, models, tmp_path / "zero.png", {"mode": "image", "source": str(source), "strength": 0.0}
    )
    assert not result["model_ran"]
    assert np.array_equal(pixels(tmp_path / "zero.png"), pixels(source))
    first, _ = run(
        worker, models, tmp_path / "a.png", {"mode": "image", "source": str(source), "strength": 0.6}
    )
    run(worker, models, tmp_path / "b.png", {"mode": "image", "source": str(source), "strength": 0.6})
    assert first["model_ran"] and np.array_equal(pixels(tmp_path / "a.png"), pixels(tmp_path / "b.png"))
    assert not np.array_equal(pixels(tmp_path / "a.png"), pixels(source))


def test_inpaint_changes_only_the_masked_area(worker, models, tmp_path):
    source = source_picture(tmp_path / "source.png")
    mask = np.zeros((64, 64), np.uint8)
    mask[16:48, 20:44] = 255
    Image.fromarray(mask, "L").save(tmp_path / "mask.png")
    edit = {"mode": "inpaint", "source": str(source), "mask": str(tmp_path / "mask.png"), "strength": 1.0}
    run(worker, models, tmp_path / "out.png", edit)
    before, after = pixels(source), pixels(tmp_path / "out.png")
    outside = mask == 0
    assert np.abs(after[outside] - before[outside]).max() <= 1
    assert np.abs(after[~outside] - before[~outside]).mean() > 10


def test_inpaint_mask_of_another_size_is_refused(worker, models, tmp_path):
    source = source_picture(tmp_path / "source.png")
    Image.new("L", (32, 32), 255).save(tmp_path / "mask.png")
    edit = {"mode": "inpaint", "source": str(source), "mask": str(tmp_path / "mask.png")}
    with pytest.raises(BadInput, match="mask is 32x32 but the source image is 64x64"):
        run(worker, models, tmp_path / "out.png", edit)
    assert not (tmp_path / "out.png").exists()


def test_depth_controlnet_runs_and_records_its_conditioning(worker, models, tmp_path):
    depth = np.zeros((64, 64), np.uint8)
    depth[:, 32:] = 220
    Image.fromarray(depth, "L").save(tmp_path / "depth.png")
    result, events = run(
        worker, models, tmp_path / "out.png", {"mode": "depth", "control": str(tmp_path / "depth.png")}
    )
    assert result["control"] == str(tmp_path / "depth.png")
    assert [kind for kind, _ in events].count("progress") == 3
    assert Image.open(tmp_path / "out.png").size == (64, 64)
    assert any(key.startswith("controlnet:") for key in worker.cache.keys)


def test_material_maps_are_written_beside_the_texture(worker, models, tmp_path):
    _, events = run(worker, models, tmp_path / "tex.png", {"seamless": True, "maps": True})
    normal, roughness = pixels(tmp_path / "tex-normal.png"), pixels(tmp_path / "tex-roughness.png")
    assert normal.shape == (64, 64, 3) and roughness.shape == (64, 64, 3)
    assert normal[..., 2].min() >= 128  # every normal points out of the surface
    assert 0.35 * 255 - 1 <= roughness.min() and roughness.max() <= 0.95 * 255 + 1
    assert sorted(data.get("role", "color") for kind, data in events if kind == "artifact") == [
        "color",
        "normal",
        "roughness",
    ]


def test_flat_picture_has_a_flat_normal_map(tmp_path):
    from addon.runtime.backends.material_maps import write_maps

    Image.new("RGB", (16, 16), (120, 130, 140)).save(tmp_path / "flat.png")
    maps = write_maps(tmp_path / "flat.png", wrap=False)
    assert np.unique(pixels(maps["normal"]).reshape(-1, 3), axis=0).tolist() == [[128, 128, 255]]


@pytest.mark.parametrize(
    ("family", "edit", "message"),
    [
        ("flux", {"seamless": True}, "Seamless textures need a UNet model"),
        ("sd3", {"mode": "depth", "control": "/x.png"}, "cannot do depth-guided"),
    ],
)
def test_unsupported_modes_are_refused_before_loading(worker, tmp_path, family, edit, message):
    events = []
    context = JobContext(job_id="j", emit=lambda *a, **k: events.append(a), cancelled=threading.Event())
    job = {
        "task": "text-to-image",
        "spec": {"id": "big", "task": "text-to-image", "family": family, "source": "org/not-here"},
        "params": {**PARAMS, "guidance": 1.0},
        "edit": edit,
        "output": str(tmp_path / "x.png"),
        "models_folder": str(tmp_path),
    }
    loads = worker.cache.stats.loads
    with pytest.raises(BadInput, match=message):
        worker.run_task(job, context)
    assert worker.cache.stats.loads == loads


def test_restyled_sequence_lands_whole_or_not_at_all(worker, models, tmp_path):
    sources = [str(source_picture(tmp_path / f"render_{i}.png")) for i in range(3)]
    events = []
    context = JobContext(job_id="seq", emit=lambda kind, job_id, **data: events.append((kind, data)))
    job = {
        "task": "image-sequence",
        "spec": {
            "id": "tiny",
            "task": "text-to-image",
            "family": "stable-diffusion",
            "source": str(models / "tiny-sd"),
        },
        "params": {**PARAMS, "guidance": 5.0},
        "edit": {"strength": 0.5},
        "sources": sources,
        "output_dir": str(tmp_path / "restyled"),
        "models_folder": str(models),
        "device": "cpu",
    }
    result = worker.run_task(job, context)
    assert result["frames"] == ["frame_0001.png", "frame_0002.png", "frame_0003.png"]
    steps = [(data["step"], data["total"]) for kind, data in events if kind == "progress"]
    # Strength 0.5 of 3 steps runs 1 step per frame: progress counts over the whole sequence.
    assert steps == [(step, 3) for step in range(1, 4)]
    # Cancel during the second frame: no output folder, no temp folder.
    events.clear()

    def cancel_in_frame_two(kind, job_id, **data):
        events.append((kind, data))
        if kind == "progress" and data["step"] > data["total"] // 3:
            context.cancelled.set()

    context = JobContext(job_id="seq2", emit=cancel_in_frame_two)
    with pytest.raises(JobCancelled):
        worker.run_task({**job, "output_dir": str(tmp_path / "cancelled")}, context)
    assert not (tmp_path / "cancelled").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
