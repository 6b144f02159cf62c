"""Device, dtype and memory options for model work (runs in the worker, imports torch lazily).

Where a model runs is decided by one pure function, :func:`decide_placement`, from facts about
the device (its name, whether it computes bfloat16 natively, free and total memory) and about
the model (its family, its memory need, whether it has a T5 text encoder). The decision and
the reason for it go into every job's result and the worker log.

Precision on an accelerator:
  * bfloat16 for the families trained in it (LTX-Video, Wan, CogVideoX, Flux, SD3) and for
    anything with a T5 text encoder (T5 overflows in float16), where the device computes
    bfloat16 natively (CUDA compute capability 8.0 and up); float32 where it does not: float16
    is not safe for them, so they pay the memory rather than risk black frames.
  * float16 only for the families known to be safe in it (SD 1.x/2.x, SDXL and what builds on
    them: AnimateDiff, ControlNet, SVD). SDXL's VAE overflows in float16 (diffusers then
    upcasts it to float32 and back on every decode): on CUDA it is kept in float32 for good,
    unless the spec names an fp16-fix VAE (``defaults.vae``), which decodes in float16.
  * small speech models stay in float32; any other family gets bfloat16 (or float32), never
    float16, until it is known to be safe.
On the CPU everything is float32 (half precision there is slow or unsupported).

Memory modes: ``auto`` (the default) keeps the whole model on the device, without VAE tiling,
when its memory need plus headroom fits in the free memory, and uses model CPU offload with
VAE tiling otherwise (or when the need is unknown); ``speed``, ``balanced`` and ``low`` force
one choice (none; model offload and VAE tiling; sequential offload, VAE tiling and attention
slicing).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger("storyloom.worker")

MEMORY_MODES = ("auto", "speed", "balanced", "low")
DEFAULT_MEMORY_MODE = "auto"
GIB = 2**30

# Trained in bfloat16 (or built around a T5 encoder, which overflows in float16).
BF16_FAMILIES = frozenset(
    {"ltx-video", "wan", "cogvideox", "flux", "sd3", "stable-audio", "musicgen", "causal-lm"}
)
T5_FAMILIES = frozenset({"ltx-video", "wan", "cogvideox", "flux", "sd3", "stable-audio", "musicgen"})
# Known to run correctly in float16 (SD 1.x/2.x, SDXL and models built on them).
FP16_FAMILIES = frozenset({"stable-diffusion", "sdxl", "animatediff", "controlnet", "svd"})
# Small speech models: float32 costs little and keeps their vocoders and flows exact.
FP32_FAMILIES = frozenset({"vits", "speecht5", "coqui-xtts"})
# The families whose VAE overflows in float16 (diffusers' force_upcast).
FP32_VAE_FAMILIES = frozenset({"sdxl"})


@dataclass(frozen=True)
class DeviceInfo:
    """What the placement decision needs to know about a device (gathered by :func:`device_info`)."""

    name: str  # "cuda", "mps" or "cpu"
    bf16: bool = False  # computes bfloat16 natively
    free_bytes: int | None = None  # memory this process could use now; None: not known
    total_bytes: int | None = None
    label: str = ""  # e.g. "NVIDIA H100 80GB HBM3, compute 9.0"


@dataclass(frozen=True)
class Placement:
    device: str
    dtype_name: str  # "float32", "float16" or "bfloat16"
    memory_mode: str  # the mode asked for (auto, speed, balanced, low): part of the cache key
    offload: str = "none"  # none | model | sequential
    vae_tiling: bool = False
    attention_slicing: bool = False
    vae_dtype_name: str = ""  # "" = the pipeline's dtype
    reason: str = ""

    @property
    def accelerated(self) -> bool:
        return self.device != "cpu"

    def torch_dtype(self):
        import torch

        return getattr(torch, self.dtype_name)

    @property
    def key(self) -> str:
        """Identifies the loaded model's form; the offload ``auto`` chose is kept with the model."""
        vae = f"/vae-{self.vae_dtype_name}" if self.vae_dtype_name else ""
        return f"{self.device}/{self.dtype_name}{vae}/{self.memory_mode}"

    def record(self) -> dict:
        """The placement as a job's result and the log show it."""
        record = asdict(self)
        record["dtype"] = record.pop("dtype_name")
        record["vae_dtype"] = record.pop("vae_dtype_name") or record["dtype"]
        return record


def _gib(value: float) -> str:
    return f"{value / GIB:.1f} GiB"


