"""The pictures an image job starts from: img2img sources, inpaint masks, ControlNet hints.

Blender writes them as PNGs into the media folder before it submits the job; here they are
read, checked and brought to the size the model works at.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...core.validation import BadInput


def _open(path: str, what: str):
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(path)
        image.load()
    except FileNotFoundError:
        raise BadInput(f"The {what} {path} does not exist.") from None
    except (UnidentifiedImageError, OSError) as error:
        raise BadInput(f"The {what} {path} is not a readable image ({error}).") from None
    if image.width == 0 or image.height == 0:
        raise BadInput(f"The {what} {path} has no pixels.")
    return image


def load_rgb(path: str, size: tuple[int, int], what: str = "source image"):
    """An RGB picture at ``size`` (width, height): resized with Lanczos when it differs."""
    from PIL import Image

    image = _open(path, what).convert("RGB")
    if image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    return image


def load_mask(path: str, source_path: str, size: tuple[int, int]):
    """A greyscale mask (white = repaint), which must be the source image's size."""
    from PIL import Image

    mask = _open(path, "mask")
    source_size = _open(source_path, "source image").size
    if mask.size != source_size:
        raise BadInput(
            f"The mask is {mask.width}x{mask.height} but the source image is "
            f"{source_size[0]}x{source_size[1]}: they must be the same size."
        )
    mask = mask.convert("L")
    if mask.size != size:
        mask = mask.resize(size, Image.Resampling.NEAREST)
    return mask


def keep_unmasked(generated, source, mask):
    """Paste the source back where the mask is black.

    The pipeline re-encodes the whole picture through the VAE, which shifts every pixel a
    little; the artist asked to change only the masked part, so the rest is the source exactly.
    """
    from PIL import Image

    weight = np.asarray(mask, dtype=np.float32)[..., None] / 255.0
    mixed = np.asarray(source, np.float32) * (1.0 - weight) + np.asarray(generated, np.float32) * weight
    return Image.fromarray(np.round(mixed).clip(0, 255).astype(np.uint8), "RGB")


def copy_as_png(source: str, size: tuple[int, int], output: Path) -> None:
    from ...core.atomic import write_atomic

    image = load_rgb(source, size)
    write_atomic(output, lambda temp: image.save(temp, format="PNG"))
