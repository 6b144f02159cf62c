"""Cancel within one step: the worker stops at the end of the step the cancel arrives in.

Each test drives a real Worker (tiny random-weight models, the real loading and pipeline code).
Its output stream delivers a cancel the moment the job's first progress event is written, as the
reader thread would. The cached pipeline's ``vae.decode`` is wrapped to log its calls into the
same ordered record as the worker's events, so "no decode ran" is read off that record.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from addon.core import protocol
from addon.core.models import load_registry
from addon.runtime.worker import Worker

REPO = Path(__file__).resolve().parents[2]

VIDEO_SPECS = {
    "ltx": 'family = "ltx-video"\n[defaults]\nframe_step = 8\nframe_offset = 1\nmax_frames = 9\n'
    "size_multiple = 32\nfps = 24\nimage_input = true\n",
    "wan": 'family = "wan"\n[defaults]\nframe_step = 4\nframe_offset = 1\nmax_frames = 9\n'
    "size_multiple = 16\nfps = 16\n",
    "cogvideox": 'family = "cogvideox"\n[defaults]\nframe_step = 8\nframe_offset = 1\nmax_frames = 9\n'
    "size_multiple = 16\nfps = 8\nmax_sequence_length = 16\n",
    "svd": 'family = "svd"\ntask = "image-to-video"\n[defaults]\nmax_frames = 4\nsize_multiple = 8\nfps = 7\n'
    "image_input = true\ndecode_chunk_size = 4\n",
    "animatediff": 'family = "animatediff"\n[defaults]\nframe_step = 1\nframe_offset = 0\nmax_frames = 16\n'
    "size_multiple = 8\nfps = 8\n",
}


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cancel-models")
    tools = REPO / "tests/tools"
    subprocess.run(
        [sys.executable, str(tools / "tiny_models.py"), "sd", str(folder / "tiny-sd")],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [sys.executable, str(tools / "tiny_video_models.py"), str(folder), *VIDEO_SPECS],
        check=True,
        capture_output=True,
    )
    for family, table in VIDEO_SPECS.items():
        (folder / f"tiny-{family}-video.toml").write_text(
            f'id = "tiny-{family}-video"\nsource = "tiny-{family}"\n{table}'
        )
    return folder


class Record:
    """The worker's output stream: keeps every event in order and cancels chosen jobs on their
    first progress event (a cancel request through ``Worker.handle``, as stdin would bring it)."""

    def __init__(self) -> None:
        self.worker: Worker | None = None
        self.entries: list[tuple[str, str]] = []  # (job id or "vae", event kind or "decode")
        self.cancel_on_first_step: set[str] = set()

    def write(self, line: str) -> None:
        event = json.loads(line)
        self.entries.append((event["job_id"], event["kind"]))
        if event["kind"] == "progress" and event["job_id"] in self.cancel_on_first_step:
            self.cancel_on_first_step.discard(event["job_id"])
            self.worker.handle(protocol.decode(protocol.encode("cancel", event["job_id"])))

    def flush(self) -> None:
        pass

    def of(self, job_id: str) -> list[str]:
        """The events of one job, with every VAE decode that ran between its start and its end."""
        start = self.entries.index((job_id, "started"))
        end = next(
            i
            for i in range(start, len(self.entries))
            if self.entries[i][0] == job_id and self.entries[i][1] in ("done", "failed", "cancelled")
        )
        return [kind for who, kind in self.entries[start : end + 1] if who in (job_id, "vae")]


def make_worker() -> tuple[Worker, Record]:
    record = Record()
    worker = Worker(record, memory_budget_bytes=2**40)
    record.worker = worker
    return worker, record


def run_jobs(worker: Worker, jobs: dict[str, dict]) -> None:
    for job_id, job in jobs.items():
        worker.handle(protocol.decode(protocol.encode("submit", job_id, **job)))
    worker.handle(protocol.decode(protocol.encode("shutdown")))
    worker.run()


def count_decodes(worker: Worker, record: Record) -> None:
    """Wrap the cached pipeline's ``vae.decode`` so every call is logged in the record."""
    (key,) = worker.cache.keys
    pipe = worker.cache.get(key, lambda: pytest.fail("the model was not cached"), time.perf_counter)
    decode = pipe.vae.decode

    def logged_decode(*args, **kwargs):
        record.entries.append(("vae", "decode"))
        return decode(*args, **kwargs)

    pipe.vae.decode = logged_decode