def choose_dtype(
    device: DeviceInfo, family: str, t5_encoder: bool = False, fp16_fix_vae: bool = False
) -> tuple[str, str, str]:
    """(dtype, VAE dtype or "", reason) for ``family`` on ``device``."""
    if device.name == "cpu":
        return "float32", "", "float32 on the CPU (half precision is slow or unsupported there)"
    if family in FP32_FAMILIES:
        return "float32", "", f"float32: {family} is a small speech model, exact in float32 at little cost"
    if family in FP16_FAMILIES and not t5_encoder:
        if family not in FP32_VAE_FAMILIES:
            return "float16", "", f"float16: {family} is known to be safe in it"
        if fp16_fix_vae:
            return "float16", "", f"float16 with the fp16-fix VAE the spec names: {family} decodes in float16"
        if device.name == "cuda":
            return (
                "float16",
                "float32",
                f"float16 with the VAE kept in float32: {family}'s VAE overflows in float16, and "
                "keeping it in float32 spares diffusers' float32 round trip on every decode",
            )
        return "float16", "", f"float16 ({family}'s VAE is upcast per decode by diffusers on {device.name})"
    if family in BF16_FAMILIES or t5_encoder:
        why = "has a T5 text encoder" if (t5_encoder or family in T5_FAMILIES) else "was trained in bfloat16"
        if device.bf16:
            return "bfloat16", "", f"bfloat16: {family} {why}"
        return (
            "float32",
            "",
            f"float32: {family} {why} and float16 is not safe for it, but "
            f"{device.label or device.name} has no native bfloat16",
        )
    if device.bf16:
        return "bfloat16", "", f"bfloat16: {family} is not known to be safe in float16"
    return (
        "float32",
        "",
        f"float32: {family} is not known to be safe in float16 and bfloat16 is not native here",
    )


def decide_placement(
    device: DeviceInfo,
    family: str,
    memory_mode: str,
    need_bytes: int = 0,
    t5_encoder: bool = False,
    fp16_fix_vae: bool = False,
) -> Placement:
    """Where and how a model of ``family`` runs on ``device``: pure, so it can be tested anywhere.

    ``need_bytes`` is the model's peak memory need in half precision (0: unknown); in float32
    it needs twice that.
    """
    if memory_mode not in MEMORY_MODES:
        raise ValueError(f"Unknown memory mode '{memory_mode}': expected one of {', '.join(MEMORY_MODES)}.")
    dtype, vae_dtype, dtype_reason = choose_dtype(device, family, t5_encoder, fp16_fix_vae)
    where = f"{device.label or device.name}: {dtype_reason}"
    if device.name == "cpu":
        # No accelerator: nothing to offload to; the explicit modes keep their VAE-side savers.
        tiling = memory_mode in ("balanced", "low")
        slicing = memory_mode == "low"
        memory = "whole model in RAM" + (" (offload needs an accelerator)" if tiling else "")
        return Placement(
            "cpu", dtype, memory_mode, "none", tiling, slicing, vae_dtype, f"{where}; {memory_mode}: {memory}"
        )
    if memory_mode == "speed":
        return Placement(
            device.name, dtype, memory_mode, "none", False, False, vae_dtype, f"{where}; speed: whole model"
        )
    if memory_mode == "balanced":
        reason = f"{where}; balanced: model CPU offload and VAE tiling"
        return Placement(device.name, dtype, memory_mode, "model", True, False, vae_dtype, reason)
    if memory_mode == "low":
        reason = f"{where}; low: sequential CPU offload, VAE tiling and attention slicing"
        return Placement(device.name, dtype, memory_mode, "sequential", True, True, vae_dtype, reason)
    # auto
    need = need_bytes * (2 if dtype == "float32" else 1)
    if need <= 0:
        reason = f"{where}; auto: memory need unknown, so model CPU offload and VAE tiling"
        return Placement(device.name, dtype, memory_mode, "model", True, False, vae_dtype, reason)
    if device.free_bytes is None:
        reason = f"{where}; auto: free memory unknown, so model CPU offload and VAE tiling"
        return Placement(device.name, dtype, memory_mode, "model", True, False, vae_dtype, reason)
    headroom = max(int(1.5 * GIB), int(0.1 * (device.total_bytes or 0)))
    figures = f"needs ~{_gib(need)} + {_gib(headroom)} headroom, {_gib(device.free_bytes)} free" + (
        f" of {_gib(device.total_bytes)}" if device.total_bytes else ""
    )
    if need + headroom <= device.free_bytes:
        reason = f"{where}; auto: {figures}: whole model on {device.name}, no VAE tiling"
        return Placement(device.name, dtype, memory_mode, "none", False, False, vae_dtype, reason)
    reason = f"{where}; auto: {figures}: model CPU offload and VAE tiling"
    return Placement(device.name, dtype, memory_mode, "model", True, False, vae_dtype, reason)


