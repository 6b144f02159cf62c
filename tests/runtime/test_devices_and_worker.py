"""Worker-side pieces in the runtime Python itself (torch, diffusers), without Blender."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from addon.core import protocol
from addon.runtime.devices import apply_memory_options, available_devices, choose_placement, weights_bytes
from addon.runtime.worker import Worker

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny_sd(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("models") / "tiny-sd"
    subprocess.run(
        [sys.executable, str(REPO / "tests/tools/tiny_models.py"), "sd", str(folder)],
        check=True,
        capture_output=True,
    )
    return folder


def test_cpu_placement_is_float32_and_offload_is_guarded(tiny_sd):
    from diffusers import StableDiffusionPipeline

    assert available_devices()[-1] == "cpu"
    placement = choose_placement("auto", "low", "stable-diffusion")
    if placement.device != "cpu":
        pytest.skip("this machine has an accelerator")
    assert placement.dtype_name == "float32"
    assert choose_placement("cuda", "balanced", "flux").device == "cpu"  # asked, not there: cpu
    pipe = StableDiffusionPipeline.from_pretrained(str(tiny_sd), use_safetensors=True, local_files_only=True)
    applied = apply_memory_options(pipe, placement)
    assert applied == ["offload skipped: no accelerator", "VAE tiling", "attention slicing"]
    assert pipe.vae.use_tiling
    assert weights_bytes(pipe) == sum(
        p.numel() * p.element_size() for m in (pipe.unet, pipe.vae, pipe.text_encoder) for p in m.parameters()
    ) + sum(
        b.numel() * b.element_size() for m in (pipe.unet, pipe.vae, pipe.text_encoder) for b in m.buffers()
    )


def test_unknown_memory_mode():
    with pytest.raises(ValueError, match="Unknown memory mode 'huge'"):
        choose_placement("auto", "huge", "sdxl")


def test_worker_runs_queued_jobs_in_order_and_cancels_a_queued_one(tiny_sd, tmp_path):
    out = io.StringIO()
    worker = Worker(out, memory_budget_bytes=2**40)
    spec = {"id": "tiny", "task": "text-to-image", "family": "stable-diffusion", "source": str(tiny_sd)}
    params = {
        "prompt": "x",
        "negative_prompt": "",
        "seed": 0,
        "width": 32,
        "height": 32,
        "steps": 2,
        "guidance": 1.0,
    }

    def submit(job_id: str, **extra) -> None:
        job = {
            "task": "text-to-image",
            "spec": spec,
            "params": params,
            "output": str(tmp_path / f"{job_id}.png"),
            "models_folder": str(tmp_path),
            "device": "cpu",
            "memory_mode": "speed",
            **extra,
        }
        worker.handle(protocol.decode(protocol.encode("submit", job_id, **job)))

    submit("a")
    submit("b")
    worker.handle(protocol.decode(protocol.encode("cancel", "b")))
    submit("c", params={**params, "width": 30})  # refused by validation inside the worker too
    worker.handle(protocol.decode(protocol.encode("shutdown")))
    worker.run()
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    by_job = {job: [e["kind"] for e in events if e["job_id"] == job] for job in "abc"}
    assert by_job["a"] == ["queued", "started", "progress", "progress", "artifact", "done"]
    assert by_job["b"] == ["queued", "cancelled"]
    assert by_job["c"] == ["queued", "started", "failed"]
    failed = next(e for e in events if e["job_id"] == "c" and e["kind"] == "failed")
    assert failed["data"]["error_kind"] == "bad_input" and "multiple of 8" in failed["data"]["message"]
    assert (tmp_path / "a.png").is_file() and not (tmp_path / "b.png").exists()
