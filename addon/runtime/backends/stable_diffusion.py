"""Stable Diffusion 1.x/2.x (UNet, CLIP text encoder)."""

from ...core.validation import ImageParams
from . import prompt_kwargs

PIPELINE_CLASS = "StableDiffusionPipeline"
IMG2IMG_CLASS = "StableDiffusionImg2ImgPipeline"
INPAINT_CLASS = "StableDiffusionInpaintPipeline"
CONTROLNET_CLASS = "StableDiffusionControlNetPipeline"
SEAMLESS = True  # a UNet and a VAE, both all convolutions: circular padding makes them wrap


def call_kwargs(params: ImageParams) -> dict:
    return prompt_kwargs(params)