def available_devices() -> list[str]:
    import torch

    devices = []
    if torch.cuda.is_available():
        devices.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return [*devices, "cpu"]


def device_info(name: str) -> DeviceInfo:
    """The facts :func:`decide_placement` needs, read from torch for ``name``."""
    import torch

    if name == "cuda":
        index = torch.cuda.current_device()
        major, minor = torch.cuda.get_device_capability(index)
        free, total = torch.cuda.mem_get_info(index)
        # Memory this process's allocator holds but does not use is free for the next model too.
        free += torch.cuda.memory_reserved(index) - torch.cuda.memory_allocated(index)
        label = f"{torch.cuda.get_device_name(index)}, compute {major}.{minor}"
        # is_bf16_supported() also answers True where bfloat16 is only emulated (before 8.0).
        return DeviceInfo("cuda", bf16=major >= 8, free_bytes=free, total_bytes=total, label=label)
    if name == "mps":
        total = free = None
        try:
            total = int(torch.mps.recommended_max_memory())
            free = max(0, total - int(torch.mps.driver_allocated_memory()))
        except (AttributeError, RuntimeError):
            pass
        try:
            torch.ones(1, dtype=torch.bfloat16, device="mps")
            bf16 = True
        except (RuntimeError, TypeError):
            bf16 = False
        return DeviceInfo("mps", bf16=bf16, free_bytes=free, total_bytes=total, label="Apple Metal (MPS)")
    return DeviceInfo("cpu", label="CPU")


def choose_placement(
    preference: str,
    memory_mode: str,
    family: str,
    need_bytes: int = 0,
    t5_encoder: bool = False,
    fp16_fix_vae: bool = False,
) -> Placement:
    """Device from the preference (auto: cuda > mps > cpu), then :func:`decide_placement`."""
    if memory_mode not in MEMORY_MODES:
        raise ValueError(f"Unknown memory mode '{memory_mode}': expected one of {', '.join(MEMORY_MODES)}.")
    devices = available_devices()
    device = preference if preference in devices else devices[0]
    if preference not in ("auto", device):
        log.warning("device %s asked for but not available; using %s", preference, device)
    return decide_placement(device_info(device), family, memory_mode, need_bytes, t5_encoder, fp16_fix_vae)


def model_facts(spec) -> dict:
    """What a spec says about its memory need and text encoders, for :func:`choose_placement`.

    The need is the spec's ``memory_gb``; without one, a local folder's safetensors size stands
    in for it (0: unknown). A T5 encoder is read from a local folder's ``model_index.json``.
    """
    need = int(spec.memory_gb * GIB)
    t5 = False
    if spec.is_local:
        folder = Path(spec.source)
        if need <= 0 and folder.is_dir():
            need = sum(path.stat().st_size for path in folder.rglob("*.safetensors"))
        try:
            index = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            index = {}
        t5 = any(
            isinstance(value, list) and len(value) == 2 and "T5" in str(value[1])
            for name, value in index.items()
            if name.startswith("text_encoder")
        )
    return {"need_bytes": need, "t5_encoder": t5, "fp16_fix_vae": bool(spec.defaults.get("vae"))}


def apply_memory_options(pipe, placement: Placement) -> list[str]:
    """Put ``pipe`` on its device with the memory savers its placement names; returns what was done.

    CPU offload needs an accelerator (diffusers raises without one), so on the CPU the
    pipeline simply stays in RAM.
    """
    applied = []
    if placement.accelerated and placement.offload == "sequential":
        pipe.enable_sequential_cpu_offload(device=placement.device)
        applied.append("sequential CPU offload")
    elif placement.accelerated and placement.offload == "model":
        pipe.enable_model_cpu_offload(device=placement.device)
        applied.append("model CPU offload")
    else:
        pipe.to(placement.device)
        if not placement.accelerated and placement.memory_mode in ("balanced", "low"):
            applied.append("offload skipped: no accelerator")
    if placement.vae_tiling:
        vae = getattr(pipe, "vae", None)
        if vae is not None and hasattr(vae, "enable_tiling"):
            try:
                vae.enable_tiling()
                applied.append("VAE tiling")
            except NotImplementedError:  # e.g. SVD's temporal decoder has no tiled path
                pass
    if placement.attention_slicing and hasattr(pipe, "enable_attention_slicing"):
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
