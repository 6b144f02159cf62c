"""The worker jobs a film build asks for, shot by shot, and where their results live.

Which model makes a shot: a plan written by an LLM director names a path and a model per shot
(video, image or previz); a rule-based plan has none, and the build's own image/video model
(or previz cards) applies to every shot. Each job's output is named by the job itself
(``<shot>-<key>``), so a shot whose prompt, seed, model or line did not change finds its media
from an earlier build and is not made again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core.keys import artifact_key
from ..core.models import IMAGE_TASKS, TASK_TEXT_TO_IMAGE, TASK_TEXT_TO_VIDEO, ModelSpec, weights_present
from ..core.plan import shot_seed
from ..core.validation import MAX_PROMPT_CHARS, check_image_params
from ..core.video import VideoRules, check_video_params, retime


@dataclass(frozen=True)
class Runtime:
    """Where and how the worker runs a build's model jobs."""

    models_folder: Path | None
    allow_online: bool = False
    device: str = "auto"
    memory_mode: str = "balanced"

    def fields(self) -> dict:
        return {
            "models_folder": str(self.models_folder),
            "allow_online": self.allow_online,
            "device": self.device,
            "memory_mode": self.memory_mode,
        }


def shot_models(
    shot: dict,
    image_model: ModelSpec | None,
    video_model: ModelSpec | None,
    registry: dict[str, ModelSpec],
    models_folder: Path | None,
) -> tuple[ModelSpec | None, ModelSpec | None]:
    """(image model, video model) for one shot; (None, None) means a previz card."""
    if "path" not in shot:  # a rule-based plan: the build's own choices for every shot
        return image_model, video_model
    spec = registry.get(shot.get("model", ""))
    if spec is None or models_folder is None or not weights_present(spec, models_folder):
        return None, None
    if shot["path"] == "image" and spec.task in IMAGE_TASKS:
        return spec, None
    if shot["path"] == "video" and spec.task == TASK_TEXT_TO_VIDEO:
        return None, spec
    return None, None


def picture_job(plan: dict, index: int, spec: ModelSpec | None, runtime: Runtime) -> dict:
    """A storyboard card (no model) or a diffusion picture at the model's size, film's aspect."""
    film, style, shot = plan["film"], plan["style"], plan["shots"][index]
    if spec is None:
        return {
            "task": "previz-image",
            "width": film["width"],
            "height": film["height"],
            "palette": style["palette"],
            "number": index + 1,
            "title": film["title"],
            # What the shot shows; the style bible is the card's colours, not its words.
            "text": shot["prompt"].removesuffix(", " + style["prompt_suffix"]),
        }
    defaults = {"steps": 25, "guidance": 7.0, "width": 512, "height": 512, **spec.defaults}
    # Paint at the model's own size in the film's aspect (a model is off its training range at
    # 1920 px); the sequencer scales the picture to the frame.
    scale = max(defaults["width"], defaults["height"]) / max(film["width"], film["height"])
    width, height = (max(64, round(side * scale / 8) * 8) for side in (film["width"], film["height"]))
    params = check_image_params(
        prompt=shot["prompt"][:MAX_PROMPT_CHARS],
        negative_prompt="text, watermark, blurry",
        seed=shot_seed(plan, index),
        width=width,
        height=height,
        steps=defaults["steps"],
        guidance=defaults["guidance"],
    )
    return {
        "task": TASK_TEXT_TO_IMAGE,
        "spec": spec.to_dict(),
        "params": params.to_dict(),
        **runtime.fields(),
    }


def video_job(plan: dict, index: int, spec: ModelSpec, runtime: Runtime) -> dict:
    """A text-to-video job at the model's own size, frame count and fps."""
    shot = plan["shots"][index]
    rules = VideoRules.from_defaults(spec.defaults)
    defaults = {"steps": 30, "guidance": 5.0, **spec.defaults}
    params = check_video_params(
        spec.id,
        rules,
        prompt=shot["prompt"][:MAX_PROMPT_CHARS],
        negative_prompt="text, watermark, blurry",
        seed=shot_seed(plan, index),
        width=defaults["width"],
        height=defaults["height"],
        frames=defaults["frames"],
        steps=defaults["steps"],
        guidance=defaults["guidance"],
    )
    return {"task": "video", "spec": spec.to_dict(), "params": params.to_dict(), **runtime.fields()}


def voice_job(plan: dict, index: int) -> dict:
    shot = plan["shots"][index]
    return {
        "task": "speech",
        "voice": plan["characters"][0]["voice"],
        "text": " ".join(line["text"] for line in shot["lines"]),
    }


def keyed(folder: Path, shot_id: str, job: dict, suffix: str) -> Path:
    """``<folder>/<shot>-<key of the job>``: the same job always writes (and finds) the same file."""
    what = {k: v for k, v in job.items() if k not in ("output", "output_dir")}
    return folder / f"{shot_id}-{artifact_key(what)}{suffix}"


def clip_frames(folder: Path, model_fps: float, fps: float, length: int) -> list[Path]:
    """A clip as one file per film frame: retimed to the film's fps, its last frame held."""
    frames = sorted(folder.glob("frame_*.png"))
    indices = retime(len(frames), model_fps, fps)
    indices += [indices[-1]] * max(0, length - len(indices))
    return [frames[index] for index in indices[:length]]
