"""The rule-based director: a brief becomes a plan, offline and deterministically.

It reads what a brief says plainly (a duration, a platform, mood words), writes the voice-over
from the brief's own sentences (or a hook / body / close script for a one-liner), splits it
into shots and estimates their lengths from speech at a speaking rate. The style bible it
writes is appended to every shot's prompt, so the look stays one look.
"""

from __future__ import annotations

import re
import zlib

from .plan import PLAN_VERSION, validate
from .presets import get_preset
from .validation import check_text

MAX_BRIEF_CHARS = 5000
MIN_DURATION, MAX_DURATION, DEFAULT_DURATION = 5.0, 600.0, 30.0
WORDS_PER_SECOND = 160 / 60  # espeak's default rate, and a calm narrator's
LEAD_IN, LEAD_OUT = 0.4, 0.6

_DURATION = re.compile(
    r"(\d+(?:\.\d+)?)\s*-?\s*(seconds?|secs?|sec\b|s\b|minutes?|mins?|min\b|m\b|hours?|hrs?|hr\b|h\b)", re.I
)
_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty-five": 45,
    "sixty": 60,
    "ninety": 90,
}
_WORD_DURATION = re.compile(rf"\b({'|'.join(_WORD_NUMBERS)})[- ](seconds?|minutes?)\b", re.I)
_PLATFORM_WORDS = {
    "vertical": ("vertical", "portrait", "instagram", "reels", "reel", "tiktok", "shorts", "stories", "9:16"),
    "prores": ("broadcast", "ott", "television", "tv spot", "mezzanine", "prores", "cinema", "theatrical"),
    "youtube": ("youtube", "landscape", "16:9", "widescreen"),
}
_IMPERATIVE = re.compile(
    r"^(please\s+)?(create|make|produce|generate|build|design|write|give|render|craft)\b", re.I
)

# mood word -> style bible (look, grade, palette, music)
_MOODS = (
    (
        ("dramatic", "cinematic", "epic", "intense", "bold"),
        {
            "look": "cinematic",
            "mood": "dramatic",
            "grade": "cinematic",
            "palette": ["#0b132b", "#1c2541", "#3a506b", "#f4a259"],
            "music_mood": "tense, building",
            "bpm": 92,
            "key": "D",
            "mode": "minor",
            "energy": 0.65,
        },
    ),
    (
        ("energetic", "upbeat", "fun", "playful", "exciting", "vibrant"),
        {
            "look": "bright, punchy",
            "mood": "upbeat",
            "grade": "neutral",
            "palette": ["#ffbe0b", "#fb5607", "#ff006e", "#3a86ff"],
            "music_mood": "upbeat, driving",
            "bpm": 124,
            "key": "G",
            "mode": "major",
            "energy": 0.9,
        },
    ),
    (
        ("calm", "serene", "peaceful", "gentle", "soft", "relaxing"),
        {
            "look": "soft natural light",
            "mood": "calm",
            "grade": "neutral",
            "palette": ["#d8e2dc", "#ffe5d9", "#9d8189"],
            "music_mood": "calm, airy",
            "bpm": 72,
            "key": "F",
            "mode": "major",
            "energy": 0.25,
        },
    ),
    (
        ("dark", "moody", "mysterious", "noir", "suspense"),
        {
            "look": "low-key, high contrast",
            "mood": "mysterious",
            "grade": "cinematic",
            "palette": ["#0d0d0d", "#2b2d42", "#8d99ae"],
            "music_mood": "dark, sparse",
            "bpm": 80,
            "key": "A",
            "mode": "minor",
            "energy": 0.4,
        },
    ),
)
_DEFAULT_STYLE = {
    "look": "clean commercial",
    "mood": "confident",
    "grade": "neutral",
    "palette": ["#14213d", "#fca311", "#e5e5e5"],
    "music_mood": "warm, steady",
    "bpm": 100,
    "key": "C",
    "mode": "major",
    "energy": 0.6,
}
_CAMERA_MOVES = ("push-in", "pan-right", "tilt-up", "pan-left", "pull-out")
_BODY_LINES = (
    "Every detail is shaped with care.",
    "Built for the moments that matter.",
    "Made by people who never settle.",
    "Designed to move with you, wherever you go.",
    "Light, form and purpose, in one idea.",
    "From the first sketch to the final frame.",
)


