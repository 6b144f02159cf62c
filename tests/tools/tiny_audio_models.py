"""Tiny random-weight audio models, built offline and saved like real ones.

    python tests/tools/tiny_audio_models.py OUT_DIR [vits] [musicgen] [stable-audio]

transformers VITS (the MMS-TTS architecture) with a character vocabulary, and MusicGen with a
tiny T5 text encoder, EnCodec and decoder (built from sub-configs, as transformers 5 needs).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tiny_video_models import t5_parts

LETTERS = list("abcdefghijklmnopqrstuvwxyz '.,?!-")


def save_tiny_vits(folder: Path) -> None:
    import torch
    from transformers import VitsConfig, VitsModel, VitsTokenizer

    vocab = {character: index for index, character in enumerate(["<pad>", *LETTERS])}
    with tempfile.TemporaryDirectory() as scratch:
        vocab_file = Path(scratch) / "vocab.json"
        vocab_file.write_text(json.dumps(vocab))
        tokenizer = VitsTokenizer(
            str(vocab_file), add_blank=True, pad_token="<pad>", unk_token="<pad>", phonemize=False
        )
    config = VitsConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        ffn_dim=32,
        flow_size=16,
        spectrogram_bins=33,
        upsample_initial_channel=16,
        upsample_rates=[8, 8, 4],
        upsample_kernel_sizes=[16, 16, 8],
        resblock_kernel_sizes=[3],
        resblock_dilation_sizes=[[1, 3]],
        prior_encoder_num_flows=2,
        prior_encoder_num_wavenet_layers=2,
        posterior_encoder_num_wavenet_layers=2,
        duration_predictor_num_flows=2,
        duration_predictor_filter_channels=16,
        depth_separable_num_layers=2,
        sampling_rate=16000,
    )
    torch.manual_seed(0)
    VitsModel(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))


def save_tiny_musicgen(folder: Path) -> None:
    import torch
    from transformers import (
        EncodecConfig,
        EncodecFeatureExtractor,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        MusicgenProcessor,
    )

    text_encoder, tokenizer = t5_parts()
    # Hop 32 at 16 kHz: 500 codec frames per second, 2 codebooks of 64 codes (6 kbps).
    audio = EncodecConfig(
        audio_channels=1,
        sampling_rate=16000,
        num_filters=4,
        codebook_size=64,
        codebook_dim=8,
        upsampling_ratios=[8, 4],
        hidden_size=8,
        num_residual_layers=1,
        num_lstm_layers=1,
        target_bandwidths=[6.0],
    )
    codes = audio.codebook_size  # the decoder's pad/start token sits just past the codes
    decoder = MusicgenDecoderConfig(
        vocab_size=codes,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        ffn_dim=32,
        num_codebooks=audio.num_quantizers,
        max_position_embeddings=4096,
        audio_channels=1,
        pad_token_id=codes,
        bos_token_id=codes,
    )
    config = MusicgenConfig(
        text_encoder=text_encoder.config.to_dict(), audio_encoder=audio.to_dict(), decoder=decoder.to_dict()
    )
    torch.manual_seed(0)
    model = MusicgenForConditionalGeneration(config)
    for name in ("pad_token_id", "bos_token_id", "decoder_start_token_id"):
        setattr(model.generation_config, name, codes)
    model.save_pretrained(str(folder))
    processor = MusicgenProcessor(EncodecFeatureExtractor(feature_size=1, sampling_rate=16000), tokenizer)
    processor.save_pretrained(str(folder))


def save_tiny_stable_audio(folder: Path) -> None:
    """Stable Audio Open's parts at toy size: 1.6 kHz stereo, windows up to 0.16 s."""
    import torch
    from diffusers import (
        AutoencoderOobleck,
        CosineDPMSolverMultistepScheduler,
        StableAudioDiTModel,
        StableAudioPipeline,
        StableAudioProjectionModel,
    )

    text_encoder, tokenizer = t5_parts()
    tokenizer.model_max_length = 32  # the pipeline pads prompts to this (128 for the release)
    torch.manual_seed(0)
    transformer = StableAudioDiTModel(
        sample_size=128,
        in_channels=3,
        num_layers=2,
        attention_head_dim=4,
        num_key_value_attention_heads=2,
        out_channels=3,
        cross_attention_dim=4,
        time_proj_dim=8,
        global_states_input_dim=8,
        cross_attention_input_dim=4,
    )
    scheduler = CosineDPMSolverMultistepScheduler(
        solver_order=2, prediction_type="v_prediction", sigma_data=1.0, sigma_schedule="exponential"
    )
    vae = AutoencoderOobleck(
        encoder_hidden_size=6,
        downsampling_ratios=[1, 2],
        decoder_channels=3,
        decoder_input_channels=3,
        audio_channels=2,
        channel_multiples=[2, 4],
        sampling_rate=1600,
    )
    projection = StableAudioProjectionModel(
        text_encoder_dim=text_encoder.config.d_model, conditioning_dim=4, min_value=0, max_value=32
    )
    StableAudioPipeline(
        transformer=transformer,
        scheduler=scheduler,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        projection_model=projection,
    ).save_pretrained(str(folder), safe_serialization=True)


