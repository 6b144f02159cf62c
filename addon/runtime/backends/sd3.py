"""Stable Diffusion 3 / 3.5 (MMDiT transformer, CLIP x2 + T5 text encoders)."""

from ...core.validation import ImageParams
from .stable_diffusion import call_kwargs as sd_call_kwargs

PIPELINE_CLASS = "StableDiffusion3Pipeline"


def call_kwargs(params: ImageParams) -> dict:
    return sd_call_kwargs(params)
