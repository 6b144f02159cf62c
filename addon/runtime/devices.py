"""Device, dtype and memory options for model work (runs in the worker, imports torch)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger("storyloom.worker")

MEMORY_MODES = ("speed", "balanced", "low")


@dataclass(frozen=True)
class Placement:
    device: str
    dtype_name: str  # "float32", "float16" or "bfloat16"
    memory_mode: str

    @property
    def accelerated(self) -> bool:
        return self.device != "cpu"

    def torch_dtype(self):
        import torch

        return getattr(torch, self.dtype_name)

    @property
    def key(self) -> str:
        return f"{self.device}/{self.dtype_name}/{self.memory_mode}"


def available_devices() -> list[str]:
    import torch

    devices = []
    if torch.cuda.is_available():
        devices.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return [*devices, "cpu"]


def choose_placement(preference: str, memory_mode: str, family: str) -> Placement:
    """Device from the preference (auto: cuda > mps > cpu), dtype from the device and family."""
    if memory_mode not in MEMORY_MODES:
        raise ValueError(f"Unknown memory mode '{memory_mode}': expected one of {', '.join(MEMORY_MODES)}.")
    devices = available_devices()
    device = preference if preference in devices else devices[0]
    if preference not in ("auto", device):
        log.warning("device %s asked for but not available; using %s", preference, device)
    if device == "cpu":
        dtype = "float32"  # half precision on the CPU is slow or unsupported for many kernels
    elif family in ("flux", "sd3") and device == "cuda":
        import torch

        dtype = "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    else:
        dtype = "float16"
    return Placement(device=device, dtype_name=dtype, memory_mode=memory_mode)


def apply_memory_options(pipe, placement: Placement) -> list[str]:
    """Put ``pipe`` on its device with the memory savers its mode asks for; returns what was done.

    CPU offload needs an accelerator (diffusers raises without one), so on the CPU the
    pipeline simply stays in RAM.
    """
    applied = []
    if placement.accelerated and placement.memory_mode == "low":
        pipe.enable_sequential_cpu_offload(device=placement.device)
        applied.append("sequential CPU offload")
    elif placement.accelerated and placement.memory_mode == "balanced":
        pipe.enable_model_cpu_offload(device=placement.device)
        applied.append("model CPU offload")
    else:
        pipe.to(placement.device)
        if placement.memory_mode != "speed" and not placement.accelerated:
            applied.append("offload skipped: no accelerator")
    if placement.memory_mode in ("balanced", "low"):
        vae = getattr(pipe, "vae", None)
        if vae is not None and hasattr(vae, "enable_tiling"):
            try:
                vae.enable_tiling()
                applied.append("VAE tiling")
            except NotImplementedError:  # e.g. SVD's temporal decoder has no tiled path
                pass
    if placement.memory_mode == "low" and hasattr(pipe, "enable_attention_slicing"):
        pipe.enable_attention_slicing()
        applied.append("attention slicing")
    return applied


def weights_bytes(pipe) -> int:
    """Bytes of all weights of a pipeline's torch modules, or of one model (what keeping it warm costs)."""
    import torch

    total = 0
    components = [pipe] if isinstance(pipe, torch.nn.Module) else getattr(pipe, "components", {}).values()
    for component in components:
        if isinstance(component, torch.nn.Module):
            total += sum(p.numel() * p.element_size() for p in component.parameters())
            total += sum(b.numel() * b.element_size() for b in component.buffers())
    return total


def release(pipe) -> None:
    import gc

    import torch

    del pipe
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
