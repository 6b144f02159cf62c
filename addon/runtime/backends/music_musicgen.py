"""MusicGen (transformers): music from a prompt, continued past its window from its own tail.

MusicGen makes at most ``window_seconds`` per generation (30 s for the released models). A
longer clip is made in parts: each part is prompted with the last ``overlap_seconds`` of what
exists, and MusicGen returns that prompt followed by the continuation, so the prompt is cut off
and the new audio appended: one piece, no seams of silence.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...core.models import ModelSpec
from ..devices import Placement
from . import JobCancelled, JobContext
from .loading import weights_source


def load(spec: ModelSpec, placement: Placement, models_folder: Path, allow_online: bool):
    from transformers import AutoProcessor, MusicgenForConditionalGeneration

    source, options = weights_source(spec, models_folder, allow_online)
    model = MusicgenForConditionalGeneration.from_pretrained(source, use_safetensors=True, **options)
    return model.to(placement.device), AutoProcessor.from_pretrained(source, **options)


def generate(loaded, spec: ModelSpec, prompt: str, seconds: float, seed: int, ctx: JobContext):
    """(samples, rate): ``seconds`` of music, in windows continued from the previous tail."""
    import torch

    model, processor = loaded
    rate = int(model.config.audio_encoder.sampling_rate)
    frame_rate = float(model.config.audio_encoder.frame_rate)
    window = float(spec.defaults.get("window_seconds", 30.0))
    overlap = min(float(spec.defaults.get("overlap_seconds", 10.0)), window / 2)
    guidance = float(spec.defaults.get("guidance", 3.0))
    audio = np.zeros(0, dtype=np.float32)
    parts = 1 + max(0, int(np.ceil((seconds - window) / (window - overlap))))
    for part in range(parts):
        ctx.check_cancelled()
        tail = audio[-int(overlap * rate) :] if part else None
        wanted = min(window, seconds - len(audio) / rate + (len(tail) / rate if tail is not None else 0.0))
        kwargs = {"text": [prompt], "padding": True, "return_tensors": "pt"}
        if tail is not None:
            kwargs |= {"audio": [tail], "sampling_rate": rate}
        inputs = processor(**kwargs).to(model.device)
        prompt_seconds = len(tail) / rate if tail is not None else 0.0
        # The codebook delay pattern eats one frame per extra codebook: ask for that much more.
        margin = int(model.decoder.config.num_codebooks)
        new_tokens = max(1, int(np.ceil((wanted - prompt_seconds) * frame_rate))) + margin
        torch.manual_seed(seed + part)
        with torch.no_grad():
            values = model.generate(
                **inputs, do_sample=True, guidance_scale=guidance, max_new_tokens=new_tokens
            )
        clip = values[0, 0].float().cpu().numpy()
        if tail is not None:
            clip = clip[len(tail) :]  # MusicGen hands the prompt back first
        audio = np.concatenate([audio, clip])
        ctx.progress(part + 1, parts)
    if ctx.cancelled.is_set():
        raise JobCancelled
    length = round(seconds * rate)
    return np.pad(audio, (0, max(0, length - len(audio))))[:length], rate
