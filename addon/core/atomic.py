"""Write files so a reader never sees half of one: temp file in the same folder, then rename."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temp path beside ``target``; on success it replaces ``target`` in one step.

    On any error (or a cancel raised inside the block) the temp file is removed and
    ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield temp
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def write_atomic(target: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(temp_path)`` and move the result onto ``target``."""
    with atomic_path(target) as temp:
        write(temp)
    return Path(target)


@contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield a temp folder beside ``target``; on success it becomes ``target`` (replacing it).

    A cancelled or failed image sequence leaves no partial frames: the temp folder is removed.
    """
    import shutil

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    temp.mkdir()
    try:
        yield temp
        if target.exists():
            shutil.rmtree(target)
        os.replace(temp, target)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
