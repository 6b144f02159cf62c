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
from dataclasses import asdict, dataclass, field
from pathlib import Path

TASK_TEXT_TO_IMAGE = "text-to-image"
TASK_INPAINT = "inpaint"  # an image model fine-tuned to fill masked areas (extra UNet inputs)
TASK_CONTROLNET = "controlnet"  # a conditioning model that steers an image model (depth, ...)
TASK_UPSCALE = "upscale"
TASK_TEXT_TO_VIDEO = "text-to-video"
TASK_IMAGE_TO_VIDEO = "image-to-video"  # needs a first frame (SVD, Wan I2V, CogVideoX I2V)
IMAGE_TASKS = frozenset({TASK_TEXT_TO_IMAGE, TASK_INPAINT})
VIDEO_TASKS = frozenset({TASK_TEXT_TO_VIDEO, TASK_IMAGE_TO_VIDEO})

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
}
VIDEO_FAMILIES = frozenset({"ltx-video", "wan", "cogvideox", "svd", "animatediff"})
# Pipeline classes whose checkpoints only animate a given first frame.
IMAGE_TO_VIDEO_PIPELINE_CLASSES = frozenset(
    {"WanImageToVideoPipeline", "CogVideoXImageToVideoPipeline", "StableVideoDiffusionPipeline"}
)
INPAINT_PIPELINE_CLASSES = frozenset({"StableDiffusionInpaintPipeline", "StableDiffusionXLInpaintPipeline"})
FAMILIES = frozenset({*FAMILY_BY_PIPELINE_CLASS.values(), "controlnet"})
TASK_BY_FAMILY = {family: TASK_TEXT_TO_IMAGE for family in FAMILIES} | {
    "controlnet": TASK_CONTROLNET,
    "sd-upscale": TASK_UPSCALE,
    **{family: TASK_TEXT_TO_VIDEO for family in VIDEO_FAMILIES},
    "svd": TASK_IMAGE_TO_VIDEO,
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


BUILT_IN_SPECS: tuple[ModelSpec, ...] = (
    ModelSpec(
        id="sd15",
        task=TASK_TEXT_TO_IMAGE,
        family="stable-diffusion",
        source="stable-diffusion-v1-5/stable-diffusion-v1-5",
        defaults={"width": 512, "height": 512, "steps": 30, "guidance": 7.5},
        memory_gb=3.5,
        license="CreativeML OpenRAIL-M",
    ),
    ModelSpec(
        id="sdxl",
        task=TASK_TEXT_TO_IMAGE,
        family="sdxl",
        source="stabilityai/stable-diffusion-xl-base-1.0",
        defaults={"width": 1024, "height": 1024, "steps": 30, "guidance": 5.0},
        memory_gb=8.0,
        license="CreativeML OpenRAIL++-M",
    ),
    ModelSpec(
        id="sdxl-turbo",
        task=TASK_TEXT_TO_IMAGE,
        family="sdxl",
        source="stabilityai/sdxl-turbo",
        defaults={"width": 512, "height": 512, "steps": 1, "guidance": 0.0},
        memory_gb=8.0,
        license="Stability AI Community License (non-commercial without a membership)",
    ),
    ModelSpec(
        id="sd35-medium",
        task=TASK_TEXT_TO_IMAGE,
        family="sd3",
        source="stabilityai/stable-diffusion-3.5-medium",
        defaults={"width": 1024, "height": 1024, "steps": 40, "guidance": 4.5},
        memory_gb=12.0,
        license="Stability AI Community License (gated on the hub: accept it there first)",
    ),
    ModelSpec(
        id="flux-schnell",
        task=TASK_TEXT_TO_IMAGE,
        family="flux",
        source="black-forest-labs/FLUX.1-schnell",
        defaults={"width": 1024, "height": 1024, "steps": 4, "guidance": 0.0},
        memory_gb=33.0,
        license="Apache-2.0",
    ),
    ModelSpec(
        id="sdxl-inpaint",
        task=TASK_INPAINT,
        family="sdxl",
        source="diffusers/stable-diffusion-xl-1.0-inpainting-0.1",
        defaults={"width": 1024, "height": 1024, "steps": 30, "guidance": 8.0, "strength": 0.99},
        memory_gb=8.0,
        license="CreativeML OpenRAIL++-M",
    ),
    # ControlNets name the image-model family they steer: the depth map from the scene camera
    # conditions an SD 1.5 or an SDXL model.
    ModelSpec(
        id="controlnet-depth-sd15",
        task=TASK_CONTROLNET,
        family="controlnet",
        source="lllyasviel/control_v11f1p_sd15_depth",
        defaults={"base_family": "stable-diffusion", "conditioning": "depth", "control_scale": 1.0},
        memory_gb=1.5,
        license="OpenRAIL",
    ),
    ModelSpec(
        id="controlnet-depth-sdxl",
        task=TASK_CONTROLNET,
        family="controlnet",
        source="diffusers/controlnet-depth-sdxl-1.0",
        defaults={"base_family": "sdxl", "conditioning": "depth", "control_scale": 0.5},
        memory_gb=5.0,
        license="OpenRAIL++-M",
    ),
    # Video. Frame rules (frame_step k + frame_offset, size_multiple), the window (max_frames)
    # and native fps come from each model card; addon/core/video.py checks them.
    ModelSpec(
        id="ltx-video",
        task=TASK_TEXT_TO_VIDEO,
        family="ltx-video",
        source="Lightricks/LTX-Video",
        defaults={
            "width": 704,
            "height": 480,
            "frames": 121,
            "fps": 24,
            "steps": 50,
            "guidance": 3.0,
            "frame_step": 8,
            "frame_offset": 1,
            "max_frames": 257,
            "size_multiple": 32,
            "image_input": True,
        },
        memory_gb=18.0,
        license="LTX-Video Open Weights License",
    ),
    ModelSpec(
        id="wan21-t2v-1.3b",
        task=TASK_TEXT_TO_VIDEO,
        family="wan",
        source="Wan-AI/Wan2.1-T2V-1.3B-Diffusers",
        defaults={
            "width": 832,
            "height": 480,
            "frames": 81,
            "fps": 16,
            "steps": 50,
            "guidance": 5.0,
            "frame_step": 4,
            "frame_offset": 1,
            "max_frames": 81,
            "size_multiple": 16,
        },
        memory_gb=10.0,
        license="Apache-2.0",
    ),
    ModelSpec(
        id="wan22-ti2v-5b",
        task=TASK_TEXT_TO_VIDEO,
        family="wan",
        source="Wan-AI/Wan2.2-TI2V-5B-Diffusers",
        defaults={
            "width": 1280,
            "height": 704,
            "frames": 121,
            "fps": 24,
            "steps": 50,
            "guidance": 5.0,
            "frame_step": 4,
            "frame_offset": 1,
            "max_frames": 121,
            "size_multiple": 32,
            "image_input": True,
        },
        memory_gb=24.0,
        license="Apache-2.0",
    ),
    ModelSpec(
        id="wan21-i2v-14b-480p",
        task=TASK_IMAGE_TO_VIDEO,
        family="wan",
        source="Wan-AI/Wan2.1-I2V-14B-480P-Diffusers",
        defaults={
            "width": 832,
            "height": 480,
            "frames": 81,
            "fps": 16,
            "steps": 40,
            "guidance": 5.0,
            "frame_step": 4,
            "frame_offset": 1,
            "max_frames": 81,
            "size_multiple": 16,
            "image_input": True,
        },
        memory_gb=40.0,
        license="Apache-2.0",
    ),
    ModelSpec(
        id="cogvideox-2b",
        task=TASK_TEXT_TO_VIDEO,
        family="cogvideox",
        source="THUDM/CogVideoX-2b",
        defaults={
            "width": 720,
            "height": 480,
            "frames": 49,
            "fps": 8,
            "steps": 50,
            "guidance": 6.0,
            "frame_step": 8,
            "frame_offset": 1,
            "max_frames": 49,
            "size_multiple": 16,
        },
        memory_gb=12.0,
        license="Apache-2.0",
    ),
    ModelSpec(
        id="cogvideox-5b",
        task=TASK_TEXT_TO_VIDEO,
        family="cogvideox",
        source="THUDM/CogVideoX-5b",
        defaults={
            "width": 720,
            "height": 480,
            "frames": 49,
            "fps": 8,
            "steps": 50,
            "guidance": 6.0,
            "frame_step": 8,
            "frame_offset": 1,
            "max_frames": 49,
            "size_multiple": 16,
        },
        memory_gb=20.0,
        license="CogVideoX License",
    ),
    ModelSpec(
        id="cogvideox-5b-i2v",
        task=TASK_IMAGE_TO_VIDEO,
        family="cogvideox",
        source="THUDM/CogVideoX-5b-I2V",
        defaults={
            "width": 720,
            "height": 480,
            "frames": 49,
            "fps": 8,
            "steps": 50,
            "guidance": 6.0,
            "frame_step": 8,
            "frame_offset": 1,
            "max_frames": 49,
            "size_multiple": 16,
            "image_input": True,
        },
        memory_gb=20.0,
        license="CogVideoX License",
    ),
    ModelSpec(
        id="svd-xt",
        task=TASK_IMAGE_TO_VIDEO,
        family="svd",
        source="stabilityai/stable-video-diffusion-img2vid-xt",
        defaults={
            "width": 1024,
            "height": 576,
            "frames": 25,
            "fps": 7,
            "steps": 25,
            "guidance": 3.0,
            "frame_step": 1,
            "frame_offset": 0,
            "max_frames": 25,
            "size_multiple": 64,
            "image_input": True,
        },
        memory_gb=10.0,
        license="Stability AI Community License",
    ),
    ModelSpec(
        id="animatediff-sd15",
        task=TASK_TEXT_TO_VIDEO,
        family="animatediff",
        source="stable-diffusion-v1-5/stable-diffusion-v1-5",
        defaults={
            "width": 512,
            "height": 512,
            "frames": 16,
            "fps": 8,
            "steps": 25,
            "guidance": 7.5,
            "frame_step": 1,
            "frame_offset": 0,
            "max_frames": 32,
            "size_multiple": 8,
            "motion_adapter": "guoyww/animatediff-motion-adapter-v1-5-3",
        },
        memory_gb=6.0,
        license="CreativeML OpenRAIL-M (base), Apache-2.0 (motion adapter)",
    ),
    ModelSpec(
        id="sd-x4-upscaler",
        task=TASK_UPSCALE,
        family="sd-upscale",
        source="stabilityai/stable-diffusion-x4-upscaler",
        defaults={"steps": 20, "guidance": 9.0, "noise_level": 20, "scale": 4},
        memory_gb=6.0,
        license="CreativeML OpenRAIL++-M",
    ),
)


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
