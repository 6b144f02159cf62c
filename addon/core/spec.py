"""What a model is, as data: the spec every registry entry and backend works from."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

TASK_TEXT_TO_IMAGE = "text-to-image"
TASK_INPAINT = "inpaint"  # an image model fine-tuned to fill masked areas (extra UNet inputs)
TASK_CONTROLNET = "controlnet"  # a conditioning model that steers an image model (depth, ...)
TASK_UPSCALE = "upscale"
TASK_TEXT_TO_VIDEO = "text-to-video"
TASK_IMAGE_TO_VIDEO = "image-to-video"  # needs a first frame (SVD, Wan I2V, CogVideoX I2V)
TASK_SPEECH = "text-to-speech"
TASK_MUSIC = "text-to-music"
TASK_AUDIO = "text-to-audio"
TASK_PLANNER = (
    "planner"  # a chat LLM that writes plan drafts  # sound effects and music alike (Stable Audio Open)
)
IMAGE_TASKS = frozenset({TASK_TEXT_TO_IMAGE, TASK_INPAINT})
VIDEO_TASKS = frozenset({TASK_TEXT_TO_VIDEO, TASK_IMAGE_TO_VIDEO})


@dataclass(frozen=True)
class ModelSpec:
    id: str
    task: str
    family: str
    source: str  # a hub id ("org/name") or an absolute local folder
    defaults: dict = field(default_factory=dict)
    memory_gb: float = 0.0  # rough peak need at the default size in half precision
    license: str = ""
    origin: str = "built-in"  # or the spec file / folder it came from

    @property
    def is_local(self) -> bool:
        return Path(self.source).is_absolute()

    def to_dict(self) -> dict:
        return asdict(self)
