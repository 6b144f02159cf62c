"""Sound design and transitions from the plan: what plays where, and how shots meet.

A shot's ``sfx`` items are sound names (``"rain"``) or cues (``{"sound", "at", "length",
"intensity"}``). Ambience sounds (rain, city ...) become beds under the whole shot; one-shots land
at their time, placed so their main energy (``sounds.onset_of``) hits it: an impact on the cut, a
whoosh centred on a whip-pan, a riser ending on the cut. The shot's mood chooses what is allowed:
a calm shot gets no hits. Pure Python: the build turns these into worker jobs and strips.
"""

from __future__ import annotations

from dataclasses import dataclass

from .sounds import AMBIENCES, onset_of, resolve_sound
from .validation import BadInput

# transition -> default seconds; "fade" is the film's fade in from black (first shot only).
TRANSITIONS = {
    "cut": 0.0,
    "fade": 0.5,
    "crossfade": 0.6,
    "dip-black": 0.8,
    "dip-white": 0.6,
    "wipe": 0.5,
    "whip-pan": 0.3,
}
# mood -> (intensity of its cues, the one-shots it refuses)
MOODS = {
    "calm": (0.4, {"impact", "hit", "riser"}),
    "confident": (0.6, set()),
    "upbeat": (0.7, set()),
    "dramatic": (0.9, set()),
    "mysterious": (0.6, {"hit"}),
}
ONE_SHOT_SECONDS = {"whoosh": 0.8, "riser": 2.0, "impact": 1.5, "hit": 0.6, "click": 0.1}
BED_LEVEL = 0.5  # ambience beds sit under the voice


@dataclass(frozen=True)
class SoundCue:
    sound: str
    start: float  # seconds in the film where the clip starts
    length: float
    intensity: float
    shot: str
    bed: bool = False

    @property
    def hit(self) -> float:
        """Where its main energy lands (the cue's time in the plan)."""
        return self.start + onset_of(self.sound, self.length)


def transition_seconds(shot: dict) -> float:
    kind = shot.get("transition", "cut")
    return float(shot.get("transition_seconds", TRANSITIONS.get(kind, 0.0)))


def check_transitions(shots: list[dict]) -> None:
    """A transition must fit inside both shots it joins (it never eats a whole shot)."""
    for index, shot in enumerate(shots):
        seconds = transition_seconds(shot)
        if seconds <= 0 or shot.get("transition") == "fade":
            continue
        if index == 0:
            raise BadInput(f"Shot {shot['id']} is the first shot: it can fade in, not {shot['transition']}.")
        shorter = min(shots[index - 1]["duration_hint"], shot["duration_hint"])
        if seconds > shorter:
            raise BadInput(
                f"Shot {shot['id']}'s {shot['transition']} lasts {seconds:g} s, longer than the "
                f"{shorter:g} s shot it joins: shorten the transition or lengthen the shots."
            )


def _items(shot: dict) -> list[dict]:
    items = []
    for item in shot.get("sfx", []):
        cue = {"sound": item} if isinstance(item, str) else dict(item)
        name = resolve_sound(cue.get("sound", ""))
        if name is not None:
            items.append({**cue, "sound": name})
    return items


def plan_cues(
    shots: list[dict], spans: list[tuple[float, float]], style_mood: str
) -> tuple[list[SoundCue], list[str]]:
    """Every sound cue of the film, from each shot's items and transitions.

    ``spans``: each shot's (start, end) in seconds in the film. Returns the cues and notes on
    what the mood left out.
    """
    cues: list[SoundCue] = []
    notes: list[str] = []
    for shot, (start, end) in zip(shots, spans, strict=True):
        mood = shot.get("mood", style_mood)
        level, refused = MOODS.get(mood, MOODS["confident"])
        for item in _items(shot):
            sound = item["sound"]
            if sound in refused:
                notes.append(f"Shot {shot['id']}: no {sound} in a {mood} shot.")
                continue
            intensity = float(item.get("intensity", level))
            if sound in AMBIENCES:
                cues.append(SoundCue(sound, start, end - start, intensity, shot["id"], bed=True))
                continue
            length = float(item.get("length", ONE_SHOT_SECONDS.get(sound, 1.0)))
            at = start + float(item.get("at", 0.0))
            cues.append(
                SoundCue(sound, max(0.0, at - onset_of(sound, length)), length, intensity, shot["id"])
            )
        if shot.get("transition") == "whip-pan":  # the whip's whoosh is part of the transition
            length = ONE_SHOT_SECONDS["whoosh"]
            cues.append(SoundCue("whoosh", max(0.0, start - length / 2), length, level, shot["id"]))
    return cues, notes
