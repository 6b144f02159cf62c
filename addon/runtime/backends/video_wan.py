"""Wan 2.1 / 2.2 (Alibaba): T2V checkpoints, I2V checkpoints, and TI2V that does both."""

from ...core.video import VideoParams
from . import prompt_kwargs

PIPELINE_CLASS = "WanPipeline"
IMAGE_PIPELINE_CLASS = "WanImageToVideoPipeline"


def call_kwargs(params: VideoParams, defaults: dict, fps: float) -> dict:
    return {
        **prompt_kwargs(params),
        "max_sequence_length": int(defaults.get("max_sequence_length", 512)),
    }
