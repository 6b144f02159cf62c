"""Video with a diffusers pipeline: load, generate in windows, write frames atomically.

A shot longer than the model's window is made in chunks: each chunk after the first starts
from the previous chunk's last frame (image to video), so motion and look carry over. Frames
are written into a temp folder that becomes the shot's folder only when every frame is there,
so a cancel or a failure leaves nothing half-made. The family modules (video_ltx, video_wan,
video_cogvideox, video_svd, video_animatediff) name their pipeline classes and arguments.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat
from pathlib import Path
from types import ModuleType

import numpy as np

from ...core.atomic import atomic_folder
from ...core.models import TASK_IMAGE_TO_VIDEO, ModelSpec
from ...core.validation import BadInput
from ...core.video import VideoParams, VideoRules, chunk_plan
from ..devices import Placement
from . import JobCancelled, JobContext, cancellable, loading, step_callback
from .image_inputs import load_rgb
from .text_to_image import accepted_kwargs

log = logging.getLogger("storyloom.worker")

FAMILY_MODULES = {
    "ltx-video": "video_ltx",
    "wan": "video_wan",
    "cogvideox": "video_cogvideox",
    "svd": "video_svd",
    "animatediff": "video_animatediff",
}


def family_module(family: str) -> ModuleType:
    return loading.family_module(__package__, FAMILY_MODULES, family, "video")


def load_video_pipeline(spec: ModelSpec, placement: Placement, models_folder: Path, allow_online: bool):
    family = family_module(spec.family)
    # Image-to-video checkpoints (Wan I2V, CogVideoX I2V, SVD) load as their own pipeline.
    class_name = family.IMAGE_PIPELINE_CLASS if spec.task == TASK_IMAGE_TO_VIDEO else family.PIPELINE_CLASS
    extra = (
        family.extra_components(spec, placement, models_folder, allow_online)
        if hasattr(family, "extra_components")
        else {}
    )
    return loading.load_diffusers_pipeline(class_name, spec, placement, models_folder, allow_online, **extra)


def check_image_need(spec: ModelSpec, rules: VideoRules, has_image: bool) -> None:
    """Refuse, before loading, a shot this model cannot make from what was given."""
    family = family_module(spec.family)
    needs_image = spec.task == TASK_IMAGE_TO_VIDEO or getattr(family, "NEEDS_IMAGE", False)
    if needs_image and not has_image:
        raise BadInput(f"Model '{spec.id}' animates a picture: give it a first frame (an image source).")
    if has_image and not rules.image_input:
        raise BadInput(
            f"Model '{spec.id}' makes video from text only: it cannot start from an image. "
            "Use an image-to-video model (e.g. ltx-video, svd-xt) for that."
        )


def image_pipeline(pipe, spec: ModelSpec):
    """The pipeline that takes a first frame: the loaded one, or one derived from it (same weights)."""
    family = family_module(spec.family)
    if spec.task == TASK_IMAGE_TO_VIDEO or family.IMAGE_PIPELINE_CLASS == family.PIPELINE_CLASS:
        return pipe
    return loading.derive_pipeline(family.IMAGE_PIPELINE_CLASS, pipe)


def _run_window(
    pipe, family, spec, params, rules, frames: int, image, seed: int, ctx: JobContext
) -> np.ndarray:
    import torch

    kwargs = {**family.call_kwargs(params, spec.defaults, rules.fps), "num_frames": frames}
    if image is not None:
        kwargs["image"] = image
    # A cancel raises out of the step callback: the remaining steps and the VAE decode never run.
    with cancellable(pipe):
        result = pipe(
            **accepted_kwargs(pipe, kwargs),
            generator=torch.Generator("cpu").manual_seed(seed),
            callback_on_step_end=step_callback(ctx, params.steps),
            output_type="np",
        )
    if ctx.cancelled.is_set():  # arrived during the decode: the frames are not landed
        raise JobCancelled
    return np.asarray(result.frames[0], dtype=np.float32)  # (frames, height, width, 3) in 0..1


# Blender's default PNG compression, 15 %, is zlib level 1 (its image library uses percent / 11):
# frames written at Blender's own setting, about 3x faster than PIL's default level 6 and a
# few percent larger.
PNG_COMPRESS_LEVEL = 1
FRAME_WRITERS = 4  # threads at most: PNG and EXR encoders release the GIL while they compress


def write_frames(frames: Sequence[np.ndarray], paths: Sequence[Path], output_format: str) -> None:
    """Write each frame to its path on a small thread pool; the first error is raised."""
    workers = min(len(paths), FRAME_WRITERS, os.cpu_count() or 1)
    if workers <= 1:
        for pixels, path in zip(frames, paths, strict=True):
            _write_frame(pixels, path, output_format)
        return
    with ThreadPoolExecutor(workers, thread_name_prefix="storyloom-frames") as pool:
        list(pool.map(_write_frame, frames, paths, repeat(output_format, len(paths))))


def _write_frame(pixels: np.ndarray, path: Path, output_format: str) -> None:
    if output_format == "EXR":
        import OpenEXR

        # Grading wants scene-linear values: decode the model's sRGB output.
        linear = np.where(pixels <= 0.04045, pixels / 12.92, ((pixels + 0.055) / 1.055) ** 2.4)
        header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
        with OpenEXR.File(header, {"RGB": linear.astype(np.float16)}) as exr:
            exr.write(str(path))
        return
    from PIL import Image

    Image.fromarray(np.round(np.clip(pixels, 0, 1) * 255).astype(np.uint8), "RGB").save(
        path, format="PNG", compress_level=PNG_COMPRESS_LEVEL
    )


def generate_video(
    pipe,
    spec: ModelSpec,
    params: VideoParams,
    rules: VideoRules,
    image_path: str,
    output_dir: Path,
    ctx: JobContext,
) -> dict:
    family = family_module(spec.family)
    size = (params.width, params.height)
    first_image = load_rgb(image_path, size, what="first frame") if image_path else None
    with_image = (
        image_pipeline(pipe, spec) if (first_image is not None or params.frames > rules.max_frames) else None
    )
    chunks = chunk_plan(params.frames, rules)
    suffix = ".exr" if params.output_format == "EXR" else ".png"
    names: list[str] = []
    record = []
    with atomic_folder(output_dir) as temp:
        image, conditioned_on = first_image, image_path or ""
        for index, count in enumerate(chunks):
            ctx.check_cancelled()
            window_pipe = with_image if image is not None else pipe
            record.append({"chunk": index, "frames": count, "image": conditioned_on})
            frames = _run_window(
                window_pipe,
                family,
                spec,
                params,
                rules,
                count,
                image,
                params.seed + index,
                ctx.part(index, len(chunks)),
            )
            new = frames if index == 0 else frames[1:]  # a continuation repeats its first frame
            new = new[: params.frames - len(names)]
            added = [f"frame_{len(names) + i + 1:04d}{suffix}" for i in range(len(new))]
            write_frames(new, [temp / name for name in added], params.output_format)
            names += added
            if len(names) < params.frames:
                from PIL import Image

                last = np.round(np.clip(frames[-1], 0, 1) * 255).astype(np.uint8)
                image, conditioned_on = Image.fromarray(last, "RGB"), names[-1]
    ctx.artifact(output_dir, frames=len(names))
    return {"output_dir": str(output_dir), "frames": names, "fps": rules.fps, "chunks": record}
