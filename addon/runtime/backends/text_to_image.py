"""Images with a diffusers pipeline: load (safely), generate, write a PNG atomically.

One loaded pipeline serves every mode: text to image, img2img, inpaint and ControlNet-guided
(depth) generation are derived from it with ``from_pipe``, which shares the weights. The family
modules (stable_diffusion, sdxl, sd3, flux) name the pipeline classes and how to call them;
everything they share lives here.
"""

from __future__ import annotations

import inspect
import logging
from pathlib import Path
from types import ModuleType

from ...core.atomic import write_atomic
from ...core.models import (
    TASK_INPAINT,
    ModelSpec,
)
from ...core.validation import BadInput, EditParams, ImageParams
from ..devices import Placement
from . import JobCancelled, JobContext, cancellable, loading, step_callback
from .image_inputs import keep_unmasked, load_mask, load_rgb
from .seamless import circular_padding

log = logging.getLogger("storyloom.worker")

FAMILY_MODULES = {
    "stable-diffusion": "stable_diffusion",
    "sdxl": "sdxl",
    "sd3": "sd3",
    "flux": "flux",
}


def family_module(family: str) -> ModuleType:
    return loading.family_module(__package__, FAMILY_MODULES, family, "text-to-image")


def load_pipeline(spec: ModelSpec, placement: Placement, models_folder: Path, allow_online: bool):
    family = family_module(spec.family)
    # An inpainting checkpoint's UNet takes the mask as extra input channels: load it as such.
    class_name = family.INPAINT_CLASS if spec.task == TASK_INPAINT else family.PIPELINE_CLASS
    extra = (
        family.extra_components(spec, placement, models_folder, allow_online)
        if hasattr(family, "extra_components")
        else {}
    )
    return loading.load_diffusers_pipeline(class_name, spec, placement, models_folder, allow_online, **extra)


def load_controlnet(spec: ModelSpec, placement: Placement, models_folder: Path, allow_online: bool):
    from diffusers import ControlNetModel

    source, options = loading.weights_source(spec, models_folder, allow_online)
    controlnet = ControlNetModel.from_pretrained(
        source, dtype=placement.torch_dtype(), use_safetensors=True, **options
    )
    log.info("loaded ControlNet %s on %s", spec.id, placement.key)
    return controlnet.to(placement.device)


MODE_CLASS_ATTRIBUTE = {"image": "IMG2IMG_CLASS", "inpaint": "INPAINT_CLASS", "depth": "CONTROLNET_CLASS"}
MODE_NAMES = {"image": "image to image", "inpaint": "inpainting", "depth": "depth-guided (ControlNet)"}


def check_mode_supported(spec: ModelSpec, edit: EditParams) -> None:
    """Refuse, before any weights load, what this model family cannot do."""
    family = family_module(spec.family)
    if edit.seamless and not family.SEAMLESS:
        raise BadInput(
            f"Seamless textures need a UNet model (SD 1.x or SDXL): '{spec.id}' is a {spec.family} "
            "transformer whose convolutions are only in the VAE, so its pictures cannot wrap."
        )
    if edit.mode != "text" and getattr(family, MODE_CLASS_ATTRIBUTE[edit.mode]) is None:
        raise BadInput(f"Model '{spec.id}' ({spec.family}) cannot do {MODE_NAMES[edit.mode]} in Storyloom.")
    if spec.task == TASK_INPAINT and edit.mode != "inpaint":
        raise BadInput(f"Model '{spec.id}' is an inpainting model: use it with a mask (mode Inpaint).")


def pipeline_for_mode(pipe, spec: ModelSpec, edit: EditParams, controlnet=None):
    """The cached pipeline, or one derived from it that shares its weights."""
    if edit.mode == "text" or (edit.mode == "inpaint" and spec.task == TASK_INPAINT):
        return pipe
    family = family_module(spec.family)
    class_name = getattr(family, MODE_CLASS_ATTRIBUTE[edit.mode])
    extra = {"controlnet": controlnet} if edit.mode == "depth" else {}
    return loading.derive_pipeline(class_name, pipe, **extra)


def mode_kwargs(edit: EditParams, size: tuple[int, int]) -> dict:
    """The pictures and strengths each mode adds to the family's text-to-image arguments."""
    if edit.mode == "image":
        return {"image": load_rgb(edit.source, size), "strength": edit.strength}
    if edit.mode == "inpaint":
        return {
            "image": load_rgb(edit.source, size),
            "mask_image": load_mask(edit.mask, edit.source, size),
            "strength": edit.strength,
        }
    if edit.mode == "depth":
        return {
            "image": load_rgb(edit.control, size, what="depth map"),
            "controlnet_conditioning_scale": edit.control_scale,
        }
    return {}


def accepted_kwargs(pipe, kwargs: dict) -> dict:
    """Drop what this pipeline's ``__call__`` does not take (e.g. width for SD img2img)."""
    parameters = inspect.signature(pipe.__call__).parameters
    return {name: value for name, value in kwargs.items() if name in parameters}


def generate(
    pipe, spec: ModelSpec, params: ImageParams, edit: EditParams, output: Path, ctx: JobContext
) -> Path:
    import torch

    family = family_module(spec.family)
    # A CPU generator gives the same noise on every device, so a seed means the same picture.
    generator = torch.Generator("cpu").manual_seed(params.seed)

    size = (params.width, params.height)
    inputs = mode_kwargs(edit, size)
    kwargs = accepted_kwargs(pipe, {**family.call_kwargs(params), **inputs})
    # A cancel raises out of the step callback: the remaining steps and the VAE decode never run.
    with cancellable(pipe), circular_padding(pipe, edit.seamless):
        result = pipe(
            **kwargs,
            generator=generator,
            callback_on_step_end=step_callback(ctx, params.steps),
            output_type="pil",
        )
    if ctx.cancelled.is_set():  # arrived during the decode: the picture is not landed
        raise JobCancelled
    image = result.images[0]
    if edit.mode == "inpaint":
        image = keep_unmasked(image, inputs["image"], inputs["mask_image"])
    write_atomic(output, lambda temp: image.save(temp, format="PNG"))
    ctx.artifact(output, width=image.width, height=image.height)
    return output
