"""Stable Audio Open (diffusers): sound effects and music clips up to its window (47 s released)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...core.models import ModelSpec
from ...core.validation import BadInput
from ..devices import Placement
from . import JobCancelled, JobContext, cancellable
from .loading import load_diffusers_pipeline


def load(spec: ModelSpec, placement: Placement, models_folder: Path, allow_online: bool):
    return load_diffusers_pipeline("StableAudioPipeline", spec, placement, models_folder, allow_online)


def window_seconds(pipe) -> float:
    return pipe.transformer.config.sample_size * pipe.vae.hop_length / pipe.vae.sampling_rate


def generate(pipe, spec: ModelSpec, prompt: str, seconds: float, seed: int, ctx: JobContext):
    """(samples (frames, channels), rate) for ``seconds`` of sound from ``prompt``."""
    import torch

    window = window_seconds(pipe)
    if seconds > window + 1e-9:
        raise BadInput(f"Model '{spec.id}' makes at most {window:g} s per clip; asked for {seconds:g} s.")
    steps = int(spec.defaults.get("steps", 100))

    def on_step(step: int, timestep, latents) -> None:
        # This pipeline has the older per-step callback and no interrupt flag: stop by raising.
        ctx.progress(step + 1, steps)
        if ctx.cancelled.is_set():
            raise JobCancelled

    with cancellable(pipe):  # puts the cached pipeline back in order after a cancel
        audio = pipe(
            prompt,
            negative_prompt=spec.defaults.get("negative_prompt", "low quality"),
            audio_end_in_s=seconds,
            num_inference_steps=steps,
            guidance_scale=float(spec.defaults.get("guidance", 7.0)),
            generator=torch.Generator("cpu").manual_seed(seed),
            callback=on_step,
            callback_steps=1,
        ).audios[0]
    rate = int(pipe.vae.sampling_rate)
    samples = audio.float().cpu().numpy().T  # (frames, channels)
    length = round(seconds * rate)
    return np.pad(samples, ((0, max(0, length - len(samples))), (0, 0)))[:length], rate
