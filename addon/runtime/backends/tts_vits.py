"""Neural speech with transformers' VITS (MMS-TTS and other VitsModel checkpoints).

VitsModel does not return its durations, so word timings come from the energy alignment
(alignment.py). VITS samples noise: a seed gives the same voice take every time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...core.models import ModelSpec
from ..devices import Placement
from .loading import weights_source


def load(spec: ModelSpec, placement: Placement, models_folder: Path, allow_online: bool):
    from transformers import AutoTokenizer, VitsModel

    source, options = weights_source(spec, models_folder, allow_online)
    model = VitsModel.from_pretrained(source, use_safetensors=True, **options).to(placement.device)
    tokenizer = AutoTokenizer.from_pretrained(source, **options)
    return model, tokenizer


def synthesize(loaded, text: str, seed: int, speed: float) -> tuple[np.ndarray, int]:
    import torch

    model, tokenizer = loaded
    inputs = tokenizer(text, return_tensors="pt").to(model.device)
    if inputs["input_ids"].shape[-1] == 0:
        raise ValueError("no speakable characters")
    model.speaking_rate = speed
    torch.manual_seed(seed)
    with torch.no_grad():
        waveform = model(**inputs).waveform[0].float().cpu().numpy()
    return waveform, int(model.config.sampling_rate)
