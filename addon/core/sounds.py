"""The procedural sound-effects and ambience library: names, words for them, prompts, timing.

A brief or an LLM says "waves" or "a swoosh on the cut"; this module turns such words into one
of a fixed set of cues the worker can synthesise with no download (runtime/backends/
sfx_procedural.py), and gives the text prompt that asks a text-to-audio model for the same cue
when one is installed. It also says where in a clip the cue's main energy lands, so the
timeline can place a whoosh or a riser so that its peak sits on the cut.

Pure standard library: Blender's Python and the worker both import it.
"""

from __future__ import annotations

import math
import re

from .validation import BadInput

MIN_SECONDS = 0.05  # shorter than this a cue has no body: even a click needs a few ms of tail
MAX_SECONDS = 120.0  # beds are looped on the timeline, so two minutes covers any real need

# Ordered: the UI and error messages list the cues in this order.
SOUNDS: dict[str, str] = {
    "whoosh": "Air rushing past: band-passed noise sweeping up and back down, loudest mid-clip.",
    "riser": "A build-up: rising pitch and noise swelling to full level at the very end.",
    "impact": "A heavy cinematic hit: deep falling boom and a noise burst, then a decaying tail.",
    "hit": "A short, bright punch or knock: a fast transient with a small body.",
    "room-tone": "The near-silence of a room: very quiet, soft low noise.",
    "wind": "Wind outside: low, rushing noise with slow gusts.",
    "rain": "Steady rain: dense droplets over a soft hiss.",
    "city": "A city street: low traffic rumble, passing cars and distant horns.",
    "crowd": "People talking at a distance: many overlapping murmuring voices.",
    "ocean": "Surf on a shore: slow swells that break and wash out every few seconds.",
    "fire": "A fire: crackles and pops over a low roar.",
    "birds": "Birdsong: short chirps and trills at random times.",
    "hum": "Mains hum of a machine or a light: 50/60 Hz and its harmonics.",
    "click": "A UI click: a transient a few milliseconds long.",
}
AMBIENCES = ("room-tone", "wind", "rain", "city", "crowd", "ocean", "fire", "birds", "hum")
ONE_SHOTS = tuple(name for name in SOUNDS if name not in AMBIENCES)

SOUND_ALIASES: dict[str, str] = {
    # one-shots
    "swoosh": "whoosh",
    "swish": "whoosh",
    "woosh": "whoosh",
    "pass-by": "whoosh",
    "transition": "whoosh",
    "rise": "riser",
    "build": "riser",
    "build-up": "riser",
    "buildup": "riser",
    "swell": "riser",
    "tension": "riser",
    "uplifter": "riser",
    "boom": "impact",
    "crash": "impact",
    "slam": "impact",
    "bang": "impact",
    "explosion": "impact",
    "thud": "hit",
    "punch": "hit",
    "knock": "hit",
    "thump": "hit",
    "smack": "hit",
    "tap": "click",
    "tick": "click",
    "ui": "click",
    "button": "click",
    "interface": "click",
    # beds
    "room": "room-tone",
    "roomtone": "room-tone",
    "silence": "room-tone",
    "interior": "room-tone",
    "breeze": "wind",
    "gust": "wind",
    "gale": "wind",
    "windy": "wind",
    "storm": "rain",
    "rainfall": "rain",
    "drizzle": "rain",
    "downpour": "rain",
    "shower": "rain",
    "traffic": "city",
    "street": "city",
    # places, for the ambience under a scene set there ("in a busy cafe", "at the harbour")
    "harbour": "ocean",
    "harbor": "ocean",
    "coast": "ocean",
    "pier": "ocean",
    "café": "crowd",
    "bar": "crowd",
    "pub": "crowd",
    "market": "crowd",
    "station": "crowd",
    "mall": "crowd",
    "factory": "hum",
    "workshop": "hum",
    "office": "room-tone",
    "kitchen": "room-tone",
    "desert": "wind",
    # the same places and weathers in the other languages the director writes (fr, de, es)
    "pluie": "rain",
    "lluvia": "rain",
    "regen": "rain",
    "mer": "ocean",
    "plage": "ocean",
    "mar": "ocean",
    "playa": "ocean",
    "meer": "ocean",
    "strand": "ocean",
    "ville": "city",
    "rue": "city",
    "ciudad": "city",
    "calle": "city",
    "stadt": "city",
    "forêt": "birds",
    "bosque": "birds",
    "wald": "birds",
    "vent": "wind",
    "viento": "wind",
    "snow": "wind",
    "urban": "city",
    "cars": "city",
    "car": "city",
    "town": "city",
    "people": "crowd",
    "murmur": "crowd",
    "chatter": "crowd",
    "walla": "crowd",
    "audience": "crowd",
    "cafe": "crowd",
    "restaurant": "crowd",
    "party": "crowd",
    "waves": "ocean",
    "wave": "ocean",
    "sea": "ocean",
    "surf": "ocean",
    "beach": "ocean",
    "shore": "ocean",
    "seaside": "ocean",
    "fireplace": "fire",
    "campfire": "fire",
    "bonfire": "fire",
    "crackle": "fire",
    "crackling": "fire",
    "flames": "fire",
    "forest": "birds",
    "bird": "birds",
    "birdsong": "birds",
    "woods": "birds",
    "garden": "birds",
    "park": "birds",
    "nature": "birds",
    "dawn": "birds",
    "machine": "hum",
    "engine": "hum",
    "electrical": "hum",
    "buzz": "hum",
    "fridge": "hum",
    "server": "hum",
    "drone": "hum",
}

