"""Stable Diffusion 3 / 3.5 (MMDiT transformer, CLIP x2 + T5 text encoders)."""

from ...core.validation import ImageParams
from .stable_diffusion import call_kwargs as sd_call_kwargs

PIPELINE_CLASS = "StableDiffusion3Pipeline"
IMG2IMG_CLASS = "StableDiffusion3Img2ImgPipeline"
INPAINT_CLASS = "StableDiffusion3InpaintPipeline"
CONTROLNET_CLASS = None  # Storyloom ships depth ControlNet specs for SD 1.5 and SDXL only
# A transformer: convolutions only in the VAE, so padding cannot make the picture wrap.
SEAMLESS = False


def call_kwargs(params: ImageParams) -> dict:
    return sd_call_kwargs(params)
