"""Rhubarb Lip Sync cue files (TSV, XML, JSON) -> viseme cues, for artists who already use it.

Rhubarb writes one cue per mouth shape change: TSV ``<seconds>\\t<shape>`` lines, XML
``<mouthCue start=".." end="..">A</mouthCue>``, or JSON ``{"mouthCues": [{"start", "end",
"value"}]}``. Shapes may be Rhubarb letters or Preston Blair names.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from .visemes import REST, Cue, VisemeError, normalise

FORMATS = (".tsv", ".txt", ".xml", ".json")


def read_cues(path: Path, duration: float | None = None) -> list[Cue]:
    """The cues of a Rhubarb file; refuses other formats and cues past ``duration`` seconds."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise VisemeError(
            f"{path.name} is not a Rhubarb cue file: Storyloom reads {', '.join(FORMATS)} "
            "(Rhubarb's tsv, xml and json exports)."
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise VisemeError(f"Cannot read the cue file {path.name}: {error}") from None
    suffix = path.suffix.lower()
    cues = (
        _json(text, path.name)
        if suffix == ".json"
        else _xml(text, path.name)
        if suffix == ".xml"
        else _tsv(text, path.name)
    )
    return _checked(cues, path.name, duration)


def _tsv(text: str, name: str) -> list[tuple[float, float | None, str]]:
    cues = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        if len(parts) != 2:
            raise VisemeError(f"{name} line {number} is not '<seconds><tab><shape>': {line.strip()[:40]!r}")
        cues.append((_seconds(parts[0], name, number), None, parts[1]))
    return cues


def _xml(text: str, name: str) -> list[tuple[float, float | None, str]]:
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise VisemeError(f"{name} is not valid XML: {error}") from None
    found = root.iter("mouthCue")
    return [
        (_seconds(cue.get("start"), name, n), _seconds(cue.get("end"), name, n), (cue.text or "").strip())
        for n, cue in enumerate(found, start=1)
    ]


def _json(text: str, name: str) -> list[tuple[float, float | None, str]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise VisemeError(f"{name} is not valid JSON: {error}") from None
    items = data.get("mouthCues") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise VisemeError(f"{name} has no 'mouthCues' list: is it a Rhubarb JSON export?")
    return [
        (_seconds(item.get("start"), name, n), _seconds(item.get("end"), name, n), str(item.get("value", "")))
        for n, item in enumerate(items, start=1)
        if isinstance(item, dict)
    ]


def _seconds(value, name: str, number: int) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise VisemeError(f"{name} cue {number}: {value!r} is not a time in seconds.") from None
    if not seconds >= 0:
        raise VisemeError(f"{name} cue {number}: a time cannot be negative ({seconds}).")
    return seconds


def _checked(raw: list[tuple[float, float | None, str]], name: str, duration: float | None) -> list[Cue]:
    if not raw:
        raise VisemeError(f"{name} has no mouth cues.")
    cues = []
    for number, (start, end, shape) in enumerate(raw, start=1):
        if cues and start < cues[-1].start:
            raise VisemeError(f"{name} cue {number} starts before the cue above it ({start:.2f} s).")
        latest = max(start, end or 0.0)
        if duration is not None and latest > duration + 0.05:
            raise VisemeError(
                f"{name} cue {number} is at {latest:.2f} s, past the end of the {duration:.2f} s clip: "
                "is it the cue file of another recording?"
            )
        cues.append(Cue(start, normalise(shape)))
    if raw[-1][1] is not None and cues[-1].viseme != REST:
        cues.append(Cue(raw[-1][1], REST))
    return cues
