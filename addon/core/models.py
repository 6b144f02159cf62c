"""The model registry: every model is a spec, not a code path.

A spec says what a model does (task), which loader family runs it, where its weights come
from (a hub id or a local folder), its defaults, roughly how much memory it needs and its
license. Storyloom ships specs for the image models artists use; users add their own as TOML
files in the models folder, and any diffusers folder dropped there is picked up by itself.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from .catalog import BUILT_IN_SPECS
from .spec import (  # re-exported: callers import tasks and ModelSpec from here
    IMAGE_TASKS,
    TASK_AUDIO,
    TASK_CONTROLNET,
    TASK_IMAGE_TO_VIDEO,
    TASK_INPAINT,
    TASK_MUSIC,
    TASK_PLANNER,
    TASK_SPEECH,
    TASK_TEXT_TO_IMAGE,
    TASK_TEXT_TO_VIDEO,
    TASK_UPSCALE,
    VIDEO_TASKS,
    ModelSpec,
)

__all__ = [
    "BUILT_IN_SPECS",
    "IMAGE_TASKS",
    "TASK_AUDIO",
    "TASK_CONTROLNET",
    "TASK_IMAGE_TO_VIDEO",
    "TASK_INPAINT",
    "TASK_MUSIC",
    "TASK_PLANNER",
    "TASK_SPEECH",
    "TASK_TEXT_TO_IMAGE",
    "TASK_TEXT_TO_VIDEO",
    "TASK_UPSCALE",
    "VIDEO_TASKS",
    "ModelError",
    "ModelSpec",
    "check_safe_weights",
    "get_spec",
    "hub_cache_dir",
    "load_registry",
    "missing_model_message",
    "weights_present",
]


# diffusers pipeline class -> loader family (one family per backend file in runtime/backends).
FAMILY_BY_PIPELINE_CLASS = {
    "StableDiffusionPipeline": "stable-diffusion",
    "StableDiffusionInpaintPipeline": "stable-diffusion",
    "StableDiffusionXLPipeline": "sdxl",
    "StableDiffusionXLInpaintPipeline": "sdxl",
    "StableDiffusion3Pipeline": "sd3",
    "FluxPipeline": "flux",
    "StableDiffusionUpscalePipeline": "sd-upscale",
    "LTXPipeline": "ltx-video",
    "LTXImageToVideoPipeline": "ltx-video",
    "WanPipeline": "wan",
    "WanImageToVideoPipeline": "wan",
    "CogVideoXPipeline": "cogvideox",
    "CogVideoXImageToVideoPipeline": "cogvideox",
    "StableVideoDiffusionPipeline": "svd",
    "AnimateDiffPipeline": "animatediff",
    "StableAudioPipeline": "stable-audio",
}
VIDEO_FAMILIES = frozenset({"ltx-video", "wan", "cogvideox", "svd", "animatediff"})
# Pipeline classes whose checkpoints only animate a given first frame.
IMAGE_TO_VIDEO_PIPELINE_CLASSES = frozenset(
    {"WanImageToVideoPipeline", "CogVideoXImageToVideoPipeline", "StableVideoDiffusionPipeline"}
)
INPAINT_PIPELINE_CLASSES = frozenset({"StableDiffusionInpaintPipeline", "StableDiffusionXLInpaintPipeline"})
# transformers architectures (config.json "architectures") -> loader family.
FAMILY_BY_TRANSFORMERS_ARCHITECTURE = {
    "Qwen2ForCausalLM": "causal-lm",
    "Qwen3ForCausalLM": "causal-lm",
    "LlamaForCausalLM": "causal-lm",
    "Phi3ForCausalLM": "causal-lm",
    "VitsModel": "vits",
    "SpeechT5ForTextToSpeech": "speecht5",
    "MusicgenForConditionalGeneration": "musicgen",
}
BUNDLED_FAMILIES = frozenset({"espeak", "procedural"})  # ship with Storyloom: no weights to fetch
AUDIO_FAMILIES = (
    frozenset({"vits", "coqui-vits", "coqui-xtts", "musicgen", "stable-audio"}) | BUNDLED_FAMILIES
)
FAMILIES = frozenset({*FAMILY_BY_PIPELINE_CLASS.values(), "controlnet", "causal-lm", *AUDIO_FAMILIES})
TASK_BY_FAMILY = {family: TASK_TEXT_TO_IMAGE for family in FAMILIES} | {
    "controlnet": TASK_CONTROLNET,
    "sd-upscale": TASK_UPSCALE,
    **{family: TASK_TEXT_TO_VIDEO for family in VIDEO_FAMILIES},
    "svd": TASK_IMAGE_TO_VIDEO,
    "espeak": TASK_SPEECH,
    "vits": TASK_SPEECH,
    "speecht5": TASK_SPEECH,
    "coqui-vits": TASK_SPEECH,
    "coqui-xtts": TASK_SPEECH,
    "procedural": TASK_MUSIC,
    "musicgen": TASK_MUSIC,
    "stable-audio": TASK_AUDIO,
    "causal-lm": TASK_PLANNER,
}

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
PICKLE_SUFFIXES = (".bin", ".ckpt", ".pt", ".pth", ".pkl", ".pickle")
HUB_CACHE_DIRNAME = "hub"
SPEC_SUFFIX = ".toml"


class ModelError(LookupError):
    """A model cannot be used; ``kind`` is a protocol error kind, the message says what to do."""

    def __init__(self, message: str, kind: str = "model_missing"):
        super().__init__(message)
        self.kind = kind


def _spec_from_table(table: dict, origin: Path) -> ModelSpec:
    missing = [key for key in ("id", "family", "source") if not table.get(key)]
    if missing:
        raise ModelError(f"Model spec {origin} lacks {', '.join(missing)}.", kind="bad_input")
    family = table["family"]
    if family not in FAMILIES:
        raise ModelError(
            f"Model spec {origin}: unknown family '{family}' (known: {', '.join(sorted(FAMILIES))}).",
            kind="bad_input",
        )
    source = str(table["source"])
    if not HUB_ID.match(source) or (origin.parent / source).exists():
        source = str((origin.parent / source).resolve())  # a folder, relative to the spec file
    return ModelSpec(
        id=str(table["id"]),
        task=str(table.get("task", TASK_BY_FAMILY[family])),
        family=family,
        source=source,
        defaults=dict(table.get("defaults", {})),
        memory_gb=float(table.get("memory_gb", 0.0)),
        license=str(table.get("license", "")),
        origin=str(origin),
    )


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _spec_from_diffusers_folder(folder: Path) -> ModelSpec | None:
    """A spec for a diffusers pipeline folder (model_index.json) or a ControlNet folder."""
    index = _read_json(folder / "model_index.json")
    pipeline_class = index.get("_class_name", "")
    family = FAMILY_BY_PIPELINE_CLASS.get(pipeline_class)
    if family is not None:
        task = TASK_BY_FAMILY[family]
        if pipeline_class in INPAINT_PIPELINE_CLASSES:
            task = TASK_INPAINT
        elif pipeline_class in IMAGE_TO_VIDEO_PIPELINE_CLASSES:
            task = TASK_IMAGE_TO_VIDEO
        return ModelSpec(
            id=folder.name, task=task, family=family, source=str(folder.resolve()), origin=str(folder)
        )
    config = _read_json(folder / "config.json")
    for architecture in config.get("architectures") or []:
        family = FAMILY_BY_TRANSFORMERS_ARCHITECTURE.get(architecture)
        if family is not None:  # a transformers model folder (speech, music)
            task = TASK_BY_FAMILY[family]
            return ModelSpec(
                id=folder.name, task=task, family=family, source=str(folder.resolve()), origin=str(folder)
            )
    if config.get("model") in ("vits", "xtts") and "audio" in config:  # a Coqui TTS folder
        family = f"coqui-{config['model']}"
        return ModelSpec(
            id=folder.name, task=TASK_SPEECH, family=family, source=str(folder.resolve()), origin=str(folder)
        )
    if config.get("_class_name") == "ControlNetModel":
        # SDXL ControlNets take SDXL's extra time/size embedding; SD 1.x ones do not.
        base = "sdxl" if config.get("addition_embed_type") == "text_time" else "stable-diffusion"
        return ModelSpec(
            id=folder.name,
            task=TASK_CONTROLNET,
            family="controlnet",
            source=str(folder.resolve()),
            defaults={"base_family": base, "conditioning": "depth", "control_scale": 1.0},
            origin=str(folder),
        )
    return None


def load_registry(models_folder: Path | None) -> dict[str, ModelSpec]:
    """Built-in specs, then spec files (``*.toml``) and diffusers folders in the models folder.

    A user spec with a built-in id replaces it (e.g. to point ``sdxl`` at a local copy).
    """
    registry = {spec.id: spec for spec in BUILT_IN_SPECS}
    if models_folder is None or not models_folder.is_dir():
        return registry
    for entry in sorted(models_folder.iterdir()):
        if entry.is_dir() and ((entry / "model_index.json").is_file() or (entry / "config.json").is_file()):
            spec = _spec_from_diffusers_folder(entry)
            if spec is not None:
                registry[spec.id] = spec
    for spec_file in sorted(models_folder.glob(f"*{SPEC_SUFFIX}")):
        try:
            table = tomllib.loads(spec_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ModelError(f"Model spec {spec_file} cannot be read: {error}", kind="bad_input") from None
        spec = _spec_from_table(table, spec_file)
        registry[spec.id] = spec
    return registry


def get_spec(registry: dict[str, ModelSpec], model_id: str) -> ModelSpec:
    try:
        return registry[model_id]
    except KeyError:
        known = ", ".join(sorted(registry))
        raise ModelError(
            f"Unknown model '{model_id}'. Known models: {known}. Add your own as a diffusers folder "
            "or a .toml spec in the models folder.",
            kind="model_missing",
        ) from None


def weights_present(spec: ModelSpec, models_folder: Path) -> bool:
    """Whether a model's weights are on this machine (a quick look, no loading)."""
    if spec.family in BUNDLED_FAMILIES:
        return True
    if spec.is_local:
        return Path(spec.source).is_dir()
    cached = hub_cache_dir(models_folder) / f"models--{spec.source.replace('/', '--')}" / "snapshots"
    return cached.is_dir() and any(cached.iterdir())


