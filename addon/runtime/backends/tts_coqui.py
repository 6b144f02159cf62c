"""Coqui TTS voices: VITS (word timings from the model's own durations) and XTTS-v2 (cloning).

Storyloom never unpickles weights: a Coqui model folder holds ``config.json`` and
``model.safetensors``. The model is built from its config and the safetensors state dict is
loaded into it (a released ``model.pth`` is converted once, outside Storyloom, with
``torch.load(weights_only=True)`` and ``safetensors.torch.save_file``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...core.audio import words_of
from ...core.models import ModelError, ModelSpec
from ..devices import Placement
from .loading import local_weights_folder


def load(spec: ModelSpec, placement: Placement, models_folder: Path, allow_online: bool):
    from safetensors.torch import load_file
    from TTS.config import load_config

    folder = local_weights_folder(spec, models_folder, allow_online)
    if folder is None or not (folder / "model.safetensors").is_file():
        raise ModelError(
            f"Voice '{spec.id}' needs config.json and model.safetensors in its folder "
            f"({folder or spec.source}); convert a released model.pth once (see tts_coqui.py)."
        )
    config = load_config(str(folder / "config.json"))
    state = load_file(str(folder / "model.safetensors"))
    if config.model == "vits":
        from TTS.tts.models.vits import Vits

        model = Vits.init_from_config(config)
        model.load_state_dict(state, strict=True)
    elif config.model == "xtts":
        from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer
        from TTS.tts.models.xtts import Xtts

        model = Xtts.init_from_config(config)
        model.tokenizer = VoiceBpeTokenizer(vocab_file=str(folder / "vocab.json"))
        model.init_models()
        model.load_state_dict(state, strict=True)
        model.gpt.init_gpt_for_inference(kv_cache=model.args.kv_cache)
    else:
        raise ModelError(f"Coqui model type '{config.model}' is not supported (vits, xtts).", "bad_input")
    model.eval()  # Xtts.eval returns None: do not chain it
    return model.to(placement.device)


def _word_spans(text: str) -> list[tuple[int, int]]:
    spans, position = [], 0
    for word in words_of(text):
        start = text.find(word, position)
        spans.append((start, start + len(word)))
        position = start + len(word)
    return spans


def synthesize_vits(model, text: str, seed: int, speed: float) -> tuple[np.ndarray, int, list[dict]]:
    """Waveform, rate and word timings from the durations VITS predicted per character.

    The timings are empty (the caller aligns instead) when the voice's alphabet dropped some
    characters, since then tokens no longer map one to one onto the text.
    """
    import torch

    tokenizer = model.tokenizer
    cleaned = tokenizer.text_cleaner(text) if tokenizer.text_cleaner else text
    ids = tokenizer.text_to_ids(text)
    if not ids:
        raise ValueError("no speakable characters")
    model.length_scale = 1.0 / speed
    torch.manual_seed(seed)
    with torch.no_grad():
        out = model.inference(torch.LongTensor(ids).unsqueeze(0).to(model.device))
    waveform = out["model_outputs"][0, 0].float().cpu().numpy()
    rate = int(model.config.audio.sample_rate)
    frames = out["durations"][0, 0].float().cpu().numpy()
    edges = np.concatenate([[0.0], np.cumsum(frames)]) * model.config.audio.hop_length / rate
    if len(tokenizer.encode(cleaned)) != len(cleaned):
        return waveform, rate, []
    # Character i is token (i + bos) of the encoded text; with blanks between tokens, 2 (i + bos) + 1.
    first = 1 if tokenizer.use_eos_bos else 0
    step, shift = (2, 1) if tokenizer.add_blank else (1, 0)

    def token(index: int) -> int:
        return step * (index + first) + shift

    words = [
        {
            "text": cleaned[a:b],
            "start": round(float(edges[token(a)]), 4),
            "end": round(float(edges[token(b - 1) + 1]), 4),
        }
        for a, b in _word_spans(cleaned)
    ]
    return waveform, rate, words


def conditioning(model, reference: str, max_seconds: float = 30.0, rate: int = 22_050):
    """XTTS's voice latents from a WAV clip, read with Storyloom's own WAV reader.

    Coqui's ``get_conditioning_latents`` loads files through torchaudio, which needs FFmpeg's
    shared libraries; a WAV needs none of that. Same steps otherwise: the clip at 22.05 kHz
    (at most 30 s) gives the speaker embedding and the GPT conditioning latents.
    """
    import torch

    from .audio_io import read_wav, to_rate

    samples, source_rate = read_wav(Path(reference))
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    audio = (
        torch.from_numpy(to_rate(mono, source_rate, rate)[: int(rate * max_seconds)])
        .unsqueeze(0)
        .to(model.device)
    )
    with torch.inference_mode():
        speaker = model.get_speaker_embedding(audio, rate)
        latents = model.get_gpt_cond_latents(audio, rate, length=6, chunk_length=6)
    return latents, speaker


def synthesize_xtts(
    model, text: str, language: str, reference: str, seed: int, speed: float
) -> tuple[np.ndarray, int]:
    """XTTS-v2: the voice is cloned from the reference clip (its conditioning latents)."""
    import torch

    latents, speaker = conditioning(model, reference)
    torch.manual_seed(seed)  # XTTS samples its speech tokens
    out = model.inference(text, language or "en", latents, speaker, speed=speed)
    return np.asarray(out["wav"], dtype=np.float32), int(model.args.output_sample_rate)
