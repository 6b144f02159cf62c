"""Stable Diffusion 1.x/2.x (UNet, CLIP text encoder)."""

from ...core.validation import ImageParams

PIPELINE_CLASS = "StableDiffusionPipeline"


def call_kwargs(params: ImageParams) -> dict:
    return {
        "prompt": params.prompt,
        "negative_prompt": params.negative_prompt or None,
        "width": params.width,
        "height": params.height,
        "num_inference_steps": params.steps,
        "guidance_scale": params.guidance,
    }
