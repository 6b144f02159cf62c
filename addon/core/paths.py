"""Where Storyloom reads and writes files, decided without bpy.

Blender spells paths relative to the .blend with a leading ``//``. An unsaved file has no
folder, so a relative media folder falls back to a temp folder and says so: an artist who
later saves the file should know the media did not move with it.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

BLEND_RELATIVE_PREFIX = "//"
DEFAULT_MEDIA_FOLDER = "//storyloom/"


class StoryloomPathError(ValueError):
    """A path the user or a model gave cannot be used; the message says why and how to fix it."""


@dataclass(frozen=True)
class ResolvedFolder:
    path: Path
    warnings: list[str] = field(default_factory=list)


def is_blend_relative(setting: str) -> bool:
    return setting.startswith(BLEND_RELATIVE_PREFIX)


def resolve_media_folder(
    setting: str,
    blend_filepath: str,
    temp_root: str | None = None,
) -> ResolvedFolder:
    """Turn the media-folder preference into an absolute folder.

    ``blend_filepath`` is ``bpy.data.filepath`` ("" for an unsaved file). Nothing is created
    here: call :func:`ensure_writable_folder` before writing.
    """
    setting = setting.strip() or DEFAULT_MEDIA_FOLDER
    warnings: list[str] = []
    if is_blend_relative(setting):
        relative = setting[len(BLEND_RELATIVE_PREFIX) :]
        if blend_filepath:
            base = Path(blend_filepath).resolve().parent
        else:
            base = Path(temp_root or tempfile.gettempdir()) / "storyloom-unsaved"
            warnings.append(
                f"The .blend file is not saved, so the media folder '{setting}' has no home: "
                f"using the temp folder {base / relative}. Save the .blend file to keep "
                "generated media beside it."
            )
        path = base / relative
    else:
        path = Path(os.path.expanduser(setting))
        if not path.is_absolute():
            raise StoryloomPathError(
                f"Media folder '{setting}' is neither absolute nor relative to the .blend "
                "(start it with //). Fix it in Preferences > Add-ons > Storyloom."
            )
    return ResolvedFolder(path=Path(os.path.normpath(path)), warnings=warnings)


def ensure_writable_folder(path: Path, purpose: str = "media folder") -> Path:
    """Create ``path`` if needed and prove it is writable, or raise a message naming the fix."""
    if path.exists() and not path.is_dir():
        raise StoryloomPathError(
            f"The {purpose} {path} is a file, not a folder. "
            "Choose a folder in Preferences > Add-ons > Storyloom."
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoryloomPathError(
            f"Cannot create the {purpose} {path}: {error.strerror or error}. "
            "Choose a folder you can write to in Preferences > Add-ons > Storyloom."
        ) from None
    probe = path / f".storyloom-write-test-{uuid.uuid4().hex}"
    try:
        probe.write_bytes(b"")
    except OSError as error:
        raise StoryloomPathError(
            f"The {purpose} {path} is not writable ({error.strerror or error}). "
            "Choose a folder you can write to in Preferences > Add-ons > Storyloom, "
            "or fix its permissions."
        ) from None
    finally:
        probe.unlink(missing_ok=True)
    return path


def contained_path(root: Path, relative: str | os.PathLike[str]) -> Path:
    """Join ``relative`` under ``root`` and refuse anything that escapes it.

    Every file name that comes from a user or a model goes through here, so a prompt that
    says ``../../.bashrc`` can never write outside the project's media folder.
    """
    root = Path(os.path.realpath(root))
    relative_path = Path(relative)
    if relative_path.is_absolute():
        raise StoryloomPathError(f"'{relative}' must be a path inside {root}, not an absolute path.")
    candidate = Path(os.path.realpath(root / relative_path))
    if candidate != root and root not in candidate.parents:
        raise StoryloomPathError(f"'{relative}' points outside the media folder {root}.")
    return candidate
