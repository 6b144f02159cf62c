"""Borrow scene settings for a helper render or bake, and always give them back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import bpy

from .image_io import RENDER_RESULT


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


def render(scene: bpy.types.Scene) -> None:
    """Render ``scene`` at its current frame: the window's scene, or another (a stage) made the
    context's for the render, so its animation is evaluated at that frame (``render(scene=...)``
    renders another scene without re-evaluating its animation)."""
    if scene == bpy.context.scene:
        bpy.ops.render.render()
        return
    with bpy.context.temp_override(scene=scene, view_layer=scene.view_layers[0]):
        bpy.ops.render.render()


HELPER_SLOT = "Storyloom Helper"


@contextmanager
def own_render_slot() -> Iterator[None]:
    """Render a helper pass (depth) without touching the artist's last render.

    Renders land in the Render Result's active slot: the helper renders into a slot of its
    own and the artist's slot is made active again afterwards. With no render before, the
    Render Result the helper made is removed, so "the last render" is never the helper's.
    """
    result = bpy.data.images.get(RENDER_RESULT)
    previous = None
    if result is not None:
        slots = result.render_slots
        previous = slots.active_index
        helper = next((i for i, slot in enumerate(slots) if slot.name == HELPER_SLOT), None)
        if helper is None:
            slots.new(name=HELPER_SLOT)
            helper = len(slots) - 1
        slots.active_index = helper
    try:
        yield
    finally:
        result = bpy.data.images.get(RENDER_RESULT)
        if previous is not None and result is not None:
            result.render_slots.active_index = previous
        elif result is not None:
            bpy.data.images.remove(result)
