"""Tiny random-weight models, built offline from configs and saved like real ones.

They go through the same ``from_pretrained`` path as real checkpoints, so tests exercise the
real loading code without downloading anything. Run with the runtime Python (torch):

    python tests/tools/tiny_models.py sd|sdxl|sd-upscale OUT_DIR [--pickle]

Configs follow diffusers' own tests (``get_dummy_components``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def byte_level_characters() -> list[str]:
    """The 256 printable stand-ins byte-level BPE uses for bytes (GPT-2's scheme)."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    extra = iter(range(256, 512))
    return [chr(byte) if byte in printable else chr(next(extra)) for byte in range(256)]


def clip_tokenizer():
    """A CLIP tokenizer with no files: byte-level characters only, no merges (encodes any text)."""
    from transformers import CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for character in byte_level_characters():
        vocab.setdefault(character, len(vocab))
        vocab.setdefault(character + "</w>", len(vocab))
    return CLIPTokenizer(vocab=vocab, merges=[], pad_token="<|endoftext|>", model_max_length=77)


def tiny_stable_diffusion():
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(4, 8),
        layers_per_block=1,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        norm_num_groups=2,
    )
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    vae = AutoencoderKL(
        block_out_channels=[4, 8],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"],
        latent_channels=4,
        norm_num_groups=2,
    )
    tokenizer = clip_tokenizer()
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
            hidden_size=32,
            intermediate_size=64,
            layer_norm_eps=1e-05,
            num_attention_heads=4,
            num_hidden_layers=2,
            vocab_size=len(tokenizer),
        )
    )
    return StableDiffusionPipeline(
        unet=unet,
        scheduler=scheduler,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )


def tiny_sdxl():
    """A tiny SDXL (two CLIP encoders, text-time embeddings); its VAE keeps SDXL's force_upcast flag."""
    import torch
    from diffusers import (
        AutoencoderKL,
        EulerDiscreteScheduler,
        StableDiffusionXLPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(4, 8),
        layers_per_block=1,
        sample_size=32,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4),
        use_linear_projection=True,
        addition_embed_type="text_time",
        addition_time_embed_dim=8,
        transformer_layers_per_block=(1, 1),
        projection_class_embeddings_input_dim=80,  # 6 x 8 time ids + the 32-wide pooled text
        cross_attention_dim=64,
        norm_num_groups=2,
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        steps_offset=1,
        beta_schedule="scaled_linear",
        timestep_spacing="leading",
    )
    vae = AutoencoderKL(
        block_out_channels=[4, 8],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
        up_block_types=["UpDecoderBlock2D", "UpDecoderBlock2D"],
        latent_channels=4,
        norm_num_groups=2,
        force_upcast=True,  # as SDXL's own VAE: diffusers upcasts a float16 one around every decode
    )
    tokenizer = clip_tokenizer()
    config = {
        "bos_token_id": 0,
        "eos_token_id": 1,
        "pad_token_id": 1,
        "hidden_size": 32,
        "intermediate_size": 37,
        "layer_norm_eps": 1e-05,
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "vocab_size": len(tokenizer),
        "hidden_act": "gelu",
        "projection_dim": 32,
    }
    return StableDiffusionXLPipeline(
        unet=unet,
        scheduler=scheduler,
        vae=vae,
        text_encoder=CLIPTextModel(CLIPTextConfig(**config)),
        tokenizer=tokenizer,
        text_encoder_2=CLIPTextModelWithProjection(CLIPTextConfig(**config)),
        tokenizer_2=clip_tokenizer(),
    )


def tiny_sd_upscale():
    """A tiny Stable Diffusion x4 upscaler: the UNet takes the noisy latents and the low-res picture
    (4 + 3 channels) with the noise level as a class label; a three-stage VAE decodes 4x larger."""
    import torch
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        DDPMScheduler,
        StableDiffusionUpscalePipeline,
        UNet2DConditionModel,
    )

    pipe = tiny_stable_diffusion()  # for its tiny CLIP text encoder and tokenizer
    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        block_out_channels=(4, 8),
        layers_per_block=1,
        sample_size=32,
        in_channels=7,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        norm_num_groups=2,
        num_class_embeds=400,
    )
    vae = AutoencoderKL(
        block_out_channels=[4, 4, 8],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D"] * 3,
        up_block_types=["UpDecoderBlock2D"] * 3,
        latent_channels=4,
        norm_num_groups=2,
        scaling_factor=0.08333,
    )
    return StableDiffusionUpscalePipeline(
        vae=vae,
        text_encoder=pipe.text_encoder,
        tokenizer=pipe.tokenizer,
        unet=unet,
        low_res_scheduler=DDPMScheduler(),
        scheduler=DDIMScheduler(prediction_type="v_prediction"),
        max_noise_level=350,
    )


def tiny_controlnet(pipe):
    """A depth ControlNet shaped like the tiny SD's UNet (as diffusers' ControlNet tests do)."""
    from diffusers import ControlNetModel

    # One stride-2 stage, matching the tiny VAE's single downsampling (64 px -> 32 latents).
    return ControlNetModel.from_unet(pipe.unet, conditioning_embedding_out_channels=(4, 8))


def save(pipe, folder: Path, pickle: bool = False) -> Path:
    pipe.save_pretrained(str(folder), safe_serialization=not pickle)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description="Build a tiny random-weight model folder.")
    parser.add_argument("kind", choices=["sd", "sdxl", "sd-upscale"])
    parser.add_argument("out", type=Path)
    parser.add_argument("--pickle-out", type=Path, help="also save a copy with pickle (.bin) weights only")
    parser.add_argument("--controlnet-out", type=Path, help="also save a tiny ControlNet for it")
    args = parser.parse_args()
    builders = {"sd": tiny_stable_diffusion, "sdxl": tiny_sdxl, "sd-upscale": tiny_sd_upscale}
    pipe = builders[args.kind]()
    save(pipe, args.out)
    if args.pickle_out:
        save(pipe, args.pickle_out, pickle=True)
    if args.controlnet_out:
        tiny_controlnet(pipe).save_pretrained(str(args.controlnet_out), safe_serialization=True)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
