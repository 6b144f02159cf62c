"""The worker's video families on tiny random-weight models: frames, chunks, cancel, records."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from addon.core.models import load_registry
from addon.core.validation import BadInput
from addon.runtime.backends import JobCancelled, JobContext
from addon.runtime.worker import Worker

REPO = Path(__file__).resolve().parents[2]

# Tiny specs: the same rules as the real models, small windows and sizes.
TINY_SPECS = {
    "ltx": 'family = "ltx-video"\n[defaults]\nframe_step = 8\nframe_offset = 1\nmax_frames = 9\n'
    "size_multiple = 32\nfps = 24\nimage_input = true\n",
    "wan": 'family = "wan"\n[defaults]\nframe_step = 4\nframe_offset = 1\nmax_frames = 9\n'
    "size_multiple = 16\nfps = 16\n",
    "cogvideox": 'family = "cogvideox"\n[defaults]\nframe_step = 8\nframe_offset = 1\nmax_frames = 9\n'
    "size_multiple = 16\nfps = 8\nmax_sequence_length = 16\n",
    "svd": 'family = "svd"\ntask = "image-to-video"\n[defaults]\nmax_frames = 4\nsize_multiple = 8\nfps = 7\n'
    "image_input = true\ndecode_chunk_size = 4\n",
}


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("video-models")
    subprocess.run(
        [sys.executable, str(REPO / "tests/tools/tiny_video_models.py"), str(folder), *TINY_SPECS],
        check=True,
        capture_output=True,
    )
    for family, table in TINY_SPECS.items():
        (folder / f"tiny-{family}-video.toml").write_text(
            f'id = "tiny-{family}-video"\nsource = "tiny-{family}"\n{table}'
        )
    return folder


@pytest.fixture(scope="module")
def worker() -> Worker:
    return Worker(open("/dev/null", "w"), memory_budget_bytes=2**40)


def video_job(models: Path, model: str, output: Path, image: str = "", **params) -> dict:
    spec = load_registry(models)[model]
    size = 32 if spec.family in ("ltx-video", "svd") else 16
    return {
        "task": "video",
        "spec": spec.to_dict(),
        "params": {
            "prompt": "a kite over the dunes",
            "negative_prompt": "",
            "seed": 1,
            "width": size,
            "height": size,
            "frames": 9,
            "steps": 2,
            "guidance": 3.0,
            **params,
        },
        "image": image,
        "output_dir": str(output),
        "models_folder": str(models),
        "device": "cpu",
    }


def run(worker, job, cancel_at_step: int | None = None):
    events = []

    def emit(kind, job_id, **data):
        events.append((kind, data))
        if cancel_at_step is not None and kind == "progress" and data["step"] >= cancel_at_step:
            context.cancelled.set()

    context = JobContext(job_id="v", emit=emit)
    return worker.run_task(job, context), events


def frames_of(folder: Path) -> np.ndarray:
    return np.stack([np.asarray(Image.open(path)) for path in sorted(folder.glob("frame_*.png"))])


def first_frame(path: Path, size: int = 32) -> Path:
    ramp = np.linspace(0, 255, size, dtype=np.float32)
    Image.fromarray(np.stack([np.tile(ramp, (size, 1))] * 3, -1).astype(np.uint8)).save(path)
    return path


@pytest.mark.parametrize(
    ("model", "frames"), [("tiny-ltx-video", 9), ("tiny-wan-video", 9), ("tiny-cogvideox-video", 9)]
)
def test_text_to_video_families_make_the_frames_asked_for_repeatably(worker, models, tmp_path, model, frames):
    result, events = run(worker, video_job(models, model, tmp_path / "a", frames=frames))
    run(worker, video_job(models, model, tmp_path / "b", frames=frames))
    assert result["frames"] == [f"frame_{i:04d}.png" for i in range(1, frames + 1)]
    first, second = frames_of(tmp_path / "a"), frames_of(tmp_path / "b")
    assert first.shape[0] == frames and np.array_equal(first, second)
    assert [kind for kind, _ in events].count("progress") == 2
    assert result["chunks"] == [{"chunk": 0, "frames": frames, "image": ""}]


def test_svd_animates_the_given_image_and_records_it(worker, models, tmp_path):
    image = first_frame(tmp_path / "key.png")
    result, _ = run(
        worker, video_job(models, "tiny-svd-video", tmp_path / "out", image=str(image), frames=4, prompt="")
    )
    assert frames_of(tmp_path / "out").shape == (4, 32, 32, 3)
    assert result["chunks"][0]["image"] == str(image)
    with pytest.raises(BadInput, match="animates a picture: give it a first frame"):
        run(worker, video_job(models, "tiny-svd-video", tmp_path / "none", frames=4, prompt=""))


def test_long_shot_is_made_in_chunks_that_continue_from_the_last_frame(worker, models, tmp_path):
    result, events = run(worker, video_job(models, "tiny-ltx-video", tmp_path / "long", frames=20))
    frames = frames_of(tmp_path / "long")
    assert frames.shape[0] == 20
    # Windows of 9: 9 new frames, then 8 new ones per continuation: three chunks for 20 frames.
    assert [chunk["frames"] for chunk in result["chunks"]] == [9, 9, 9]
    assert [chunk["image"] for chunk in result["chunks"]] == ["", "frame_0009.png", "frame_0017.png"]
    totals = {data["total"] for kind, data in events if kind == "progress"}
    assert totals == {6}  # 3 chunks x 2 steps, counted over the whole shot


def test_cancel_mid_chunk_leaves_no_frames(worker, models, tmp_path):
    job = video_job(models, "tiny-ltx-video", tmp_path / "cancelled", frames=20)
    with pytest.raises(JobCancelled):
        run(worker, job, cancel_at_step=3)  # inside the second chunk
    assert list(tmp_path.iterdir()) == []


def test_exr_frames_are_half_float_linear(worker, models, tmp_path):
    import OpenEXR

    run(worker, video_job(models, "tiny-wan-video", tmp_path / "exr", frames=5, output_format="EXR"))
    paths = sorted((tmp_path / "exr").glob("frame_*.exr"))
    assert len(paths) == 5
    with OpenEXR.File(str(paths[0])) as exr:
        pixels = exr.channels()["RGB"].pixels
    assert pixels.dtype == np.float16 and pixels.shape == (16, 16, 3)


def test_frames_written_on_the_pool_each_land_whole_in_their_own_file(tmp_path):
    from addon.runtime.backends.video import PNG_COMPRESS_LEVEL, write_frames

    y, x = np.mgrid[0:96, 0:128] / 96.0  # gradients and a little noise, like real footage
    noise = np.random.default_rng(1).normal(0, 0.02, (9, 96, 128, 3))
    frames = np.clip(np.dstack([x, y, x * y])[None] + noise, 0, 1).astype(np.float32)
    paths = [tmp_path / f"frame_{i:04d}.png" for i in range(len(frames))]
    write_frames(frames, paths, "PNG")
    for pixels, path in zip(frames, paths, strict=True):
        assert np.array_equal(np.asarray(Image.open(path)), np.round(pixels * 255).astype(np.uint8))
    # Blender's default PNG setting (zlib level 1): larger than PIL's default level 6, far faster.
    level_6 = tmp_path / "level6.png"
    Image.fromarray(np.round(frames[0] * 255).astype(np.uint8)).save(level_6, compress_level=6)
    assert PNG_COMPRESS_LEVEL == 1 and paths[0].stat().st_size > level_6.stat().st_size
    # One frame that cannot be written fails the whole write.
    with pytest.raises(FileNotFoundError):
        write_frames(
            frames[:3], [tmp_path / "a.png", tmp_path / "missing" / "b.png", tmp_path / "c.png"], "PNG"
        )


@pytest.mark.parametrize(
    ("model", "params", "message"),
    [
        ("tiny-ltx-video", {"frames": 6}, r"takes 8k\+1 frames .*valid near it: 1, 9"),
        ("tiny-ltx-video", {"width": 40}, "multiple of 32, got 40 .try 32 or 64"),
        ("tiny-wan-video", {"frames": 13}, "cannot be made in chunks"),
    ],
)
def test_impossible_shots_are_refused_before_loading(worker, models, tmp_path, model, params, message):
    loads = worker.cache.stats.loads
    with pytest.raises(BadInput, match=message):
        run(worker, video_job(models, model, tmp_path / "x", **params))
    assert worker.cache.stats.loads == loads and not (tmp_path / "x").exists()
