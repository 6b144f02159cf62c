"""Artifact keys: the same model, prompt, seed and settings always name the same file."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path


def slug(text: str, words: int = 6, max_chars: int = 48) -> str:
    """A short, filesystem-safe, ASCII name from free text ("A red fox!" -> "a-red-fox")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    parts = re.findall(r"[a-z0-9]+", ascii_text.lower())[:words]
    return "-".join(parts)[:max_chars].strip("-") or "untitled"


def artifact_key(*parts: object, files: tuple | list = ()) -> str:
    """A stable 12-hex-digit key of JSON-serialisable parts (order matters).

    ``files``: paths a job starts from (a source image, a mask, the frame a shot continues):
    their bytes are part of the key, so a different source never names the same result.
    """
    digests = [file_digest(Path(path)) for path in files if path]
    payload = json.dumps(
        [parts, digests] if digests else parts, sort_keys=True, ensure_ascii=True, default=str
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


def file_digest(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes: a job that starts from a file is keyed by what is in it."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(chunk):
            digest.update(block)
    return digest.hexdigest()
