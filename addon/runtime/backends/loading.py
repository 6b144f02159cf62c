"""How every backend finds and loads weights: one place for the safety rules.

Weights come from a local folder or the hub cache inside the models folder, are checked to be
safetensors before anything loads, are loaded with ``use_safetensors=True`` and never with
remote code, and are fetched from the hub only when online access is on.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from types import ModuleType

from ...core.models import ModelError, ModelSpec, check_safe_weights, hub_cache_dir, missing_model_message
from ..devices import Placement, apply_memory_options

log = logging.getLogger("storyloom.worker")


def family_module(package: str, modules: dict[str, str], family: str, what: str) -> ModuleType:
    """The backend module for ``family`` from a family -> module table, or a clear refusal."""
    try:
        return importlib.import_module(f"{package}.{modules[family]}")
    except KeyError:
        raise ModelError(f"No {what} backend for family '{family}'.", kind="bad_input") from None


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


def weights_source(spec: ModelSpec, models_folder: Path, allow_online: bool) -> tuple[str, dict]:
    """(what to pass to ``from_pretrained``, the options every load uses)."""
    folder = local_weights_folder(spec, models_folder, allow_online)
    options = {
        "local_files_only": not allow_online,
        "cache_dir": str(hub_cache_dir(models_folder)),
    }
    return (str(folder) if folder is not None else spec.source), options


def load_diffusers_pipeline(
    class_name: str, spec: ModelSpec, placement: Placement, models_folder: Path, allow_online: bool, **extra
):
    """A diffusers pipeline on its device with its memory options, progress bars off."""
    pipeline_class = getattr(importlib.import_module("diffusers"), class_name)
    source, options = weights_source(spec, models_folder, allow_online)
    pipe = pipeline_class.from_pretrained(
        source, dtype=placement.torch_dtype(), use_safetensors=True, **options, **extra
    )
    if placement.vae_dtype_name and placement.vae_dtype_name != placement.dtype_name and "vae" not in extra:
        keep_vae_in(pipe, placement.vae_dtype_name)
    applied = apply_memory_options(pipe, placement)
    pipe.set_progress_bar_config(disable=True)
    log.info("loaded %s on %s (%s)", spec.id, placement.key, ", ".join(applied) or "no memory options")
    return pipe


def _cast_inputs(module, args):
    """Forward pre-hook: floating-point tensor inputs in the module's own dtype."""
    import torch

    dtype = next(module.parameters()).dtype
    return tuple(
        arg.to(dtype) if isinstance(arg, torch.Tensor) and arg.is_floating_point() else arg for arg in args
    )


def keep_vae_in(pipe, dtype_name: str) -> None:
    """Keep the pipeline's VAE in ``dtype_name`` (float32 for SDXL) for good.

    diffusers decodes an SDXL VAE flagged ``force_upcast`` by casting it to float32 and back
    around every decode (and every img2img encode). Kept in float32, with the flag off, the
    VAE needs no cast: its entry layers take the pipeline's half-precision latents and images
    in float32 instead. The weights are the checkpoint's at the pipeline's precision, upcast
    once, so a pipeline derived from this one (which casts shared modules) loses nothing.
    """
    import torch

    vae = pipe.vae
    vae.to(dtype=getattr(torch, dtype_name))
    vae.register_to_config(force_upcast=False)
    for name in ("encoder", "decoder", "post_quant_conv", "quant_conv"):
        module = getattr(vae, name, None)
        if module is not None:
            module.register_forward_pre_hook(_cast_inputs)


def derive_pipeline(class_name: str, pipe, **extra):
    """``class_name.from_pipe(pipe)`` (same weights), with every shared module's dtype kept.

    ``from_pipe`` casts all modules of the new pipeline, which are the cached pipeline's own,
    to the dtype it is given, float32 when none is: a half-precision pipeline would turn to
    float32 in place on its first derived job. Given the denoiser's dtype it casts nothing, and
    a module kept in another dtype (SDXL's float32 VAE) is put back.
    """
    import torch

    modules = {name: m for name, m in pipe.components.items() if isinstance(m, torch.nn.Module)}
    dtypes = {
        name: next(m.parameters()).dtype for name, m in modules.items() if any(True for _ in m.parameters())
    }
    denoiser = next((dtypes[name] for name in ("transformer", "unet") if name in dtypes), None)
    pipeline_class = getattr(importlib.import_module("diffusers"), class_name)
    derived = pipeline_class.from_pipe(pipe, dtype=denoiser or pipe.dtype, **extra)
    for name, dtype in dtypes.items():
        module = getattr(derived, name, None)
        if module is modules[name] and next(module.parameters()).dtype != dtype:
            module.to(dtype=dtype)
    derived.set_progress_bar_config(disable=True)
    return derived
