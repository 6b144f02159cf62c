"""Where a model runs: the placement decision table (pure: no torch, no GPU needed)."""

from __future__ import annotations

import json
import sys

import pytest

from addon.core.models import ModelSpec
from addon.runtime.devices import (
    DEFAULT_MEMORY_MODE,
    GIB,
    DeviceInfo,
    decide_placement,
    model_facts,
)

H100 = DeviceInfo("cuda", bf16=True, free_bytes=76 * GIB, total_bytes=80 * GIB, label="H100, compute 9.0")
T4 = DeviceInfo("cuda", bf16=False, free_bytes=14 * GIB, total_bytes=15 * GIB, label="T4, compute 7.5")
CPU = DeviceInfo("cpu", label="CPU")


def test_the_module_needs_no_torch():
    assert "torch" not in sys.modules


def test_auto_is_the_default():
    assert DEFAULT_MEMORY_MODE == "auto"


@pytest.mark.parametrize(
    ("family", "device", "dtype", "vae_dtype"),
    [
        # Trained in bfloat16 / T5 encoders: bfloat16 where native, else float32 (never float16).
        ("ltx-video", H100, "bfloat16", "bfloat16"),
        ("wan", H100, "bfloat16", "bfloat16"),
        ("cogvideox", H100, "bfloat16", "bfloat16"),
        ("flux", H100, "bfloat16", "bfloat16"),
        ("sd3", H100, "bfloat16", "bfloat16"),
        ("stable-audio", H100, "bfloat16", "bfloat16"),
        ("flux", T4, "float32", "float32"),
        ("wan", T4, "float32", "float32"),
        # Known safe in float16; SDXL's VAE stays float32 on CUDA (no per-decode upcast).
        ("stable-diffusion", H100, "float16", "float16"),
        ("stable-diffusion", T4, "float16", "float16"),
        ("sdxl", H100, "float16", "float32"),
        ("sdxl", T4, "float16", "float32"),
        ("animatediff", H100, "float16", "float16"),
        # Not known to be safe in float16: bfloat16 or float32.
        ("sd-upscale", H100, "bfloat16", "bfloat16"),
        ("sd-upscale", T4, "float32", "float32"),
        # Small speech models and everything on the CPU: float32.
        ("vits", H100, "float32", "float32"),
        ("flux", CPU, "float32", "float32"),
        ("sdxl", CPU, "float32", "float32"),
    ],
)
def test_dtype_by_family_and_device(family, device, dtype, vae_dtype):
    placement = decide_placement(device, family, "auto", 8 * GIB)
    assert placement.dtype_name == dtype
    assert placement.record()["vae_dtype"] == vae_dtype
    assert placement.record()["dtype"] in placement.reason


def test_a_t5_encoder_makes_any_family_bfloat16():
    assert decide_placement(H100, "stable-diffusion", "auto", GIB, t5_encoder=True).dtype_name == "bfloat16"
    assert decide_placement(T4, "stable-diffusion", "auto", GIB, t5_encoder=True).dtype_name == "float32"


def test_sdxl_with_an_fp16_fix_vae_decodes_in_float16():
    placement = decide_placement(H100, "sdxl", "auto", 8 * GIB, fp16_fix_vae=True)
    assert (placement.dtype_name, placement.vae_dtype_name) == ("float16", "")
    assert "fp16-fix" in placement.reason
    # On MPS diffusers casts a float32 VAE to the latents' dtype itself: keep its own upcast there.
    mps = DeviceInfo("mps", bf16=True, free_bytes=20 * GIB, total_bytes=32 * GIB)
    assert decide_placement(mps, "sdxl", "auto", 8 * GIB).vae_dtype_name == ""


def test_the_cache_key_tells_apart_what_loads_differently():
    keys = {
        decide_placement(H100, "sdxl", "auto", 8 * GIB).key,
        decide_placement(H100, "sdxl", "auto", 8 * GIB, fp16_fix_vae=True).key,
        decide_placement(H100, "sdxl", "speed", 8 * GIB).key,
    }
    assert len(keys) == 3
    # auto's offload choice is not in the key: a warm model keeps the placement it loaded with.
    roomy = decide_placement(H100, "flux", "auto", 33 * GIB)
    tight = decide_placement(T4, "flux", "auto", 33 * GIB)
    assert roomy.offload != tight.offload
    assert roomy.key == "cuda/bfloat16/auto"


