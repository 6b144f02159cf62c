"""Stable Diffusion XL, SDXL-Turbo and fine-tunes (UNet, two CLIP text encoders)."""

from ...core.validation import ImageParams
from .stable_diffusion import call_kwargs as sd_call_kwargs

PIPELINE_CLASS = "StableDiffusionXLPipeline"
IMG2IMG_CLASS = "StableDiffusionXLImg2ImgPipeline"
INPAINT_CLASS = "StableDiffusionXLInpaintPipeline"
CONTROLNET_CLASS = "StableDiffusionXLControlNetPipeline"
SEAMLESS = True


def call_kwargs(params: ImageParams) -> dict:
    # Same arguments as SD 1.x; SDXL-Turbo is distilled for guidance 0 (its spec's default).
    return sd_call_kwargs(params)
