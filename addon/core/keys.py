"""Artifact keys: the same model, prompt, seed and settings always name the same file."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata


def slug(text: str, words: int = 6, max_chars: int = 48) -> str:
    """A short, filesystem-safe, ASCII name from free text ("A red fox!" -> "a-red-fox")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    parts = re.findall(r"[a-z0-9]+", ascii_text.lower())[:words]
    return "-".join(parts)[:max_chars].strip("-") or "untitled"


def artifact_key(*parts: object) -> str:
    """A stable 12-hex-digit key of JSON-serialisable parts (order matters)."""
    payload = json.dumps(parts, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]