def hub_cache_dir(models_folder: Path) -> Path:
    """Where hub downloads live: inside the models folder, not a hidden per-user cache."""
    return models_folder / HUB_CACHE_DIRNAME


def check_safe_weights(folder: Path) -> None:
    """Refuse a model folder where any component's weights are only pickles.

    Pickle files (.bin, .ckpt, ...) can run code when loaded. A component folder (unet/, vae/,
    ...) that has them must also have .safetensors, which is what gets loaded.
    """
    files = [path for path in folder.rglob("*") if path.is_file()]
    if not files:
        raise ModelError(f"The model folder {folder} is empty.", kind="model_missing")
    with_safetensors = {path.parent for path in files if path.suffix == ".safetensors"}
    pickles = sorted(
        str(path.relative_to(folder))
        for path in files
        if path.suffix in PICKLE_SUFFIXES and path.parent not in with_safetensors
    )
    if pickles:
        raise ModelError(
            f"The model folder {folder} holds only pickle weights for some parts "
            f"({', '.join(pickles[:4])}{', ...' if len(pickles) > 4 else ''}). Storyloom loads "
            "safetensors only, because pickle files can run code when loaded. Convert them to "
            ".safetensors (e.g. with diffusers' conversion scripts) or get a safetensors release.",
            kind="unsafe_weights",
        )
    if not with_safetensors:
        raise ModelError(f"The model folder {folder} holds no .safetensors weights.", kind="model_missing")


