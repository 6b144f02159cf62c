"""The model registry: built-in specs, user specs, diffusers folders, safetensors only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from addon.core.models import (
    BUILT_IN_SPECS,
    ModelError,
    check_safe_weights,
    get_spec,
    load_registry,
    missing_model_message,
)


def diffusers_folder(root: Path, name: str, pipeline: str = "StableDiffusionPipeline", suffix=".safetensors"):
    folder = root / name
    (folder / "unet").mkdir(parents=True)
    (folder / "model_index.json").write_text(json.dumps({"_class_name": pipeline}))
    (folder / "unet" / f"diffusion_pytorch_model{suffix}").write_bytes(b"weights")
    return folder


def test_built_in_image_models_are_there():
    registry = load_registry(None)
    assert {"sd15", "sdxl", "sdxl-turbo", "sd35-medium", "flux-schnell"} <= set(registry)
    turbo = registry["sdxl-turbo"]
    assert (turbo.family, turbo.defaults["steps"], turbo.defaults["guidance"]) == ("sdxl", 1, 0.0)
    assert all(spec.license and not spec.is_local for spec in BUILT_IN_SPECS)
    bundled = {"espeak", "procedural"}  # ship with Storyloom: no weights, no memory estimate needed
    assert all(spec.memory_gb > 0 for spec in BUILT_IN_SPECS if spec.family not in bundled)


def test_a_diffusers_folder_in_the_models_folder_becomes_a_spec(tmp_path):
    diffusers_folder(tmp_path, "my-sdxl", "StableDiffusionXLPipeline")
    diffusers_folder(tmp_path, "not-an-image-model", "SomethingElsePipeline")
    registry = load_registry(tmp_path)
    spec = registry["my-sdxl"]
    assert (spec.family, spec.source, spec.is_local) == ("sdxl", str((tmp_path / "my-sdxl").resolve()), True)
    assert "not-an-image-model" not in registry


def test_toml_spec_adds_or_replaces_a_model(tmp_path):
    diffusers_folder(tmp_path / "weights", "fox-finetune")
    (tmp_path / "fox.toml").write_text(
        'id = "fox"\nfamily = "stable-diffusion"\nsource = "weights/fox-finetune"\nmemory_gb = 4\n'
        'license = "CreativeML OpenRAIL-M"\n[defaults]\nsteps = 12\n'
    )
    (tmp_path / "sdxl.toml").write_text('id = "sdxl"\nfamily = "sdxl"\nsource = "my-org/my-sdxl"\n')
    registry = load_registry(tmp_path)
    assert registry["fox"].source == str((tmp_path / "weights/fox-finetune").resolve())
    assert registry["fox"].defaults == {"steps": 12}
    assert registry["sdxl"].source == "my-org/my-sdxl" and registry["sdxl"].origin.endswith("sdxl.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('id = "x"\nfamily = "sdxl"\n', "lacks source"),
        ('id = "x"\nfamily = "gan"\nsource = "a/b"\n', "unknown family 'gan'"),
        ("id = ", "cannot be read"),
    ],
)
def test_broken_spec_files_are_named(tmp_path, text, message):
    (tmp_path / "broken.toml").write_text(text)
    with pytest.raises(ModelError, match=message):
        load_registry(tmp_path)


def test_unknown_id_lists_the_known_ones():
    with pytest.raises(ModelError, match="Unknown model 'nope'. Known models: .*flux-schnell"):
        get_spec(load_registry(None), "nope")


def test_pickle_weights_are_refused_per_component(tmp_path):
    folder = diffusers_folder(tmp_path, "pickled", suffix=".bin")
    (folder / "text_encoder").mkdir()
    (folder / "text_encoder" / "model.safetensors").write_bytes(b"w")
    with pytest.raises(ModelError, match=r"only pickle weights .*unet/diffusion_pytorch_model.bin") as caught:
        check_safe_weights(folder)
    assert caught.value.kind == "unsafe_weights"
    (folder / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(b"w")
    check_safe_weights(folder)  # a safetensors beside the pickle is what loads


def test_missing_model_message_says_where_and_how(tmp_path):
    spec = load_registry(None)["sdxl-turbo"]
    offline = missing_model_message(spec, tmp_path, online_access=False)
    assert "sdxl-turbo" in offline and str(tmp_path / "hub") in offline and "Allow Online Access" in offline
    assert "Download Model" in missing_model_message(spec, tmp_path, online_access=True)


def test_the_full_runtime_pins_the_previz_runtime_the_same_way():
    folder = Path(__file__).resolve().parents[2] / "addon" / "runtime"

    def pins(name: str) -> set[str]:
        lines = (folder / name).read_text().splitlines()
        return {line.strip() for line in lines if line.strip() and not line.startswith("#")}

    assert pins("requirements-previz.txt") <= pins("requirements.txt")
    assert "torch==2.11.0" in pins("requirements.txt")


def test_conditioning_and_upscale_specs_are_built_in():
    registry = load_registry(None)
    assert registry["controlnet-depth-sd15"].defaults["base_family"] == "stable-diffusion"
    assert registry["controlnet-depth-sdxl"].defaults["base_family"] == "sdxl"
    assert (registry["sdxl-inpaint"].task, registry["sdxl-inpaint"].family) == ("inpaint", "sdxl")
    assert registry["sd-x4-upscaler"].task == "upscale"


def test_controlnet_and_inpaint_folders_are_detected_with_their_base(tmp_path):
    for name, extra in (("cn-sd15", {}), ("cn-xl", {"addition_embed_type": "text_time"})):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "config.json").write_text(json.dumps({"_class_name": "ControlNetModel", **extra}))
        (folder / "diffusion_pytorch_model.safetensors").write_bytes(b"weights")
    diffusers_folder(tmp_path, "my-inpaint", "StableDiffusionInpaintPipeline")
    (tmp_path / "stray").mkdir()
    (tmp_path / "stray" / "config.json").write_text("not json")
    registry = load_registry(tmp_path)
    assert registry["cn-sd15"].task == "controlnet"
    assert registry["cn-sd15"].defaults["base_family"] == "stable-diffusion"
    assert registry["cn-xl"].defaults["base_family"] == "sdxl"
    assert (registry["my-inpaint"].task, registry["my-inpaint"].family) == ("inpaint", "stable-diffusion")
    assert "stray" not in registry
