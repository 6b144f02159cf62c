"""Tileable images: make every convolution wrap around the image's edges.

A UNet and a VAE are stacks of 3x3 convolutions. With zero padding, pixels at the left edge
never see the right edge, so the picture has a seam when tiled. With circular padding the
network works on a torus: the last column is computed as the neighbour of the first, and the
image tiles without a seam. Attention layers are global and position-free, so they need
nothing. DiT models (SD3, Flux) have convolutions only in the VAE: they are refused.

The pipeline is shared through the model cache, so the padding is switched back afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


def _convolutions(pipe) -> list:
    import torch

    modules = [getattr(pipe, name, None) for name in ("unet", "vae", "controlnet")]
    return [
        layer
        for module in modules
        if module is not None
        for layer in module.modules()
        if isinstance(layer, torch.nn.Conv2d)
    ]


@contextmanager
def circular_padding(pipe, enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    layers = _convolutions(pipe)
    before = [layer.padding_mode for layer in layers]
    for layer in layers:
        layer.padding_mode = "circular"
    # A tiled VAE decode wraps each tile, not the picture: decode in one piece instead.
    vae = getattr(pipe, "vae", None)
    vae_tiled = bool(getattr(vae, "use_tiling", False))
    if vae_tiled:
        vae.disable_tiling()
    try:
        yield
    finally:
        for layer, mode in zip(layers, before, strict=True):
            layer.padding_mode = mode
        if vae_tiled:
            vae.enable_tiling()