def image_job(models: Path, output: Path, size: int, steps: int) -> dict:
    return {
        "task": "text-to-image",
        "spec": {
            "id": "tiny-sd",
            "task": "text-to-image",
            "family": "stable-diffusion",
            "source": str(models / "tiny-sd"),
        },
        "params": {
            "prompt": "a lighthouse",
            "negative_prompt": "",
            "seed": 3,
            "width": size,
            "height": size,
            "steps": steps,
            "guidance": 5.0,
        },
        "output": str(output),
        "models_folder": str(models),
        "device": "cpu",
        "memory_mode": "speed",
    }


def test_a_cancelled_image_job_skips_the_decode_and_the_next_job_is_unchanged(models, tmp_path):
    worker, record = make_worker()
    small = image_job(models, tmp_path / "before.png", size=64, steps=3)
    run_jobs(worker, {"before": small})
    count_decodes(worker, record)

    # A large picture (the tiny VAE upsamples 2x: 512 px is a 256x256 latent) and many steps.
    record.cancel_on_first_step.add("big")
    run_jobs(
        worker,
        {
            "big": image_job(models, tmp_path / "big.png", size=512, steps=40),
            "after": {**small, "output": str(tmp_path / "after.png")},
        },
    )
    assert record.of("big") == ["started", "progress", "cancelled"]  # one step, no decode
    assert record.of("after") == ["started", "progress", "progress", "progress", "decode", "artifact", "done"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["after.png", "before.png"]
    # The cached pipeline is as it was: the same job makes the same picture as before the cancel.
    assert np.array_equal(
        np.asarray(Image.open(tmp_path / "before.png")), np.asarray(Image.open(tmp_path / "after.png"))
    )
    assert worker.stats()["loads"] == 1 and worker.stats()["running"] == ""


def video_job(models: Path, model: str, output: Path, frames: int, steps: int, image: str) -> dict:
    spec = load_registry(models)[model]
    size = 16 if spec.family in ("wan", "cogvideox") else 32
    return {
        "task": "video",
        "spec": spec.to_dict(),
        "params": {
            "prompt": "" if spec.family == "svd" else "a kite over the dunes",
            "negative_prompt": "",
            "seed": 1,
            "width": size,
            "height": size,
            "frames": frames,
            "steps": steps,
            "guidance": 3.0,
        },
        "image": image if spec.family == "svd" else "",
        "output_dir": str(output),
        "models_folder": str(models),
        "device": "cpu",
        "memory_mode": "speed",
    }


@pytest.mark.parametrize("family", list(VIDEO_SPECS))
def test_a_cancelled_video_job_skips_the_decode_and_the_next_job_is_unchanged(models, tmp_path, family):
    # SVD reads no interrupt flag at all: only a raise stops it before its decode.
    model = f"tiny-{family}-video"
    key = tmp_path / "key.png"
    Image.fromarray(np.tile(np.linspace(0, 255, 32, dtype=np.uint8), (32, 1))).convert("RGB").save(key)
    frames = 4 if family == "svd" else 9
    out = tmp_path / "shots"
    out.mkdir()
    worker, record = make_worker()
    small = video_job(models, model, out / "before", frames, steps=2, image=str(key))
    run_jobs(worker, {"before": small})
    count_decodes(worker, record)

    record.cancel_on_first_step.add("long")
    run_jobs(
        worker,
        {
            "long": video_job(models, model, out / "long", frames, steps=30, image=str(key)),
            "after": {**small, "output_dir": str(out / "after")},
        },
    )
    assert record.of("long") == ["started", "progress", "cancelled"]  # one step, no decode
    after = record.of("after")
    assert after[-2:] == ["artifact", "done"] and after.count("progress") == 2
    assert after.count("decode") >= 1  # the wrapper sees the decodes a finished job runs
    assert sorted(path.name for path in out.iterdir()) == ["after", "before"]  # no temp folder left
    before_frames = sorted((out / "before").iterdir())
    assert [path.name for path in sorted((out / "after").iterdir())] == [p.name for p in before_frames]
    for path in before_frames:
        assert np.array_equal(np.asarray(Image.open(path)), np.asarray(Image.open(out / "after" / path.name)))
