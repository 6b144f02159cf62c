"""Revisions: change a plan on request, show what changed, know which shots to remake.

``revise`` understands the common notes an editor gives ("make shot 3 darker and shorter",
"replace the voice-over with a calmer one"); an LLM planner can produce the same edits. Either
way a revision keeps every shot's id and every character's seed, so untouched shots keep their
generated media, and ``dirty_shots`` names exactly the shots whose content changed.
"""

from __future__ import annotations

import copy
import re

from .plan import PlanError, validate

# Words in a note -> what they add to a shot's picture.
LOOK_WORDS = {
    "darker": "darker, low-key lighting",
    "brighter": "brighter, high-key lighting",
    "warmer": "warm colour temperature",
    "colder": "cool colour temperature",
    "cooler": "cool colour temperature",
    "moodier": "moody, deep shadows",
}
LENGTH_WORDS = {"shorter": 0.7, "longer": 1.3}
VOICE_WORDS = ("calmer", "calm", "warmer", "energetic", "softer", "slower", "faster")
SHOT_CONTENT = ("prompt", "camera", "duration_hint", "lines", "path", "model")


class RevisionError(PlanError):
    """A note that names no shot or nothing the reviser can do; the message says what it understood."""


def _shot_index(plan: dict, note: str) -> int | None:
    match = re.search(r"\bshot\s+(\d+|sh\d+)\b", note, re.I)
    if not match:
        return None
    token = match.group(1).lower()
    ids = [shot["id"] for shot in plan["shots"]]
    if token in ids:
        return ids.index(token)
    number = int(token)
    if not 1 <= number <= len(ids):
        raise RevisionError(f"The plan has shots 1 to {len(ids)}; there is no shot {number}.")
    return number - 1


def revise(plan: dict, note: str) -> tuple[dict, list[str]]:
    """A revised copy of ``plan`` and a list of what changed; the input plan is left as it was."""
    new = copy.deepcopy(plan)
    lowered = note.lower()
    changes: list[str] = []
    index = _shot_index(plan, note)
    if index is not None:
        shot = new["shots"][index]
        additions = [phrase for word, phrase in LOOK_WORDS.items() if re.search(rf"\b{word}\b", lowered)]
        if additions:
            shot["prompt"] = f"{shot['prompt']}, {', '.join(additions)}"
            changes.append(f"{shot['id']}: picture now {', '.join(additions)}")
        for word, factor in LENGTH_WORDS.items():
            if re.search(rf"\b{word}\b", lowered):
                before = shot["duration_hint"]
                shot["duration_hint"] = round(min(600.0, max(0.5, before * factor)), 3)
                changes.append(f"{shot['id']}: {before:g} s -> {shot['duration_hint']:g} s")
    if re.search(r"\bvoice(?:-?over)?\b", lowered):
        tone = next((word for word in VOICE_WORDS if re.search(rf"\b{word}\b", lowered)), None)
        if tone is not None:
            tone = "calm" if tone == "calmer" else tone
            speakers = {line["speaker"] for shot in new["shots"] for line in shot["lines"]}
            for character in new["characters"]:
                if character["name"] in speakers:
                    character["style"] = tone
                    changes.append(f"voice of {character['name']}: {tone}")
    if not changes:
        raise RevisionError(
            f"Nothing to change in {note!r}: name a shot ('shot 3') with darker/brighter/warmer/colder/"
            "shorter/longer, or ask for a calmer/warmer/slower voice-over."
        )
    return validate(new), changes


def dirty_shots(old: dict, new: dict) -> list[str]:
    """Ids of the shots whose media must be remade: their content, or a speaker's voice, changed."""
    voices_before = {c["name"]: (c.get("voice"), c.get("style"), c.get("seed")) for c in old["characters"]}
    voices_after = {c["name"]: (c.get("voice"), c.get("style"), c.get("seed")) for c in new["characters"]}
    changed_voices = {name for name in voices_after if voices_before.get(name) != voices_after[name]}
    before = {shot["id"]: shot for shot in old["shots"]}
    dirty = []
    for shot in new["shots"]:
        previous = before.get(shot["id"])
        content_changed = previous is None or any(shot.get(k) != previous.get(k) for k in SHOT_CONTENT)
        voice_changed = any(line["speaker"] in changed_voices for line in shot["lines"])
        if content_changed or voice_changed:
            dirty.append(shot["id"])
    return dirty


def diff(old: dict, new: dict) -> list[str]:
    """Readable lines for each field that differs, shot by shot (shown before a revision applies)."""
    lines = []
    before = {shot["id"]: shot for shot in old["shots"]}
    for shot in new["shots"]:
        previous = before.get(shot["id"], {})
        for key in SHOT_CONTENT:
            if shot.get(key) != previous.get(key):
                lines.append(f"{shot['id']} {key}: {previous.get(key)!r} -> {shot.get(key)!r}")
    old_characters = {c["name"]: c for c in old["characters"]}
    for character in new["characters"]:
        if character != old_characters.get(character["name"]):
            lines.append(
                f"character {character['name']}: {old_characters.get(character['name'])} -> {character}"
            )
    return lines
