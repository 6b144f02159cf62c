"""Resolve the preferences against the open .blend: the folders and interpreter to use now."""

from __future__ import annotations

import sys
from pathlib import Path

import bpy

from .. import PACKAGE
from ..core.paths import ResolvedFolder, ensure_writable_folder, resolve_media_folder
from ..prefs import get_preferences


def media_folder(create: bool = False) -> ResolvedFolder:
    """The media folder for the open .blend; ``create`` makes it and proves it writable."""
    resolved = resolve_media_folder(get_preferences().media_folder, bpy.data.filepath)
    if create:
        ensure_writable_folder(resolved.path, "media folder")
    return resolved


def extension_user_dir() -> Path:
    return Path(bpy.utils.extension_path_user(PACKAGE, create=True))


def models_folder() -> Path:
    setting = get_preferences().models_folder.strip()
    if setting:
        return Path(bpy.path.abspath(setting))
    return extension_user_dir() / "models"


def runtime_python() -> str:
    """The worker's interpreter: the preference, or the Python Blender itself runs."""
    setting = get_preferences().runtime_python.strip()
    return bpy.path.abspath(setting) if setting else sys.executable
