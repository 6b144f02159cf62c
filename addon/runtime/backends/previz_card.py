"""Previz images: a storyboard card per shot, at the film's resolution, with numpy only.

A card shows the style palette as a graded backdrop, the shot number and the shot's visual
prompt. It is what an animatic needs (what is on screen, for how long) and the honest
stand-in for a diffusion image until weights are present.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

from ...core.atomic import write_atomic
from .bitmap_font import GLYPH_HEIGHT, GLYPH_WIDTH, glyph, wrap


def hex_to_rgb(color: str) -> np.ndarray:
    color = color.lstrip("#")
    return np.array([int(color[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float32)


def encode_png(pixels: np.ndarray) -> bytes:
    """RGB uint8 (height, width, 3) -> PNG bytes (no filter, fast deflate)."""
    height, width, _ = pixels.shape
    rows = np.zeros((height, width * 3 + 1), dtype=np.uint8)
    rows[:, 1:] = pixels.reshape(height, width * 3)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
        + chunk(b"IEND", b"")
    )


def draw_text(pixels: np.ndarray, text: str, x: int, y: int, scale: int, color: np.ndarray) -> int:
    """Draw one line of text with its top-left at (x, y); returns the x after it."""
    step = (GLYPH_WIDTH + 1) * scale
    for character in text:
        rows = glyph(character)
        mask = np.array(
            [[(row >> (GLYPH_WIDTH - 1 - bit)) & 1 for bit in range(GLYPH_WIDTH)] for row in rows], dtype=bool
        )
        mask = np.kron(mask, np.ones((scale, scale), dtype=bool))
        region = pixels[y : y + GLYPH_HEIGHT * scale, x : x + GLYPH_WIDTH * scale]
        region[mask[: region.shape[0], : region.shape[1]]] = color
        x += step
    return x


def render_card(
    width: int, height: int, palette: list[str], number: int, title: str, text: str
) -> np.ndarray:
    colors = [hex_to_rgb(c) for c in (palette or ["#1b1f3b", "#c8553d"])]
    top, bottom = colors[0], colors[-1] if len(colors) > 1 else colors[0] * 0.5
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    column = top[None, :] * (1 - ramp) + bottom[None, :] * ramp  # (height, 3)
    pixels = np.repeat(column[:, None, :], width, axis=1)
    # A soft light in the upper third, in the palette's middle colour, so cards are not flat.
    accent = colors[len(colors) // 2]
    yy, xx = np.ogrid[:height, :width]
    # The light sits somewhere else on every card, so a cut reads as a cut even between two
    # shots whose text is alike.
    light_x, light_y = ((0.62, 0.35), (0.3, 0.3), (0.78, 0.55), (0.45, 0.2), (0.2, 0.6))[(number - 1) % 5]
    glow = np.exp(
        -(((xx - width * light_x) / (width * 0.35)) ** 2 + ((yy - height * light_y) / (height * 0.3)) ** 2)
    )
    pixels = pixels * (1 - 0.45 * glow[..., None]) + accent * (0.45 * glow[..., None])
    pixels = pixels.clip(0, 255).astype(np.uint8)

    unit = max(1, min(width, height) // 180)
    margin = 8 * unit
    # A camera move zooms in 12 % and pans 5 %: text starts inside what every move shows.
    left, top = max(margin, int(width * 0.11)), max(margin, int(height * 0.07))
    white = np.array([240, 240, 235], dtype=np.uint8)
    draw_text(pixels, f"SHOT {number:02d}", left, top, 3 * unit, white)
    title_columns = max(8, (width - 2 * left) // ((GLYPH_WIDTH + 1) * (unit + 1)))
    for index, line in enumerate(wrap(title, title_columns)[:2]):
        draw_text(pixels, line, left, top + (26 + 10 * index) * unit, unit + 1, white)
    text_scale = max(1, round(1.4 * unit))
    columns = max(8, (width - 2 * left) // ((GLYPH_WIDTH + 1) * text_scale))
    line_height = (GLYPH_HEIGHT + 3) * text_scale
    # The text band sits in the middle; the bottom third stays clear for the title and subtitles.
    band_top = int(height * 0.42)
    room = max(1, (int(height * 0.68) - band_top - 2 * margin) // line_height)
    lines = wrap(text, columns)[:room]
    band_bottom = band_top + 2 * margin + line_height * len(lines)
    pixels[band_top:band_bottom] = (pixels[band_top:band_bottom] * 0.45).astype(np.uint8)
    for index, line in enumerate(lines):
        draw_text(pixels, line, left, band_top + margin + index * line_height, text_scale, white)
    return pixels


def previz_image(job: dict, ctx) -> dict:
    """Task ``previz-image``: one storyboard card PNG (written atomically)."""
    pixels = render_card(
        int(job["width"]),
        int(job["height"]),
        list(job.get("palette", [])),
        int(job.get("number", 1)),
        str(job.get("title", "")),
        str(job.get("text", "")),
    )
    output = Path(job["output"])
    png = encode_png(pixels)
    write_atomic(output, lambda temp: temp.write_bytes(png))
    ctx.artifact(output, width=pixels.shape[1], height=pixels.shape[0])
    return {"output": str(output)}