def save_tiny_coqui_vits(folder: Path) -> None:
    """A Coqui VITS voice at toy size, saved as config.json + model.safetensors (never a pickle)."""
    import torch
    from safetensors.torch import save_model
    from TTS.tts.configs.shared_configs import CharactersConfig
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits, VitsArgs

    characters = CharactersConfig(
        characters_class="TTS.tts.models.vits.VitsCharacters",
        pad="<PAD>",
        eos="<EOS>",
        bos="<BOS>",
        blank="<BLNK>",
        characters="abcdefghijklmnopqrstuvwxyz",
        punctuations="!'(),-.:;? ",
        is_unique=True,
        is_sorted=True,
    )
    args = VitsArgs(
        hidden_channels=16,
        hidden_channels_ffn_text_encoder=32,
        num_heads_text_encoder=2,
        num_layers_text_encoder=2,
        num_layers_posterior_encoder=2,
        num_layers_flow=2,
        upsample_initial_channel_decoder=32,
        upsample_rates_decoder=[8, 8, 2, 2],
        upsample_kernel_sizes_decoder=[16, 16, 4, 4],
        resblock_kernel_sizes_decoder=[3],
        resblock_dilation_sizes_decoder=[[1, 3, 5]],
        out_channels=513,
        use_sdp=False,
        init_discriminator=False,  # training only: 180 MB of weights inference never uses
    )
    config = VitsConfig(
        model_args=args,
        characters=characters,
        use_phonemes=False,
        text_cleaner="basic_cleaners",
        add_blank=True,
    )
    config.audio.sample_rate = 16000
    torch.manual_seed(0)
    model = Vits.init_from_config(config)
    folder.mkdir(parents=True, exist_ok=True)
    config.save_json(str(folder / "config.json"))
    save_model(model, str(folder / "model.safetensors"))


def save_tiny_coqui_xtts(folder: Path) -> None:
    """XTTS-v2's parts at toy size (1-layer GPT, 32 channels) with a character tokenizer.

    The speaker encoder keeps its released shape (it sets the cloned voice's embedding), so this
    folder is about 90 MB; it exists to run the cloning path end to end.
    """
    import torch
    from safetensors.torch import save_file
    from tokenizers import Tokenizer, models
    from TTS.tts.configs.xtts_config import XttsConfig
    from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer
    from TTS.tts.models.xtts import Xtts, XttsArgs, XttsAudioConfig

    folder.mkdir(parents=True, exist_ok=True)
    vocab = {"[STOP]": 0, "[UNK]": 1, "[SPACE]": 2, "[en]": 3}
    for character in "abcdefghijklmnopqrstuvwxyz0123456789.,!?'-":
        vocab.setdefault(character, len(vocab))
    Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="[UNK]")).save(str(folder / "vocab.json"))
    args = XttsArgs(
        gpt_layers=1,
        gpt_n_model_channels=32,
        gpt_n_heads=2,
        gpt_number_text_tokens=len(vocab),
        gpt_start_text_token=len(vocab) - 1,
        gpt_stop_text_token=0,
        gpt_num_audio_tokens=66,
        gpt_start_audio_token=64,
        gpt_stop_audio_token=65,
        gpt_max_audio_tokens=60,
        gpt_max_text_tokens=50,
        gpt_max_prompt_tokens=20,
        decoder_input_dim=32,
        tokenizer_file=str(folder / "vocab.json"),
    )
    config = XttsConfig(model_args=args, audio=XttsAudioConfig())
    torch.manual_seed(0)
    model = Xtts.init_from_config(config)
    model.tokenizer = VoiceBpeTokenizer(vocab_file=str(folder / "vocab.json"))
    model.init_models()
    config.save_json(str(folder / "config.json"))
    # Some buffers share storage (spectrogram windows): save every tensor as its own copy.
    state = {name: tensor.detach().contiguous().clone() for name, tensor in model.state_dict().items()}
    save_file(state, str(folder / "model.safetensors"))


