"""LTX-Video (Lightricks): one transformer for text to video and image to video."""

from ...core.video import VideoParams

PIPELINE_CLASS = "LTXPipeline"
IMAGE_PIPELINE_CLASS = "LTXImageToVideoPipeline"


def call_kwargs(params: VideoParams, defaults: dict, fps: float) -> dict:
    return {
        "prompt": params.prompt,
        "negative_prompt": params.negative_prompt or None,
        "width": params.width,
        "height": params.height,
        "num_inference_steps": params.steps,
        "guidance_scale": params.guidance,
        "frame_rate": round(fps),  # LTX conditions on the frame rate it should move at
        "max_sequence_length": int(defaults.get("max_sequence_length", 128)),
    }
