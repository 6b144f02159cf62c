"""The worker jobs a film build asks for, shot by shot, and where their results live.

Which model makes a shot: a plan written by an LLM director names a path and a model per shot
(video, image or previz); a rule-based plan has none, and the build's own image/video model
(or previz cards) applies to every shot. Each job's output is named by the job itself
(``<shot>-<key>``), so a shot whose prompt, seed, model or line did not change finds its media
from an earlier build and is not made again.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from ..core.audio import check_reference_clip
from ..core.keys import artifact_key, file_digest
from ..core.models import (
    TASK_CONTROLNET,
    TASK_IMAGE_TO_VIDEO,
    TASK_SPEECH,
    TASK_TEXT_TO_IMAGE,
    TASK_TEXT_TO_VIDEO,
    ModelSpec,
    get_spec,
    weights_present,
)
from ..core.plan import shot_seed
from ..core.post import numbered_frames
from ..core.validation import MAX_PROMPT_CHARS, BadInput, check_edit_params, check_image_params
from ..core.video import VideoRules, check_video_params, retime
from ..core.voices import Voice, character_voice, check_style


@dataclass(frozen=True)
class Runtime:
    """Where and how the worker runs a build's model jobs."""

    models_folder: Path | None
    allow_online: bool = False
    device: str = "auto"
    memory_mode: str = "auto"

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
) -> tuple[ModelSpec | None, ModelSpec | None, str]:
    """(image model, video model, why previz) for one shot; no model means a previz card.

    The third item is empty unless the plan asked for a model this build cannot use.
    """
    if "path" not in shot:  # a rule-based plan: the build's own choices for every shot
        return image_model, video_model, ""
    if shot["path"] == "previz":
        return None, None, ""
    wanted = shot.get("model", "")
    spec = registry.get(wanted)
    if spec is None:
        return None, None, f"its {shot['path']} model '{wanted}' is not in the registry"
    if models_folder is None or not weights_present(spec, models_folder):
        return (
            None,
            None,
            f"its {shot['path']} model '{wanted}' has no weights on this machine ({spec.source})",
        )
    if shot["path"] == "image" and spec.task == TASK_TEXT_TO_IMAGE:
        return spec, None, ""
    if shot["path"] == "video" and spec.task == TASK_TEXT_TO_VIDEO:
        return None, spec, ""
    return None, None, f"model '{wanted}' ({spec.task}) cannot make the {shot['path']} path from a prompt"


def picture_size(film: dict, spec: ModelSpec) -> tuple[int, int]:
    """The model's own size in the film's aspect (a model is off its training range at 1920 px;
    the sequencer scales the picture to the frame)."""
    longest = max(spec.defaults.get("width", 512), spec.defaults.get("height", 512))
    scale = longest / max(film["width"], film["height"])
    return tuple(max(64, round(side * scale / 8) * 8) for side in (film["width"], film["height"]))


def depth_controlnet(registry: dict[str, ModelSpec], image: ModelSpec, models_folder: Path | None):
    """An installed depth ControlNet for ``image``'s family, or None."""
    for spec in registry.values():
        if spec.task != TASK_CONTROLNET or spec.defaults.get("conditioning") != "depth":
            continue
        if spec.defaults.get("base_family") == image.family and weights_present(
            spec, models_folder or Path()
        ):
            return spec
    return None


@dataclass(frozen=True)
class Staged:
    """A shot's staged renders: the still (img2img source) and, for a depth ControlNet, the
    depth map with the ControlNet's spec."""

    still: Path
    depth: Path | None = None
    controlnet: ModelSpec | None = None


DEFAULT_STRENGTH = 0.6  # how far an AI picture may stray from the staged still (img2img)


def staged_edit(shot: dict, staged: Staged) -> tuple[dict, str]:
    """The image job's edit that keeps the staged composition, and what steered it (for the report)."""
    if staged.depth is not None and staged.controlnet is not None:
        edit = check_edit_params(mode="depth", control=str(staged.depth), control_scale=1.0)
        return (
            edit.to_dict(),
            f"depth of the staged camera ({staged.depth.name}) through {staged.controlnet.id}",
        )
    strength = shot.get("strength", DEFAULT_STRENGTH)
    edit = check_edit_params(mode="image", source=str(staged.still), strength=strength)
    return edit.to_dict(), f"img2img from the staged still ({staged.still.name}, strength {strength:g})"


