"""Stable Diffusion 1.x/2.x (UNet, CLIP text encoder)."""

from ...core.validation import ImageParams

PIPELINE_CLASS = "StableDiffusionPipeline"
IMG2IMG_CLASS = "StableDiffusionImg2ImgPipeline"
INPAINT_CLASS = "StableDiffusionInpaintPipeline"
CONTROLNET_CLASS = "StableDiffusionControlNetPipeline"
SEAMLESS = True  # a UNet and a VAE, both all convolutions: circular padding makes them wrap


def call_kwargs(params: ImageParams) -> dict:
    return {
        "prompt": params.prompt,
        "negative_prompt": params.negative_prompt or None,
        "width": params.width,
        "height": params.height,
        "num_inference_steps": params.steps,
        "guidance_scale": params.guidance,
    }
