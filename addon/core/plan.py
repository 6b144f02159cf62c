"""The Plan: what the director decided, kept consistent across every later step.

A plan is plain JSON (versioned, checked against ``PLAN_SCHEMA``): film settings, a style
bible, characters and shots. It is stored on the scene and beside the .blend, so an artist can
read it, edit it, and rebuild the film from it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import schema_check
from .atomic import write_atomic
from .sound_design import TRANSITIONS
from .staging import FRAMINGS, LIGHTINGS, MOVES

PLAN_VERSION = 1

_COLOR = {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}
_TEXT = {"type": "string", "maxLength": 5000}
_SFX_CUE = {
    "type": "object",
    "required": ["sound"],
    "additionalProperties": False,
    "properties": {
        "sound": {"type": "string", "minLength": 1},
        "at": {"type": "number", "minimum": 0},
        "length": {"type": "number", "minimum": 0.05, "maximum": 120},
        "intensity": {"type": "number", "minimum": 0, "maximum": 1},
    },
}

PLAN_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Storyloom plan",
    "type": "object",
    "required": ["version", "brief", "film", "style", "characters", "shots"],
    "additionalProperties": False,
    "properties": {
        "version": {"type": "integer", "enum": [PLAN_VERSION]},
        "brief": _TEXT,
        "warnings": {"type": "array", "items": {"type": "string"}},
        # What the film shows besides its characters: labelled stand-ins on the set.
        "props": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 60}},
        "film": {
            "type": "object",
            "required": ["title", "target_duration", "fps", "width", "height", "preset"],
            "additionalProperties": False,
            "properties": {
                "title": {"type": "string", "minLength": 1, "maxLength": 120},
                "target_duration": {"type": "number", "minimum": 1, "maximum": 3600},
                "fps": {"type": "integer", "minimum": 1, "maximum": 120},
                "width": {"type": "integer", "minimum": 16, "maximum": 8192},
                "height": {"type": "integer", "minimum": 16, "maximum": 8192},
                "aspect": {"type": "string"},
                "preset": {"type": "string", "minLength": 1},
                "language": {"type": "string", "pattern": "^[a-z]{2,3}$"},
            },
        },
        "style": {
            "type": "object",
            "required": ["look", "palette", "mood", "music_mood", "grade", "prompt_suffix"],
            "additionalProperties": False,
            "properties": {
                "look": {"type": "string"},
                "palette": {"type": "array", "items": _COLOR, "minItems": 2, "maxItems": 6},
                "mood": {"type": "string"},
                "music_mood": {"type": "string"},
                "bpm": {"type": "number", "minimum": 40, "maximum": 200},
                "key": {
                    "type": "string",
                    "enum": ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"],
                },
                "mode": {"type": "string", "enum": ["major", "minor"]},
                "energy": {"type": "number", "minimum": 0, "maximum": 1},
                "grade": {"type": "string", "enum": ["neutral", "cinematic"]},
                "prompt_suffix": {"type": "string"},
                "music": {"type": "boolean"},  # false: the film has no music ("no music")
                "lighting": {"type": "string", "enum": list(LIGHTINGS)},  # the staging's set-up
            },
        },
        "characters": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "voice"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "voice": {"type": "string", "minLength": 1},
                    "look": {"type": "string"},
                    "seed": {"type": "integer", "minimum": 0},
                    "style": {"type": "string"},
                },
            },
        },
        "shots": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "prompt", "camera", "duration_hint", "lines", "transition"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": "^[a-z0-9_-]+$"},
                    "prompt": {"type": "string", "minLength": 1},
                    "negative_prompt": {"type": "string", "maxLength": 500},
                    "camera": {"type": "string", "enum": list(MOVES)},
                    "duration_hint": {"type": "number", "minimum": 0.5, "maximum": 600},
                    "lines": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["speaker", "text"],
                            "additionalProperties": False,
                            "properties": {"speaker": {"type": "string"}, "text": _TEXT},
                        },
                    },
                    "music_cue": {"type": "string"},
                    # Sound names ("rain") or cues placed in the shot (seconds from its start).
                    "sfx": {"type": "array", "items": {"anyOf": [{"type": "string"}, _SFX_CUE]}},
                    "mood": {"type": "string"},
                    # How this shot meets the one before it ("fade": the film's fade in).
                    "transition": {"type": "string", "enum": list(TRANSITIONS)},
                    "transition_seconds": {"type": "number", "minimum": 0, "maximum": 5},
                    # Dialogue editing: this shot's first line starts before its picture (J cut);
                    # its last line runs on over the next shot's picture (L cut); gap between turns.
                    "j_cut": {"type": "number", "minimum": 0, "maximum": 3},
                    "l_cut": {"type": "number", "minimum": 0, "maximum": 3},
                    "line_gap": {"type": "number", "minimum": 0, "maximum": 3},
                    # Which generation path makes the shot, with which model, and why.
                    "path": {"type": "string", "enum": ["image", "video", "previz"]},
                    "model": {"type": "string"},
                    "path_reason": {"type": "string"},
                    "characters": {"type": "array", "items": {"type": "string"}},
                    # Staging: how the shot's camera frames whom, where, and how far an AI
                    # picture may stray from the staged one (img2img strength).
                    "framing": {"type": "string", "enum": list(FRAMINGS)},
                    "lens": {"type": "number", "minimum": 8, "maximum": 300},
                    "subject": {"type": "string"},
                    "location": {"type": "string", "maxLength": 120},
                    "strength": {"type": "number", "minimum": 0.05, "maximum": 1},
                },
            },
        },
    },
}


class PlanError(ValueError):
    """A plan that does not match the schema; the message lists what is wrong."""


def validate(plan: dict) -> dict:
    problems = schema_check.errors(plan, PLAN_SCHEMA)
    speakers = {c.get("name") for c in plan.get("characters", []) if isinstance(c, dict)}
    for index, shot in enumerate(plan.get("shots", []) if isinstance(plan.get("shots"), list) else []):
        for line in shot.get("lines", []) if isinstance(shot, dict) else []:
            if isinstance(line, dict) and line.get("speaker") not in speakers:
                problems.append(f"$.shots[{index}]: speaker {line.get('speaker')!r} is not a character")
    if problems:
        shown = "; ".join(problems[:8]) + (f"; and {len(problems) - 8} more" if len(problems) > 8 else "")
        raise PlanError(f"The plan is not valid: {shown}")
    return plan


def shot_seed(plan: dict, index: int) -> int:
    """The seed a shot is generated with: its first character's, so a character looks the same
    in every shot it is in; shots without one step from the first character's seed."""
    shot = plan["shots"][index]
    seeds = {c["name"]: c.get("seed", 0) for c in plan["characters"]}
    for name in shot.get("characters", []):
        if name in seeds:
            return seeds[name] % 2**32
    first = plan["characters"][0].get("seed", 0) if plan["characters"] else 0
    return (first + index) % 2**32


def to_json(plan: dict) -> str:
    return json.dumps(validate(plan), indent=2, ensure_ascii=False) + "\n"


def from_json(text: str) -> dict:
    try:
        plan = json.loads(text)
    except json.JSONDecodeError as error:
        raise PlanError(f"The plan is not JSON: {error}") from None
    if not isinstance(plan, dict):
        raise PlanError("The plan must be a JSON object.")
    return validate(plan)


def save(plan: dict, path: Path) -> Path:
    text = to_json(plan)
    return write_atomic(Path(path), lambda temp: temp.write_text(text, encoding="utf-8"))


def load(path: Path) -> dict:
    try:
        return from_json(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise PlanError(f"Cannot read the plan {path}: {error.strerror or error}") from None
