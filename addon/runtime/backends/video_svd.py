"""Stable Video Diffusion: animates one image (no prompt)."""

import logging

from ...core.video import VideoParams

PIPELINE_CLASS = "StableVideoDiffusionPipeline"
IMAGE_PIPELINE_CLASS = "StableVideoDiffusionPipeline"
NEEDS_IMAGE = True

log = logging.getLogger("storyloom.worker")


def call_kwargs(params: VideoParams, defaults: dict, fps: float) -> dict:
    if params.prompt:
        log.info("Stable Video Diffusion takes no prompt: the image alone sets the shot")
    return {
        "width": params.width,
        "height": params.height,
        "num_inference_steps": params.steps,
        # SVD ramps guidance across frames from min to max.
        "min_guidance_scale": 1.0,
        "max_guidance_scale": params.guidance,
        "fps": max(1, round(fps) - 1),  # SVD is conditioned on fps - 1 (as in its reference code)
        "motion_bucket_id": int(defaults.get("motion_bucket_id", 127)),
        "decode_chunk_size": int(defaults.get("decode_chunk_size", 8)),
    }
