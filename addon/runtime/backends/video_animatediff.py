"""AnimateDiff: an SD 1.5 checkpoint plus a motion adapter (text to video)."""

from pathlib import Path

from ...core.models import ModelSpec, hub_cache_dir
from ...core.video import VideoParams
from . import prompt_kwargs

PIPELINE_CLASS = "AnimateDiffPipeline"
IMAGE_PIPELINE_CLASS = None


def extra_components(spec: ModelSpec, placement, models_folder: Path, allow_online: bool) -> dict:
    """The motion adapter named by the spec (an absolute folder or a hub id), if it names one."""
    adapter = spec.defaults.get("motion_adapter")
    if not adapter:
        return {}  # a saved AnimateDiff pipeline folder carries its own
    from diffusers import MotionAdapter

    from ...core.models import ModelError, check_safe_weights

    if Path(adapter).is_absolute():
        check_safe_weights(Path(adapter))
    try:
        motion_adapter = MotionAdapter.from_pretrained(
            str(adapter),
            dtype=placement.torch_dtype(),
            use_safetensors=True,
            local_files_only=not allow_online,
            cache_dir=str(hub_cache_dir(models_folder)),
        )
    except OSError:
        raise ModelError(
            f"The motion adapter {adapter} that '{spec.id}' needs is not on this machine: "
            + ("download it with Storyloom > Download Model." if allow_online else "online access is off.")
        ) from None
    return {"motion_adapter": motion_adapter}


def call_kwargs(params: VideoParams, defaults: dict, fps: float) -> dict:
    return prompt_kwargs(params)
