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
BED_OVERLAP = 0.25  # seconds a bed runs past a cut, so the next shot's bed crossfades with it


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


def check_transitions(shots: list[dict]) -> list[str]:
    """A transition must fit inside both shots it joins (it never eats a whole shot): refused
    otherwise. The first shot has nothing to mix with, so anything but a fade in becomes a cut
    (an LLM's plan may ask for it); the returned warnings say so."""
    warnings = []
    for index, shot in enumerate(shots):
        kind = shot.get("transition", "cut")
        if index == 0 and kind not in ("cut", "fade"):
            warnings.append(
                f"Shot {shot['id']} is the first shot: it cannot {kind} from nothing, so it cuts in."
            )
            shot["transition"] = "cut"
            continue
        seconds = transition_seconds(shot)
        if index == 0 or seconds <= 0 or kind == "cut":
            continue
        shorter = min(shots[index - 1]["duration_hint"], shot["duration_hint"])
        if seconds > shorter:
            raise BadInput(
                f"Shot {shot['id']}'s {kind} lasts {seconds:g} s, longer than the "
                f"{shorter:g} s shot it joins: shorten the transition or lengthen the shots."
            )
    return warnings


def _items(shot: dict, notes: list[str]) -> list[dict]:
    items = []
    for item in shot.get("sfx", []):
        cue = {"sound": item} if isinstance(item, str) else dict(item)
        name = resolve_sound(cue.get("sound", ""))
        if name is None:
            notes.append(f"Shot {shot['id']}: no sound in the library for {cue.get('sound')!r}.")
        elif float(cue.get("at", 0.0)) > shot["duration_hint"]:
            notes.append(f"Shot {shot['id']}: the {name} at {cue['at']:g} s is past the shot's end.")
        else:
            items.append({**cue, "sound": name})
    return items


def _join_beds(beds: list[SoundCue], film_end: float) -> list[SoundCue]:
    """One bed per run of shots that share it (a rain under three shots never dips at the
    cuts); each bed runs a little past its cuts so that different beds crossfade."""
    joined: list[SoundCue] = []
    for bed in sorted(beds, key=lambda cue: (cue.sound, cue.start)):
        previous = joined[-1] if joined else None
        if (
            previous
            and previous.sound == bed.sound
            and abs(previous.start + previous.length - bed.start) < 1e-6
        ):
            joined[-1] = SoundCue(
                bed.sound,
                previous.start,
                previous.length + bed.length,
                previous.intensity,
                previous.shot,
                True,
            )
        else:
            joined.append(bed)
    widened = []
    for bed in joined:
        start = max(0.0, bed.start - BED_OVERLAP)
        end = min(film_end, bed.start + bed.length + BED_OVERLAP)
        widened.append(SoundCue(bed.sound, start, end - start, bed.intensity, bed.shot, True))
    return widened


def plan_cues(
    shots: list[dict], spans: list[tuple[float, float]], style_mood: str
) -> tuple[list[SoundCue], list[str]]:
    """Every sound cue of the film, from each shot's items and transitions.

    ``spans``: each shot's (start, end) in seconds in the film. Returns the cues and notes on
    what the mood left out.
    """
    cues: list[SoundCue] = []
    beds: list[SoundCue] = []
    notes: list[str] = []
    for shot, (start, end) in zip(shots, spans, strict=True):
        mood = shot.get("mood", style_mood)
        level, refused = MOODS.get(mood, MOODS["confident"])
        for item in _items(shot, notes):
            sound = item["sound"]
            if sound in refused:
                notes.append(f"Shot {shot['id']}: no {sound} in a {mood} shot.")
                continue
            intensity = float(item.get("intensity", level))
            if sound in AMBIENCES:
                beds.append(SoundCue(sound, start, end - start, intensity, shot["id"], bed=True))
                continue
            length = float(item.get("length", ONE_SHOT_SECONDS.get(sound, 1.0)))
            at = start + float(item.get("at", 0.0))
            cues.append(
                SoundCue(sound, max(0.0, at - onset_of(sound, length)), length, intensity, shot["id"])
            )
        if shot.get("transition") == "whip-pan":  # the whip's whoosh is part of the transition
            length = ONE_SHOT_SECONDS["whoosh"]
            cues.append(SoundCue("whoosh", max(0.0, start - length / 2), length, level, shot["id"]))
    return _join_beds(beds, spans[-1][1] if spans else 0.0) + cues, notes
