"""Stable Diffusion XL, SDXL-Turbo and fine-tunes (UNet, two CLIP text encoders)."""

from ...core.validation import ImageParams
from .stable_diffusion import call_kwargs as sd_call_kwargs

PIPELINE_CLASS = "StableDiffusionXLPipeline"


def call_kwargs(params: ImageParams) -> dict:
    # Same arguments as SD 1.x; SDXL-Turbo is distilled for guidance 0 (its spec's default).
    return sd_call_kwargs(params)
