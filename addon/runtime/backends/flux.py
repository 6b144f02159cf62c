"""FLUX.1 (rectified-flow transformer, CLIP + T5 text encoders)."""

import logging

from ...core.validation import ImageParams

PIPELINE_CLASS = "FluxPipeline"
IMG2IMG_CLASS = "FluxImg2ImgPipeline"
INPAINT_CLASS = "FluxInpaintPipeline"
CONTROLNET_CLASS = None
SEAMLESS = False  # see sd3.py

log = logging.getLogger("storyloom.worker")


def call_kwargs(params: ImageParams) -> dict:
    if params.negative_prompt:
        # schnell is guidance-distilled: a negative prompt would need true CFG (twice the cost).
        log.warning("FLUX ignores the negative prompt")
    return {
        "prompt": params.prompt,
        "width": params.width,
        "height": params.height,
        "num_inference_steps": params.steps,
        "guidance_scale": params.guidance,
        "max_sequence_length": 256,
    }