def _clean_brief(brief: object, warnings: list[str]) -> str:
    if isinstance(brief, str):
        brief = re.sub(r"\s+", " ", brief)[: 2 * MAX_BRIEF_CHARS]  # clamp first: the check caps length
    text = check_text(brief, "brief", required=True)
    if len(text) > MAX_BRIEF_CHARS:
        cut = text.rfind(". ", 0, MAX_BRIEF_CHARS)
        text = text[: cut + 1 if cut > MAX_BRIEF_CHARS // 2 else MAX_BRIEF_CHARS].strip()
        warnings.append(f"The brief is long; only its first {len(text)} characters were used.")
    return text


def read_duration(brief: str, warnings: list[str]) -> float:
    """Seconds asked for in the brief ("30-sec", "2 minutes", "ninety seconds"), clamped."""
    match = _DURATION.search(brief)
    if match:
        value, unit = float(match.group(1)), match.group(2).lower()
    elif match := _WORD_DURATION.search(brief):
        value, unit = float(_WORD_NUMBERS[match.group(1).lower()]), match.group(2).lower()
    else:
        return DEFAULT_DURATION
    seconds = value * (3600 if unit.startswith("h") else 60 if unit.startswith("m") else 1)
    if seconds < MIN_DURATION:
        warnings.append(f"A {seconds:g} s film is too short to carry a shot; using {MIN_DURATION:g} s.")
        return MIN_DURATION
    if seconds > MAX_DURATION:
        warnings.append(
            f"A {seconds:g} s film is beyond what the previz pipeline builds in one go; "
            f"using {MAX_DURATION:g} s (split longer films into parts)."
        )
        return MAX_DURATION
    return seconds


def read_preset(brief: str) -> str:
    lowered = brief.lower()
    for preset, words in _PLATFORM_WORDS.items():
        if any(re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", lowered) for word in words):
            return preset
    return "youtube"


def read_style(brief: str) -> dict:
    lowered = brief.lower()
    for words, style in _MOODS:
        if any(re.search(rf"\b{word}\b", lowered) for word in words):
            return dict(style)
    return dict(_DEFAULT_STYLE)


def _subject(brief: str) -> str:
    match = re.search(
        r"\b(?:a|an|the)\s+(?:[\w-]+\s+){0,4}?(film|video|spot|ad|trailer|teaser|story|launch)\b", brief, re.I
    )
    words = re.sub(r"\b\d+(?:\.\d+)?\s*-?\s*\w*\b", "", match.group(0)).split()[1:] if match else []
    return " ".join(w for w in words if not _DURATION.fullmatch(w)) or "story"


def _sentences(brief: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+", brief)
    return [p.strip() for p in parts if p.strip()]


def write_lines(brief: str, duration: float) -> list[str]:
    """Voice-over lines: the brief's own sentences, or a scripted hook/body/close."""
    quoted = re.findall(r"[\"“]([^\"”]{3,})[\"”]", brief)
    if quoted:
        return [q.strip() for q in quoted]
    all_sentences = _sentences(brief)
    sentences = [s for s in all_sentences if not _IMPERATIVE.match(s)]
    if sentences and len(all_sentences) > 1:  # a one-liner describes the film; it is not the script
        return sentences
    subject = _subject(brief)
    count = max(2, min(12, round(duration / 7)))
    seed = zlib.crc32(brief.encode("utf-8"))
    body = [_BODY_LINES[(seed + i) % len(_BODY_LINES)] for i in range(count - 2)]
    return ["It starts with a single moment.", *body, f"This is our {subject}. See it for yourself."]


def speech_seconds(text: str) -> float:
    words = max(1, len(re.findall(r"\w+", text)))
    return words / WORDS_PER_SECOND


def shot_holds(lines: list[str], duration: float, warnings: list[str]) -> list[float]:
    """Seconds each shot holds: its line's speaking time plus lead in/out, spare time shared."""
    estimates = [LEAD_IN + speech_seconds(line) + LEAD_OUT for line in lines]
    spare = duration - sum(estimates)
    if spare < 0:
        warnings.append(
            f"The voice-over needs about {sum(estimates):.0f} s, longer than the {duration:g} s asked for; "
            "the film runs long rather than cutting a line."
        )
    return [round(min(600.0, max(0.5, e + max(0.0, spare) * e / sum(estimates))), 3) for e in estimates]


def make_plan(brief: object, preset: str | None = None, title: str | None = None) -> dict:
    """Turn a brief into a validated plan. Raises BadInput for an empty or broken brief."""
    warnings: list[str] = []
    text = _clean_brief(brief, warnings)
    duration = read_duration(text, warnings)
    preset_name = preset or read_preset(text)
    delivery = get_preset(preset_name)
    style = read_style(text)
    style["prompt_suffix"] = f"{style['look']}, {style['mood']} mood, palette {' '.join(style['palette'])}"
    lines = write_lines(text, duration)
    film_title = (title or _subject(text).title() or "Storyloom Film")[:120]
    narrator = {
        "name": "Narrator",
        "voice": "en",
        "look": "",
        "seed": zlib.crc32(text.encode("utf-8")) % 2**31,
    }

    holds = shot_holds(lines, duration, warnings)
    shots = []
    for index, (line, hold) in enumerate(zip(lines, holds, strict=True)):
        shots.append(
            {
                "id": f"sh{(index + 1) * 10:03d}",
                "prompt": f"{line.rstrip('.!?')}, {style['prompt_suffix']}",
                "camera": _CAMERA_MOVES[index % len(_CAMERA_MOVES)],
                "duration_hint": hold,
                "lines": [{"speaker": narrator["name"], "text": line}],
                "music_cue": "intro" if index == 0 else "outro" if index == len(lines) - 1 else "build",
                "sfx": ["whoosh"] if index else [],
                "transition": "fade" if index == 0 else "cut",
            }
        )
    plan = {
        "version": PLAN_VERSION,
        "brief": text,
        "warnings": warnings,
        "film": {
            "title": film_title,
            "target_duration": duration,
            "fps": delivery.fps,
            "width": delivery.width,
            "height": delivery.height,
            "aspect": delivery.aspect,
            "preset": preset_name,
        },
        "style": style,
        "characters": [narrator],
        "shots": shots,
    }
    return validate(plan)
