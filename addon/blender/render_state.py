"""Borrow scene settings for a helper render or bake, and always give them back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import bpy


@contextmanager
def borrowed(changes: list[tuple[object, str, object]]) -> Iterator[None]:
    """Set ``owner.name = value`` for each change; restore the old values afterwards, in reverse.

    Used so that a depth render or a bake never leaves the artist's scene with other render
    settings, whatever happens inside.
    """
    saved: list[tuple[object, str, object]] = []
    try:
        for owner, name, value in changes:
            saved.append((owner, name, getattr(owner, name)))
            setattr(owner, name, value)
        yield
    finally:
        for owner, name, value in reversed(saved):
            setattr(owner, name, value)


def quick_cycles(scene: bpy.types.Scene, samples: int = 1) -> list[tuple[object, str, object]]:
    """Changes for a fast, noise-free-enough CPU Cycles pass (depth, bakes)."""
    return [
        (scene.render, "engine", "CYCLES"),
        (scene.cycles, "device", "CPU"),
        (scene.cycles, "samples", samples),
        (scene.cycles, "use_denoising", False),
        (scene.cycles, "use_adaptive_sampling", False),
    ]