def picture_job(
    plan: dict, index: int, spec: ModelSpec | None, runtime: Runtime, staged: Staged | None = None
) -> dict:
    """A storyboard card (no model) or a diffusion picture at the model's size, film's aspect;
    with a staging, the picture starts from the shot's staged still or depth."""
    film, style, shot = plan["film"], plan["style"], plan["shots"][index]
    if spec is None:
        return {
            "task": "previz-image",
            "layout": 4,  # the card renderer's layout version: a new layout makes new cards
            "width": film["width"],
            "height": film["height"],
            "palette": style["palette"],
            "number": index + 1,
            "title": film["title"],
            # What the shot shows; the style bible is the card's colours, not its words.
            "text": ", ".join(
                part for part in shot["prompt"].split(", ") if part not in style["prompt_suffix"].split(", ")
            ),
        }
    defaults = {"steps": 25, "guidance": 7.0, "width": 512, "height": 512, **spec.defaults}
    width, height = picture_size(film, spec)
    params = check_image_params(
        prompt=shot["prompt"][:MAX_PROMPT_CHARS],
        negative_prompt=shot.get("negative_prompt", "text, watermark, blurry"),
        seed=shot_seed(plan, index),
        width=width,
        height=height,
        steps=defaults["steps"],
        guidance=defaults["guidance"],
    )
    job = {"task": TASK_TEXT_TO_IMAGE, "spec": spec.to_dict(), "params": params.to_dict(), **runtime.fields()}
    if staged is not None:
        job["edit"], job["steered_by"] = staged_edit(shot, staged)
        if job["edit"]["mode"] == "depth":
            job["controlnet"] = staged.controlnet.to_dict()
    return job


def video_job(
    plan: dict, index: int, spec: ModelSpec, runtime: Runtime, keyframe: Path | None = None
) -> dict:
    """A text-to-video job at the model's own size, frame count and fps; from ``keyframe`` (the
    shot's staged or generated picture) when the model also takes a first frame."""
    shot = plan["shots"][index]
    rules = VideoRules.from_defaults(spec.defaults)
    defaults = {"steps": 30, "guidance": 5.0, **spec.defaults}
    params = check_video_params(
        spec.id,
        rules,
        prompt=shot["prompt"][:MAX_PROMPT_CHARS],
        negative_prompt=shot.get("negative_prompt", "text, watermark, blurry"),
        seed=shot_seed(plan, index),
        width=defaults["width"],
        height=defaults["height"],
        frames=defaults["frames"],
        steps=defaults["steps"],
        guidance=defaults["guidance"],
    )
    job = {"task": "video", "spec": spec.to_dict(), "params": params.to_dict(), **runtime.fields()}
    if keyframe is not None and (rules.image_input or spec.task == TASK_IMAGE_TO_VIDEO):
        job["image"] = str(keyframe)
    return job


def voices_for(
    plan: dict, table: dict[str, dict], registry: dict[str, ModelSpec], models_folder: Path | None
) -> dict[str, tuple[Voice, ModelSpec]]:
    """Each speaking character's voice and speech model, checked before anything is made.

    ``table``: the scene's voice table rows by character name (the artist's choices).
    """
    speakers = {line["speaker"] for shot in plan["shots"] for line in shot["lines"]}
    voices = {}
    for character in plan["characters"]:
        if character["name"] not in speakers:
            continue
        voice = character_voice(character, table.get(character["name"]))
        spec = get_spec(registry, voice.model)
        if spec.task != TASK_SPEECH:
            raise BadInput(
                f"{character['name']}'s voice model '{spec.id}' does not speak (task: {spec.task})."
            )
        if not weights_present(spec, models_folder or Path()):
            raise BadInput(
                f"{character['name']}'s voice model '{spec.id}' has no weights on this machine "
                f"({spec.source}): install it, or give the character an espeak voice."
            )
        check_style(spec.family, spec.id, voice.style)
        if voice.reference:
            check_reference_clip(voice.reference)
        voices[character["name"]] = (voice, spec)
    return voices


def line_jobs(
    plan: dict, index: int, voices: dict[str, tuple[Voice, ModelSpec]], runtime: Runtime
) -> list[dict]:
    """One speech job per spoken line of a shot, in the line's speaker's voice, in order."""
    jobs = []
    for line in plan["shots"][index]["lines"]:
        if not line["text"].strip():
            continue
        voice, spec = voices[line["speaker"]]
        job = {
            "task": "speech-line",
            "spec": spec.to_dict(),
            "text": line["text"],
            "speaker": line["speaker"],
            **voice.to_dict(),
            "style": check_style(spec.family, spec.id, voice.style),
            **runtime.fields(),
        }
        if voice.reference:  # the clip's content shapes the voice, not its file name
            clip = Path(voice.reference).stat()
            job["reference_sha256"] = _digest(voice.reference, clip.st_mtime_ns, clip.st_size)
        jobs.append(job)
    return jobs