PROMPTS: dict[str, str] = {
    "whoosh": "fast whoosh sound effect, air swoosh passing by, cinematic transition, short",
    "riser": "cinematic riser, rising pitch and noise swell building tension, ends at its peak",
    "impact": "heavy cinematic impact, deep boom with sub bass, short punchy hit and decaying tail",
    "hit": "short punchy hit, bright knock, tight transient, dry",
    "room-tone": "quiet room tone, soft air, empty interior ambience, no voices, very low level",
    "wind": "wind blowing outdoors, gusts, low rushing air, ambience loop",
    "rain": "steady rain falling, dense droplets, soft hiss, ambience loop",
    "city": "city street ambience, distant traffic, passing cars, occasional car horn",
    "crowd": "crowd murmur, many people talking at a distance, indistinct chatter, walla",
    "ocean": "ocean waves breaking on a beach, slow surf swells washing out",
    "fire": "crackling fire, wood pops and crackles, low roar of flames, fireplace ambience",
    "birds": "birds chirping in a forest, birdsong, morning ambience",
    "hum": "electrical mains hum, machine drone, 50 Hz buzz, steady",
    "click": "single UI click, short crisp button tap, interface sound",
}

# Where the main energy lands, as a fraction of the clip: a whoosh peaks mid-clip, a riser
# peaks at its very end (so it ends on the cut), everything else hits or starts at once.
ONSET_FRACTIONS: dict[str, float] = {"whoosh": 0.5, "riser": 1.0}

_SEPARATORS = re.compile(r"[\s_]+")


def _normal_form(word: str) -> str:
    return _SEPARATORS.sub("-", word.strip().lower()).strip("-")


def _lookup(word: str) -> str | None:
    """A sound for one normalised word, trying its singular too ("whooshes", "clicks")."""
    for candidate in (word, word.removesuffix("es"), word.removesuffix("s")):
        if candidate in SOUNDS:
            return candidate
        if candidate in SOUND_ALIASES:
            return SOUND_ALIASES[candidate]
    return None


def resolve_sound(word: object) -> str | None:
    """The sound a word names ("waves" -> "ocean", "Room tone" -> "room-tone"), or None.

    A phrase that is not itself a name ("distant traffic", "rain on a window") resolves by
    its last word that is one: adjectives come before the noun that matters, and a noun
    named first is usually followed only by words that name no sound.
    """
    if not isinstance(word, str) or not word.strip():
        return None
    normal = _normal_form(word)
    found = _lookup(normal)
    if found:
        return found
    tokens = [token for token in re.split(r"[^a-z]+", normal) if token]
    return next((found for found in map(_lookup, reversed(tokens)) if found), None)


def prompt_for(sound: str) -> str:
    """The text-to-audio prompt (Stable Audio) asking for the same cue as the procedural one."""
    name = resolve_sound(sound)
    if name is None:
        raise BadInput(_unknown_message(sound))
    return PROMPTS[name]


def _unknown_message(sound: object) -> str:
    return f"Unknown sound {sound!r}: known sounds are {', '.join(SOUNDS)}."


def _check_number(value: object, what: str, low: float, high: float, unit: str) -> float:
    # bool is an int to Python, but True as a duration is a mistake, not one second.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        kind = f"a number of {unit}" if unit else "a number"
        raise BadInput(f"The {what} must be {kind}, not {value!r}.")
    if not low <= value <= high:
        suffix = f" {unit}" if unit else ""
        raise BadInput(f"The {what} must be between {low:g} and {high:g}{suffix}, got {value:g}.")
    return float(value)


def check_sfx_params(sound: object, duration: object, intensity: object) -> tuple[str, float, float]:
    """(canonical sound, seconds, intensity) of a sound-effect job; BadInput on the first problem."""
    name = resolve_sound(sound)
    if name is None:
        raise BadInput(_unknown_message(sound))
    seconds = _check_number(duration, "sound duration", MIN_SECONDS, MAX_SECONDS, "seconds")
    level = _check_number(intensity, "sound intensity", 0.0, 1.0, "")
    return name, seconds, level


def onset_of(sound: str, duration: float) -> float:
    """Seconds into a clip of ``duration`` where the sound's main energy lands (for cue placement)."""
    name = resolve_sound(sound)
    if name is None:
        raise BadInput(_unknown_message(sound))
    return ONSET_FRACTIONS.get(name, 0.0) * float(duration)