def check_safetensors_file(path: Path, what: str, convert_hint: str) -> Path:
    """Refuse a single weights file that is missing, a pickle (by name or by its first bytes:
    a pickle's opcode or torch's zip), or not .safetensors; ``convert_hint`` says how to fix it."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"The {what} weights {path} do not exist. {convert_hint}", kind="model_missing")
    with open(path, "rb") as file:
        head = file.read(9)
    # A safetensors file opens with its header's length (8 bytes, little-endian) and then "{".
    header = int.from_bytes(head[:8], "little") if len(head) == 9 else 0
    is_safetensors = head[8:9] == b"{" and 8 + header <= path.stat().st_size
    if path.suffix.lower() in PICKLE_SUFFIXES or (
        not is_safetensors and (head[:1] == b"\x80" or head[:4] == b"PK\x03\x04")
    ):
        raise ModelError(
            f"{path.name} is a pickle, which can run code when it is opened: Storyloom loads "
            f"safetensors only. {convert_hint}",
            kind="unsafe_weights",
        )
    if path.suffix.lower() != ".safetensors":
        raise ModelError(f"{path.name} is not a .safetensors file. {convert_hint}", kind="bad_input")
    return path


def missing_model_message(spec: ModelSpec, models_folder: Path, online_access: bool) -> str:
    """One message: which model, where it was looked for, how to get it."""
    if spec.is_local:
        return (
            f"Model '{spec.id}' is missing: its folder {spec.source} does not exist "
            f"(spec: {spec.origin}). Put the diffusers folder there or fix the spec."
        )
    where = hub_cache_dir(models_folder)
    if online_access:
        how = f"Run Storyloom > Download Model for '{spec.id}' (hub id {spec.source})."
    else:
        how = (
            "Online access is off, so nothing is downloaded: turn on Preferences > System > Network > "
            f"Allow Online Access and download it, or save a diffusers copy of {spec.source} as a "
            f"folder named '{spec.id}' in {models_folder}."
        )
    return f"Model '{spec.id}' ({spec.source}) was not found in {where}. {how}"