@functools.lru_cache(maxsize=64)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    """A clip's digest, once per version of the file (not once per line it speaks)."""
    return file_digest(Path(path))


# Job fields that do not change what a job makes: where it runs, where it writes, who speaks.
NOT_IN_KEY = ("output", "output_dir", "models_folder", "allow_online", "speaker", "reference", "steered_by")


def keyed(folder: Path, shot_id: str, job: dict, suffix: str) -> Path:
    """``<folder>/<shot>-<key of the job>``: the same job always writes (and finds) the same file."""
    what = {k: v for k, v in job.items() if k not in NOT_IN_KEY}
    return folder / f"{shot_id}-{artifact_key(what)}{suffix}"


def clip_frames(folder: Path, model_fps: float, fps: float, length: int) -> list[Path]:
    """A clip as one file per film frame: retimed to the film's fps, its last frame held."""
    frames = numbered_frames(folder)
    indices = retime(len(frames), model_fps, fps)
    indices += [indices[-1]] * max(0, length - len(indices))
    return [frames[index] for index in indices[:length]]


@dataclass
class BuildMedia:
    """What a build asks the worker for, shot by shot, and where each result lives."""

    models: list[tuple[ModelSpec | None, ModelSpec | None]] = field(default_factory=list)
    cards: list[Path] = field(default_factory=list)
    clips: list[Path | None] = field(default_factory=list)
    clip_fps: list[float] = field(default_factory=list)
    lines: list[list[tuple[dict, Path]]] = field(default_factory=list)  # (speech job, WAV) per line
    jobs: dict[str, list[tuple[dict, Path]]] = field(default_factory=dict)  # kind -> jobs to run
    regenerated: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    steered: list[str] = field(default_factory=list)  # per shot: what its picture started from


def shot_media(
    plan: dict,
    folder: Path,
    image_model: ModelSpec | None,
    video_model: ModelSpec | None,
    registry: dict[str, ModelSpec],
    voices: dict[str, tuple[Voice, ModelSpec]],
    runtime: Runtime,
    staged: list[Staged] | None = None,
) -> BuildMedia:
    """Every shot's card, staged still or picture, clip and lines, named by what makes them.

    Only the files that do not exist yet become jobs: a shot whose prompt, seed, model, line
    and voice did not change finds its media from an earlier build. ``staged``: each shot's
    staged renders (the Blender side makes them); a shot without a model shows its still.
    """
    media = BuildMedia(jobs={"cards": [], "video": [], "voice": []})
    for index, shot in enumerate(plan["shots"]):
        image, video, why = shot_models(shot, image_model, video_model, registry, runtime.models_folder)
        stage = staged[index] if staged else None
        if why:
            media.warnings.append(
                f"Shot {shot['id']} is {'staged previz' if stage else 'a previz card'}: {why}."
            )
        media.models.append((image, video))
        wanted = []
        if image is None and stage is not None:
            card = stage.still
            media.steered.append("staged previz still")
        else:
            card_job = picture_job(plan, index, image, runtime, stage if image is not None else None)
            card = keyed(folder / "cards", shot["id"], card_job, ".png")
            wanted.append(("cards", card_job, card, "output"))
            media.steered.append(card_job.get("steered_by", "text prompt" if image else "storyboard card"))
        media.cards.append(card)
        clip = None
        if video is not None:
            video_params = video_job(plan, index, video, runtime, card if stage is not None else None)
            if "image" in video_params:
                media.steered[-1] += f"; video from that keyframe ({card.name})"
            clip = keyed(folder / "video", shot["id"], video_params, "")
            wanted.append(("video", video_params, clip, "output_dir"))
        media.clips.append(clip)
        media.clip_fps.append(VideoRules.from_defaults(video.defaults).fps if video else 0.0)
        spoken = []
        for job in line_jobs(plan, index, voices, runtime):
            wav = keyed(folder / "voice", shot["id"], job, ".wav")
            spoken.append((job, wav))
            wanted.append(("voice", job, wav, "output"))
        media.lines.append(spoken)
        missing = [item for item in wanted if not item[2].exists()]
        for kind, job, path, output_field in missing:
            media.jobs[kind].append(({**job, output_field: str(path)}, path))
        if missing:
            media.regenerated.append(shot["id"])
    return media
