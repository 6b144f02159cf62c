"""SpeechT5 (transformers): text to spectrogram, HiFi-GAN to waveform, voice = speaker embedding.

A SpeechT5 voice is a speaker embedding (an x-vector). The model folder may hold named ones in
``speakers.safetensors``; the character's *voice* picks one. The vocoder is the folder's
``vocoder/`` or the spec's ``vocoder`` hub id. Word timings come from the energy alignment.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...core.models import ModelError, ModelSpec, hub_cache_dir
from ...core.validation import BadInput
from ..devices import Placement
from .loading import local_weights_folder


def load(spec: ModelSpec, placement: Placement, models_folder: Path, allow_online: bool):
    from transformers import SpeechT5ForTextToSpeech, SpeechT5HifiGan, SpeechT5Tokenizer

    folder = local_weights_folder(spec, models_folder, allow_online)
    source = str(folder) if folder is not None else spec.source
    options = {"local_files_only": not allow_online, "cache_dir": str(hub_cache_dir(models_folder))}
    model = SpeechT5ForTextToSpeech.from_pretrained(source, use_safetensors=True, **options)
    tokenizer = SpeechT5Tokenizer.from_pretrained(source, **options)
    vocoder_source = (
        str(folder / "vocoder") if folder and (folder / "vocoder").is_dir() else spec.defaults.get("vocoder")
    )
    if not vocoder_source:
        raise ModelError(
            f"SpeechT5 voice '{spec.id}' has no vocoder: add vocoder/ or a 'vocoder' hub id to its spec."
        )
    vocoder = SpeechT5HifiGan.from_pretrained(vocoder_source, use_safetensors=True, **options)
    speakers = {}
    if folder is not None and (folder / "speakers.safetensors").is_file():
        from safetensors.torch import load_file

        speakers = load_file(str(folder / "speakers.safetensors"))
    return model.to(placement.device), tokenizer, vocoder.to(placement.device), speakers


def synthesize(loaded, text: str, voice: str, seed: int, speed: float) -> tuple[np.ndarray, int]:
    import torch

    model, tokenizer, vocoder, speakers = loaded
    if not speakers:
        raise BadInput(
            "This SpeechT5 voice has no speakers.safetensors in its folder: add named x-vectors there."
        )
    name = voice if voice in speakers else None
    if name is None:
        raise BadInput(f"SpeechT5 has no speaker '{voice}'; known: {', '.join(sorted(speakers))}.")
    ids = tokenizer(text, return_tensors="pt")["input_ids"].to(model.device)
    if ids.shape[-1] <= 1:
        raise ValueError("no speakable characters")
    torch.manual_seed(seed)  # the prenet keeps dropout on at inference: seed it
    with torch.no_grad():
        waveform = model.generate_speech(
            ids,
            speakers[name].unsqueeze(0).to(model.device),
            vocoder=vocoder,
            threshold=0.5,
            maxlenratio=20.0,
        )
    samples = waveform.float().cpu().numpy()
    if speed != 1.0:  # SpeechT5 has no rate control: resample the voice (pitch moves with it)
        from .audio_io import to_rate

        samples = to_rate(samples, round(16000 * speed), 16000)
    return samples, int(vocoder.config.sampling_rate)
