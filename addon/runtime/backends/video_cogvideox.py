"""CogVideoX (Zhipu/THUDM): 2b and 5b text to video, 5b-I2V image to video."""

from ...core.video import VideoParams
from . import prompt_kwargs

PIPELINE_CLASS = "CogVideoXPipeline"
IMAGE_PIPELINE_CLASS = "CogVideoXImageToVideoPipeline"


def call_kwargs(params: VideoParams, defaults: dict, fps: float) -> dict:
    return {
        **prompt_kwargs(params),
        # The transformer's text length is fixed by its training (226 tokens for the releases).
        "max_sequence_length": int(defaults.get("max_sequence_length", 226)),
    }
