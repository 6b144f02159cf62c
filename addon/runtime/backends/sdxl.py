"""Stable Diffusion XL, SDXL-Turbo and fine-tunes (UNet, two CLIP text encoders).

SDXL's own VAE overflows in float16: on CUDA it is kept in float32 (see devices.py). A spec
may name a VAE that does not overflow instead (``defaults.vae``: a folder or a hub id, e.g.
the fp16-fix VAE ``madebyollin/sdxl-vae-fp16-fix``); it then decodes in the pipeline's dtype.
"""

from pathlib import Path

from ...core.models import ModelSpec, hub_cache_dir
from ...core.validation import ImageParams
from .stable_diffusion import call_kwargs as sd_call_kwargs

PIPELINE_CLASS = "StableDiffusionXLPipeline"
IMG2IMG_CLASS = "StableDiffusionXLImg2ImgPipeline"
INPAINT_CLASS = "StableDiffusionXLInpaintPipeline"
CONTROLNET_CLASS = "StableDiffusionXLControlNetPipeline"
SEAMLESS = True


def extra_components(spec: ModelSpec, placement, models_folder: Path, allow_online: bool) -> dict:
    """The VAE the spec names instead of the checkpoint's own, if it names one."""
    source = spec.defaults.get("vae")
    if not source:
        return {}
    from diffusers import AutoencoderKL

    from ...core.models import ModelError, check_safe_weights

    if Path(source).is_absolute():
        check_safe_weights(Path(source))
    try:
        vae = AutoencoderKL.from_pretrained(
            str(source),
            dtype=placement.torch_dtype(),
            use_safetensors=True,
            local_files_only=not allow_online,
            cache_dir=str(hub_cache_dir(models_folder)),
        )
    except OSError:
        raise ModelError(
            f"The VAE {source} that '{spec.id}' names is not on this machine: "
            + ("download it with Storyloom > Download Model." if allow_online else "online access is off.")
        ) from None
    return {"vae": vae}


def call_kwargs(params: ImageParams) -> dict:
    # Same arguments as SD 1.x; SDXL-Turbo is distilled for guidance 0 (its spec's default).
    return sd_call_kwargs(params)
