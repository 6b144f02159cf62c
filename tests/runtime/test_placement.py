"""Placement in the runtime itself: dtypes as loaded and as kept, and the record a job carries.

The dtype mechanics are what a CUDA placement asks for (float16 with SDXL's VAE kept in
float32; bfloat16 for other families); the CPU runs both, so they are checked here on tiny
random-weight models through the real loading and generation code.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from addon.core import protocol
from addon.core.models import ModelSpec
from addon.core.validation import check_edit_params, check_image_params
from addon.runtime.backends import JobContext
from addon.runtime.backends import text_to_image as images
from addon.runtime.devices import Placement
from addon.runtime.worker import Worker

REPO = Path(__file__).resolve().parents[2]
PARAMS = {"prompt": "a red door", "negative_prompt": "", "seed": 5, "width": 64, "height": 64, "steps": 2}


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("placement-models")
    for kind in ("sd", "sdxl"):
        subprocess.run(
            [sys.executable, str(REPO / "tests/tools/tiny_models.py"), kind, str(folder / f"tiny-{kind}")],
            check=True,
            capture_output=True,
        )
    return folder


def spec_of(models: Path, kind: str) -> ModelSpec:
    family = {"sd": "stable-diffusion", "sdxl": "sdxl"}[kind]
    return ModelSpec(
        id=f"tiny-{kind}", task="text-to-image", family=family, source=str(models / f"tiny-{kind}")
    )


def count_vae_casts(vae) -> list:
    """Log every dtype cast of ``vae`` (diffusers' per-decode upcast is ``vae.to(dtype=...)``)."""
    casts = []
    to = vae.to

    def logged_to(*args, **kwargs):
        if "dtype" in kwargs or any(isinstance(arg, torch.dtype) for arg in args):
            casts.append((args, kwargs))
        return to(*args, **kwargs)

    vae.to = logged_to
    return casts


def generate(pipe, spec: ModelSpec, output: Path, **edit) -> np.ndarray:
    context = JobContext(job_id="p", emit=lambda *a, **k: None)
    edit = check_edit_params(**edit)
    params = check_image_params(**{**PARAMS, "guidance": 5.0})
    images.generate(images.pipeline_for_mode(pipe, spec, edit), spec, params, edit, output, context)
    return np.asarray(Image.open(output), dtype=np.float32)


def test_sdxl_vae_kept_in_float32_is_never_cast_per_decode(models, tmp_path):
    spec = spec_of(models, "sdxl")
    # The control: diffusers' own way with a float16 SDXL VAE casts it up and back on a decode.
    stock = images.load_pipeline(spec, Placement("cpu", "float16", "speed"), models, False)
    stock_casts = count_vae_casts(stock.vae)
    generate(stock, spec, tmp_path / "stock.png")
    assert len(stock_casts) == 2 and stock.vae.dtype == torch.float16

    kept = images.load_pipeline(
        spec, Placement("cpu", "float16", "speed", vae_dtype_name="float32"), models, False
    )
    assert (kept.unet.dtype, kept.vae.dtype) == (torch.float16, torch.float32)
    casts = count_vae_casts(kept.vae)
    first = generate(kept, spec, tmp_path / "kept.png")
    generate(kept, spec, tmp_path / "again.png")
    assert casts == []
    assert np.isfinite(first).all() and first.std() > 1  # a picture, not NaN black
    # The float32 VAE decodes what the upcast one decodes, up to float16 rounding of the latents.
    assert np.abs(first - np.asarray(Image.open(tmp_path / "stock.png"), dtype=np.float32)).max() <= 4

    # img2img and inpaint (derived pipelines, same modules) keep both dtypes, and still never cast.
    source = tmp_path / "source.png"
    Image.fromarray(np.uint8(first)).save(source)
    derived = generate(kept, spec, tmp_path / "img2img.png", mode="image", source=str(source), strength=0.6)
    assert (kept.unet.dtype, kept.vae.dtype) == (torch.float16, torch.float32)
    assert np.isfinite(derived).all() and derived.std() > 1
    pipe = images.pipeline_for_mode(kept, spec, check_edit_params(mode="image", source=str(source)))
    casts_before = len(casts)
    pipe(prompt="x", image=Image.open(source), strength=0.6, num_inference_steps=2, output_type="np")
    assert len(casts) == casts_before  # no cast inside the encode or the decode
    # Deriving put the VAE back without loss: the same job makes the same picture as before.
    assert np.array_equal(generate(kept, spec, tmp_path / "after.png"), first)


def test_a_derived_pipeline_keeps_the_cached_pipelines_dtype(models, tmp_path):
    spec = spec_of(models, "sd")
    pipe = images.load_pipeline(spec, Placement("cpu", "bfloat16", "speed"), models, False)
    source = tmp_path / "source.png"
    Image.fromarray(np.full((64, 64, 3), 120, np.uint8)).save(source)
    picture = generate(pipe, spec, tmp_path / "img2img.png", mode="image", source=str(source), strength=0.5)
    # diffusers' from_pipe alone would have cast the shared UNet, VAE and text encoder to float32.
    assert {pipe.unet.dtype, pipe.vae.dtype, pipe.text_encoder.dtype} == {torch.bfloat16}
    assert picture.std() > 0


def test_a_job_records_its_placement_and_a_warm_model_keeps_it(models, tmp_path, caplog):
    out = io.StringIO()
    worker = Worker(out, memory_budget_bytes=2**40)
    job = {
        "task": "text-to-image",
        "spec": spec_of(models, "sd").to_dict(),
        "params": {**PARAMS, "guidance": 5.0},
        "models_folder": str(models),
        "device": "cpu",
    }
    for job_id in ("a", "b"):
        worker.handle(
            protocol.decode(protocol.encode("submit", job_id, **job, output=str(tmp_path / f"{job_id}.png")))
        )
    worker.handle(protocol.decode(protocol.encode("shutdown")))
    with caplog.at_level(logging.INFO, logger="storyloom.worker"):
        worker.run()
    done = {
        event["job_id"]: event["data"]
        for event in map(json.loads, out.getvalue().splitlines())
        if event["kind"] == "done"
    }
    first, second = done["a"]["placement"], done["b"]["placement"]
    assert first == second
    assert first["device"] == "cpu" and first["dtype"] == first["vae_dtype"] == "float32"
    assert first["memory_mode"] == "auto"  # the default when a job names none
    assert (first["offload"], first["vae_tiling"], first["attention_slicing"]) == ("none", False, False)
    assert "float32 on the CPU" in first["reason"] and "auto: whole model in RAM" in first["reason"]
    assert done["b"]["cache_hit"] is True
    logged = [r.getMessage() for r in caplog.records if r.getMessage().startswith("placement of tiny-sd")]
    assert logged == [
        f"placement of tiny-sd: {first['reason']}",
        f"placement of tiny-sd (warm): {first['reason']}",
    ]
