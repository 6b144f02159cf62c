"""LTX-Video (Lightricks): one transformer for text to video and image to video."""

from ...core.video import VideoParams
from . import prompt_kwargs

PIPELINE_CLASS = "LTXPipeline"
IMAGE_PIPELINE_CLASS = "LTXImageToVideoPipeline"


def call_kwargs(params: VideoParams, defaults: dict, fps: float) -> dict:
    return {
        **prompt_kwargs(params),
        "frame_rate": round(fps),  # LTX conditions on the frame rate it should move at
        "max_sequence_length": int(defaults.get("max_sequence_length", 128)),
    }
