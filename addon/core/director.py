"""The rule-based director: a brief becomes a plan, offline and deterministically.

It analyses the brief (``brief.py``: topic, kind of film, characters, quoted lines, language,
stage directions), scripts it by kind in the brief's language (``scripts``), casts a distinct
voice per speaker, and writes each shot's prompt as a picture: framing, subject, setting,
lighting and the style bible's look. Stage directions become settings and are never spoken.
"""

from __future__ import annotations

import re
import zlib

from .brief import Brief, analyze, espeak_voice, read_seconds, strip_article
from .plan import PLAN_VERSION, validate
from .presets import get_preset
from .scripts import NARRATOR, ScriptShot, speaking_seconds, templates, write_script
from .scripts.lexicon import STOPWORDS
from .sounds import AMBIENCES, resolve_sound
from .staging import LENS_MM, TIMES, framing_of, lighting_for, short_label
from .validation import check_text
from .voices import ESPEAK_STYLES

MAX_BRIEF_CHARS = 5000
MIN_DURATION, MAX_DURATION, DEFAULT_DURATION = 5.0, 600.0, 30.0
WORDS_PER_SECOND = 160 / 60  # espeak's default rate, and a calm narrator's
LEAD_IN, LEAD_OUT = 0.4, 0.6

# mood word -> style bible (look, grade, palette, music)
_MOODS = (
    (
        (
            "dramatic",
            "cinematic",
            "epic",
            "intense",
            "bold",
            "dramatique",
            "dramatisch",
            "dramático",
            "drammatico",
        ),
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
        (
            *(
                "energetic",
                "upbeat",
                "fun",
                "playful",
                "exciting",
                "vibrant",
                "joyeuse",
                "joyeux",
                "entraînante",
            ),
            *("fröhlich", "fröhliche", "fröhlicher", "alegre", "animada", "animado", "allegra", "allegro"),
        ),
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
        (
            *(
                "calm",
                "serene",
                "peaceful",
                "gentle",
                "soft",
                "relaxing",
                "calme",
                "douce",
                "doux",
                "paisible",
            ),
            *(
                "ruhig",
                "ruhige",
                "ruhiger",
                "sanft",
                "sanfte",
                "tranquila",
                "tranquilo",
                "suave",
                "calma",
                "tranquilla",
            ),
        ),
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
        ("dark", "moody", "mysterious", "noir", "suspense", "sombre", "düster", "oscuro", "oscura", "cupo"),
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
# Seconds a shot usually holds, by the pacing the brief asks for.
SHOT_SECONDS = {"fast": 3.0, "": 5.0, "slow": 7.5}
# espeak variants: distinct voices per character (median pitch: f3 ~230 Hz, m7 ~116 Hz).
VARIANTS = {"female": ("f3", "f2", "f4", "f1"), "male": ("m3", "m7", "m1", "m2")}
LIGHTING = {
    "dramatic": "dramatic low-key lighting",
    "upbeat": "bright daylight",
    "calm": "soft natural light",
    "mysterious": "moody low-key light",
}
NEGATIVE_PROMPT = "text, watermark, logo, blurry, deformed, low quality"
PERSON = {"female": "a woman", "male": "a man", "": "a person"}  # only what the brief says
SHEETS = (
    "in a dark work jacket, short hair",
    "in a green sweater, curly hair",
    "in a denim shirt, glasses",
    "in a grey coat, tied-back hair",
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
    seconds = read_seconds(brief)
    if seconds is None:
        return DEFAULT_DURATION
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


def read_style(brief: str) -> dict:
    lowered = brief.lower()
    for words, style in _MOODS:
        if any(re.search(rf"\b{word}\b", lowered) for word in words):
            return dict(style)
    return dict(_DEFAULT_STYLE)


def speech_seconds(text: str, rate: float = 1.0) -> float:
    return speaking_seconds(text, WORDS_PER_SECOND * rate)


def shot_holds(lines: list[str], duration: float, warnings: list[str], rate: float = 1.0) -> list[float]:
    """Seconds each shot holds: its lines' speaking time plus lead in/out, spare time shared."""
    estimates = [LEAD_IN + speech_seconds(line, rate) + LEAD_OUT if line else 2.0 for line in lines]
    spare = duration - sum(estimates)
    if spare < -0.5:
        warnings.append(
            f"The voice-over needs about {sum(estimates):.1f} s, longer than the {duration:g} s asked for; "
            "the film runs long rather than cutting a line."
        )
    return [round(min(600.0, max(0.5, e + max(0.0, spare) * e / sum(estimates))), 3) for e in estimates]


def _style(text: str, brief: Brief) -> dict:
    """The style bible: mood words, then the brief's look and music directions."""
    style = read_style(text)
    directions = brief.directions
    if directions.looks:
        style["look"] = ", ".join([*directions.looks, style["look"]])
    if "black and white" in directions.looks:
        style["grade"] = "neutral"
    lighting = LIGHTING.get(style["mood"], "soft key light")
    style["prompt_suffix"] = f"{lighting}, {style['look']}, {style['mood']} mood"
    style["music"] = directions.music != "none"
    style["lighting"] = lighting_for(style["mood"], text)
    return style


def _cast(brief: Brief, speaking: list[str], seed: int) -> list[dict]:
    """A character per speaker with a distinct espeak voice in the brief's language, a sheet, a seed."""
    language = espeak_voice(brief.language)
    genders = {c.name: c.gender for c in brief.characters}
    used = {"female": 0, "male": 0}
    style = brief.directions.voice_style if brief.directions.voice_style in ESPEAK_STYLES else ""
    cast = []
    for index, name in enumerate(speaking):
        if name == NARRATOR or len(speaking) == 1:  # "a friendly male voice" is the one voice
            gender = genders.get(name) or brief.directions.voice_gender
        else:  # unknown: alternate, so two characters never share a voice
            gender = genders.get(name) or ("female", "male")[index % 2]
        variant = VARIANTS[gender][used[gender] % 4] if gender else ""
        if gender:
            used[gender] += 1
        character = {
            "name": name,
            "voice": f"{language}+{variant}" if variant else language,
            "look": ""
            if name == NARRATOR
            else f"{name}, {PERSON[genders.get(name, '')]} {SHEETS[(seed + index) % 4]}",
            "seed": (zlib.crc32(f"{name}:{brief.text}".encode()) + seed) % 2**31,
        }
        if style:
            character["style"] = style
        cast.append(character)
    return cast


def _prompt(brief: Brief, shot: ScriptShot, cast: dict[str, dict], style: dict) -> str:
    """What the shot's picture shows: framing, subject (with character sheets), setting, light, look."""
    topic = brief.topic or templates.FALLBACK_PICTURE.get(brief.kind, templates.DEFAULT_PICTURE)
    people = [cast[name]["look"] for name, _ in shot.lines if cast.get(name, {}).get("look")]
    if brief.kind == "scene":
        people = [character["look"] for character in cast.values() if character["look"]]
    subject = f"{' and '.join(dict.fromkeys(people))} with {topic}" if people else topic
    parts = [f"{shot.framing} of {subject}"]
    if brief.setting:
        parts.append(brief.setting)
    parts.append(style["prompt_suffix"])
    words = (part.strip() for text in parts for part in text.split(","))
    return ", ".join(dict.fromkeys(word for word in words if word))  # "soft light" said once


def _title(brief: Brief, title: str | None) -> str:
    if title:
        return title[:120]
    topic = strip_article(brief.topic.strip(" ."))
    return (topic[:1].upper() + topic[1:])[:60] if topic else "Storyloom Film"


# mood -> how its shots meet (the first shot always fades in)
MOOD_TRANSITIONS = {
    "calm": "crossfade",
    "dramatic": "dip-black",
    "mysterious": "dip-black",
    "upbeat": "whip-pan",
}
LINE_GAPS = {"fast": 0.2, "": 0.35, "slow": 0.6}  # seconds between turns, by the brief's pacing
J_CUT = 0.3  # seconds a new speaker's line leads the cut to them


# "in the rain", "by the sea", "sous la pluie", "bajo la lluvia", "im Regen": where a scene
# happens, said in passing (in a direction sentence too: "a calm scene by the sea").
_PLACE = re.compile(
    r"\b(?:in|at|on|by|near|under|through|sous|dans|sur|au|bajo|en|junto|im|am|unter|bei)\s+"
    r"(?:the\s+|a\s+|an\s+|la\s+|le\s+|les\s+|l'|el\s+|los\s+|las\s+|der\s+|die\s+|dem\s+|den\s+)?(\w+)",
    re.IGNORECASE,
)


def _sounds(analysis) -> list[str]:
    """The sound words of the brief, and an ambience for where it happens, as library names."""
    places = [match.group(1) for match in _PLACE.finditer(analysis.text)]
    beds = [
        name for name in map(resolve_sound, [analysis.setting, analysis.topic, *places]) if name in AMBIENCES
    ]
    return list(dict.fromkeys([*filter(None, map(resolve_sound, analysis.directions.sounds)), *beds]))


def _editing(analysis, mood: str, script: list, index: int) -> dict:
    """A shot's sound cues, transition, turn gap and J cut, from the brief's mood and pacing."""
    sfx: list = list(_sounds(analysis))
    last = index == len(script) - 1
    if mood == "dramatic" and last and index > 0:  # the climax lands on a hit after a riser
        sfx += [{"sound": "riser", "at": 0.0}, {"sound": "impact", "at": 0.0}]
    editing = {
        "mood": mood,
        "sfx": sfx,
        "transition": "fade" if index == 0 else MOOD_TRANSITIONS.get(mood, "cut"),
        "line_gap": LINE_GAPS[analysis.directions.pacing],
    }
    lines, before = script[index].lines, script[index - 1].lines if index else []
    if analysis.kind == "scene" and lines and before and lines[0][0] != before[-1][0]:
        editing["j_cut"] = J_CUT  # we hear the next speaker before we see them
    return editing


def _staging(analysis, shot: ScriptShot, props: list[str]) -> dict:
    """How the shot is blocked: framing and lens from its role, whom it frames, where."""
    framing = framing_of({"prompt": shot.framing})
    staged: dict = {"framing": framing, "lens": LENS_MM[framing]}
    speakers = [name for name, _ in shot.lines if name != NARRATOR]
    if framing == "close-up" and speakers:
        staged["subject"] = speakers[0]
    elif framing != "wide" and props and not speakers:
        staged["subject"] = props[0]  # a narrated detail or product shot shows the thing itself
    place = strip_article(re.sub(r"^\S+\s+", "", analysis.setting)).strip()  # "in a workshop": workshop
    if place and place.lower() not in TIMES:  # "at night" is the lighting's, not a set
        staged["location"] = place[:120]
    return staged


def _props(analysis) -> list[str]:
    """What the film is about, as a labelled thing on the set ("a broken robot": broken robot)."""
    topic = strip_article(analysis.topic)
    question = re.match(r"(?:how|why|what)\s+", topic, re.I)  # "how vaccines work": vaccines
    stop = STOPWORDS.get(analysis.language, frozenset())
    label = short_label(topic[question.end() :] if question else topic, stop, analysis.language == "en")
    if question:
        label = " ".join(label.split()[:1])
    if not label or label.casefold() in {c.name.casefold() for c in analysis.characters}:
        return []
    return [label[:60]]


def make_plan(brief: object, preset: str | None = None, title: str | None = None, seed: int = 0) -> dict:
    """Turn a brief into a validated plan. Raises BadInput for an empty or broken brief."""
    warnings: list[str] = []
    text = _clean_brief(brief, warnings)
    analysis = analyze(text)
    warnings += analysis.warnings
    duration = read_duration(text, warnings)
    preset_name = preset or analysis.directions.platform or "youtube"
    delivery = get_preset(preset_name)
    style = _style(text, analysis)
    rate = ESPEAK_STYLES.get(analysis.directions.voice_style, ESPEAK_STYLES["neutral"])["rate"]
    script = write_script(analysis, duration, seed, SHOT_SECONDS[analysis.directions.pacing])
    speaking = list(dict.fromkeys(name for shot in script for name, _ in shot.lines)) or [NARRATOR]
    cast = {character["name"]: character for character in _cast(analysis, speaking, seed)}
    spoken = [" ".join(text for _, text in shot.lines) for shot in script]
    holds = shot_holds(spoken, duration, warnings, rate)
    props = _props(analysis)
    shots = []
    for index, (shot, hold) in enumerate(zip(script, holds, strict=True)):
        in_shot = list(dict.fromkeys(name for name, _ in shot.lines if name != NARRATOR))
        if analysis.kind == "scene":
            in_shot = [name for name in cast if name != NARRATOR]
        shots.append(
            {
                "id": f"sh{(index + 1) * 10:03d}",
                "prompt": _prompt(analysis, shot, cast, style),
                "negative_prompt": NEGATIVE_PROMPT,
                "camera": "static" if analysis.kind == "scene" else _CAMERA_MOVES[index % len(_CAMERA_MOVES)],
                "duration_hint": hold,
                "lines": [{"speaker": name, "text": line} for name, line in shot.lines],
                "music_cue": "intro" if index == 0 else "outro" if index == len(script) - 1 else "build",
                "characters": in_shot,
                **_editing(analysis, style["mood"], script, index),
                **_staging(analysis, shot, props),
            }
        )
    plan = {
        "version": PLAN_VERSION,
        "brief": text,
        "warnings": warnings,
        "film": {
            "title": _title(analysis, title),
            "target_duration": duration,
            "fps": delivery.fps,
            "width": delivery.width,
            "height": delivery.height,
            "aspect": delivery.aspect,
            "preset": preset_name,
            "language": analysis.language,
        },
        "style": style,
        "props": props,
        "characters": list(cast.values()),
        "shots": shots,
    }
    return validate(plan)
