"""Text to image with a diffusers pipeline: load (safely), generate, write a PNG atomically.

The family modules (stable_diffusion, sdxl, sd3, flux) say which pipeline class to load and
how to call it; everything they share lives here.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from types import ModuleType

from ...core.atomic import write_atomic
from ...core.models import ModelError, ModelSpec, check_safe_weights, hub_cache_dir, missing_model_message
from ...core.validation import ImageParams
from ..devices import Placement, apply_memory_options
from . import JobCancelled, JobContext

log = logging.getLogger("storyloom.worker")

FAMILY_MODULES = {
    "stable-diffusion": "stable_diffusion",
    "sdxl": "sdxl",
    "sd3": "sd3",
    "flux": "flux",
}


def family_module(family: str) -> ModuleType:
    try:
        return importlib.import_module(f"{__package__}.{FAMILY_MODULES[family]}")
    except KeyError:
        raise ModelError(f"No text-to-image backend for family '{family}'.", kind="bad_input") from None


def local_weights_folder(spec: ModelSpec, models_folder: Path, allow_online: bool) -> Path | None:
    """The folder the weights load from, checked to exist and to hold safetensors.

    For a hub model that is not cached yet and online access is allowed, returns None: the
    load itself downloads it (safetensors only).
    """
    if spec.is_local:
        folder = Path(spec.source)
        if not folder.is_dir():
            raise ModelError(missing_model_message(spec, models_folder, allow_online))
        check_safe_weights(folder)
        return folder
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        folder = Path(
            snapshot_download(spec.source, cache_dir=hub_cache_dir(models_folder), local_files_only=True)
        )
    except (LocalEntryNotFoundError, FileNotFoundError, OSError):
        if allow_online:
            return None
        raise ModelError(missing_model_message(spec, models_folder, allow_online)) from None
    check_safe_weights(folder)
    return folder


def load_pipeline(spec: ModelSpec, placement: Placement, models_folder: Path, allow_online: bool):
    family = family_module(spec.family)
    folder = local_weights_folder(spec, models_folder, allow_online)
    pipeline_class = getattr(importlib.import_module("diffusers"), family.PIPELINE_CLASS)
    pipe = pipeline_class.from_pretrained(
        str(folder) if folder is not None else spec.source,
        dtype=placement.torch_dtype(),
        use_safetensors=True,  # never unpickle weights
        local_files_only=not allow_online,
        cache_dir=str(hub_cache_dir(models_folder)),
    )
    applied = apply_memory_options(pipe, placement)
    pipe.set_progress_bar_config(disable=True)
    log.info("loaded %s on %s (%s)", spec.id, placement.key, ", ".join(applied) or "no memory options")
    return pipe


def generate(pipe, spec: ModelSpec, params: ImageParams, output: Path, ctx: JobContext) -> Path:
    import torch

    family = family_module(spec.family)
    # A CPU generator gives the same noise on every device, so a seed means the same picture.
    generator = torch.Generator("cpu").manual_seed(params.seed)

    def on_step_end(pipeline, step: int, timestep, callback_kwargs: dict) -> dict:
        total = getattr(pipeline, "_num_timesteps", None) or params.steps
        ctx.progress(step + 1, total)
        if ctx.cancelled.is_set():
            pipeline._interrupt = True  # diffusers stops denoising after this step
        return callback_kwargs

    result = pipe(
        **family.call_kwargs(params),
        generator=generator,
        callback_on_step_end=on_step_end,
        output_type="pil",
    )
    if ctx.cancelled.is_set():
        raise JobCancelled
    image = result.images[0]
    write_atomic(output, lambda temp: image.save(temp, format="PNG"))
    ctx.artifact(output, width=image.width, height=image.height)
    return output