@pytest.mark.parametrize(
    ("need_gib", "free_gib", "total_gib", "offload", "tiling"),
    [
        (8, 76, 80, "none", False),  # fits easily
        (33, 76, 80, "none", False),  # flux-schnell on an 80 GB card
        (33, 36, 80, "model", True),  # 33 + 8 GiB headroom (10% of 80) > 36 free
        (12, 14, 15, "none", False),  # 12 + 1.5 GiB headroom (the floor) <= 14
        (13, 14, 15, "model", True),  # 13 + 1.5 > 14
        (0, 76, 80, "model", True),  # need unknown: the safe choice
    ],
)
def test_auto_offloads_only_when_the_need_does_not_fit(need_gib, free_gib, total_gib, offload, tiling):
    device = DeviceInfo("cuda", True, free_gib * GIB, total_gib * GIB, "GPU")
    placement = decide_placement(device, "flux", "auto", need_gib * GIB)
    assert (placement.offload, placement.vae_tiling, placement.attention_slicing) == (offload, tiling, False)
    assert placement.memory_mode == "auto"
    if need_gib:
        assert f"{free_gib:.1f} GiB free" in placement.reason
    else:
        assert "memory need unknown" in placement.reason


def test_auto_counts_float32_as_twice_the_half_precision_need():
    device = DeviceInfo("cuda", False, 20 * GIB, 24 * GIB, "RTX 2080 Ti, compute 7.5")
    assert decide_placement(device, "stable-diffusion", "auto", 10 * GIB).offload == "none"  # float16
    flux = decide_placement(device, "flux", "auto", 10 * GIB)  # float32 here: 20 GiB + 2.4 GiB headroom
    assert (flux.dtype_name, flux.offload) == ("float32", "model")
    assert "needs ~20.0 GiB" in flux.reason


def test_auto_without_free_memory_figures_offloads():
    mps = DeviceInfo("mps", bf16=True)
    assert decide_placement(mps, "stable-diffusion", "auto", 2 * GIB).offload == "model"


@pytest.mark.parametrize(
    ("mode", "offload", "tiling", "slicing"),
    [
        ("speed", "none", False, False),
        ("balanced", "model", True, False),
        ("low", "sequential", True, True),
    ],
)
def test_explicit_modes_force_their_choice_whatever_the_memory(mode, offload, tiling, slicing):
    placement = decide_placement(H100, "stable-diffusion", mode, GIB)
    assert (placement.offload, placement.vae_tiling, placement.attention_slicing) == (
        offload,
        tiling,
        slicing,
    )
    assert f"{mode}:" in placement.reason


def test_the_cpu_never_offloads():
    assert decide_placement(CPU, "flux", "auto", 33 * GIB).offload == "none"
    low = decide_placement(CPU, "flux", "low", 33 * GIB)
    assert (low.offload, low.vae_tiling, low.attention_slicing) == ("none", True, True)
    assert not decide_placement(CPU, "flux", "auto", 33 * GIB).vae_tiling


def test_unknown_memory_mode_is_refused():
    with pytest.raises(ValueError, match="Unknown memory mode 'huge'"):
        decide_placement(H100, "sdxl", "huge")


def test_model_facts_read_the_need_and_a_t5_encoder_from_a_local_folder(tmp_path):
    folder = tmp_path / "my-flux"
    (folder / "transformer").mkdir(parents=True)
    (folder / "transformer" / "model.safetensors").write_bytes(b"\0" * 3000)
    (folder / "vae.safetensors").write_bytes(b"\0" * 1000)
    (folder / "model_index.json").write_text(
        json.dumps(
            {
                "_class_name": "FluxPipeline",
                "text_encoder": ["transformers", "CLIPTextModel"],
                "text_encoder_2": ["transformers", "T5EncoderModel"],
            }
        )
    )
    spec = ModelSpec(id="my-flux", task="text-to-image", family="flux", source=str(folder))
    assert model_facts(spec) == {"need_bytes": 4000, "t5_encoder": True, "fp16_fix_vae": False}
    sized = ModelSpec(id="x", task="text-to-image", family="sdxl", source="org/x", memory_gb=8.0)
    sized_with_vae = ModelSpec(
        id="y", task="text-to-image", family="sdxl", source="org/y", memory_gb=8.0, defaults={"vae": "org/v"}
    )
    assert model_facts(sized) == {"need_bytes": 8 * GIB, "t5_encoder": False, "fp16_fix_vae": False}
    assert model_facts(sized_with_vae)["fp16_fix_vae"] is True