def save_tiny_speecht5(folder: Path) -> None:
    """SpeechT5 + HiFi-GAN at toy size, a character SentencePiece model, one named speaker."""
    import sentencepiece
    import torch
    from safetensors.torch import save_file
    from transformers import (
        SpeechT5Config,
        SpeechT5ForTextToSpeech,
        SpeechT5HifiGan,
        SpeechT5HifiGanConfig,
        SpeechT5Tokenizer,
    )

    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "corpus.txt"
        corpus.write_text("\n".join(["the quick brown fox jumps over the lazy dog, hello there."] * 20))
        sentencepiece.SentencePieceTrainer.train(
            input=str(corpus),
            model_prefix=str(Path(scratch) / "spm"),
            vocab_size=40,
            model_type="char",
            character_coverage=1.0,
            bos_id=0,
            pad_id=1,
            eos_id=2,
            unk_id=3,
        )
        tokenizer = SpeechT5Tokenizer(str(Path(scratch) / "spm.model"))
    config = SpeechT5Config(
        vocab_size=len(tokenizer),
        hidden_size=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=32,
        decoder_ffn_dim=32,
        speech_decoder_prenet_units=16,
        speech_decoder_postnet_units=16,
        speech_decoder_postnet_layers=2,
        speaker_embedding_dim=8,
        num_mel_bins=20,
        reduction_factor=2,
        max_speech_positions=400,
        max_text_positions=100,
    )
    vocoder = SpeechT5HifiGanConfig(
        model_in_dim=20,
        upsample_initial_channel=16,
        upsample_rates=[4, 4, 4, 4],
        upsample_kernel_sizes=[8, 8, 8, 8],
        resblock_kernel_sizes=[3],
        resblock_dilation_sizes=[[1, 3, 5]],
        sampling_rate=16000,
    )
    torch.manual_seed(0)
    SpeechT5ForTextToSpeech(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    hifigan = SpeechT5HifiGan(vocoder)
    with torch.no_grad():  # HiFi-GAN's tiny init whispers (~1e-10): re-draw so 16-bit PCM hears it
        for layer in hifigan.modules():
            if isinstance(layer, torch.nn.Conv1d | torch.nn.ConvTranspose1d):
                torch.nn.init.normal_(layer.weight, std=0.3)
    hifigan.save_pretrained(str(folder / "vocoder"))
    save_file({"narrator": torch.randn(8), "guide": torch.randn(8)}, str(folder / "speakers.safetensors"))


BUILDERS = {
    "vits": save_tiny_vits,
    "speecht5": save_tiny_speecht5,
    "musicgen": save_tiny_musicgen,
    "stable-audio": save_tiny_stable_audio,
    "coqui-vits": save_tiny_coqui_vits,
    "coqui-xtts": save_tiny_coqui_xtts,
}


def main() -> int:
    parser = argparse.ArgumentParser(description="Build tiny random-weight audio model folders.")
    parser.add_argument("out", type=Path)
    parser.add_argument("kinds", nargs="*", help=f"any of {', '.join(BUILDERS)} (default: all)")
    args = parser.parse_args()
    for kind in args.kinds or BUILDERS:
        BUILDERS[kind](args.out / f"tiny-{kind}")
        print(args.out / f"tiny-{kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
