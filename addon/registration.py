"""One pattern for registering a group of modules, so unregister always mirrors register."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType


def register_modules_factory(
    modules: Sequence[ModuleType],
) -> tuple[Callable[[], None], Callable[[], None]]:
    """Like ``bpy.utils.register_classes_factory``, for modules with register/unregister."""

    def register() -> None:
        for module in modules:
            module.register()

    def unregister() -> None:
        for module in reversed(modules):
            module.unregister()

    return register, unregister
