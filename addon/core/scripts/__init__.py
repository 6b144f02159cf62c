"""Scripts by kind: a brief's analysis becomes shots of spoken lines, on its topic, in its language.

Languages with templates (``templates.LINES``) get a structure per kind of film; others speak
the brief's own quoted lines and content sentences (never English filler). Deterministic for a
brief and a seed; another seed picks other variants of the same structure.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import templates

if TYPE_CHECKING:  # brief.py imports this package's lexicon
    from ..brief import Brief

NARRATOR = "Narrator"


@dataclass
class ScriptShot:
    role: str
    framing: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (speaker, text)


def stretch(roles: tuple[str, ...], count: int) -> list[str]:
    """``count`` roles that open and close as the structure does, middle roles repeated or skipped."""
    if count <= 1:
        return [roles[-1]]
    if count <= len(roles):
        return [roles[round(i * (len(roles) - 1) / (count - 1))] for i in range(count)]
    middle = list(roles[1:-1]) or [roles[0]]
    extra = [middle[i * len(middle) // (count - 2)] for i in range(count - 2)]
    return [roles[0], *extra, roles[-1]]


def speakers(brief: Brief) -> list[str]:
    """Who speaks, first speaker first: the named characters, or a narrator (never in a scene's turns)."""
    names = [character.name for character in brief.characters]
    if brief.kind == "scene" and len(names) >= 2:
        return names
    if brief.directions.narrator or not names:
        return [NARRATOR]
    return names


def write_script(brief: Brief, seconds: float, seed: int, shot_seconds: float) -> list[ScriptShot]:
    """The film's shots with their lines; ``shot_seconds`` is the pacing's typical shot length."""
    lines = templates.LINES.get(brief.language)
    attributed = any(speaker for speaker, _ in brief.quoted)
    if lines is None or (brief.quoted and not attributed and not brief.topic_explicit):
        return _quoted_script(brief) if brief.quoted else _own_words_script(brief)
    if brief.kind == "scene" and len(speakers(brief)) >= 2:
        cast = speakers(brief)
        quoted_by = [who for who, _ in brief.quoted]
        if not brief.topic_explicit and set(cast) <= set(quoted_by) and quoted_by[0] == cast[0]:
            return _quoted_script(brief)  # the brief wrote the whole dialogue: only that
        # Without a named subject they argue about "it": every line still reads.
        topic = brief.topic if brief.topic_explicit and brief.topic else templates.SCENE_TOPIC[brief.language]
        fill = {"topic": topic, "Topic": topic[:1].upper() + topic[1:]}
        return _scene_script(brief, seconds, seed, lines, fill)
    if brief.quoted and attributed:
        return _quoted_script(brief)
    if not brief.topic_explicit and brief.content:  # no noun phrase to script: its own words
        return _own_words_script(brief)
    topic = brief.topic or templates.FALLBACK_TOPIC[brief.language]
    fill = {"topic": topic, "Topic": topic[:1].upper() + topic[1:]}
    voice = speakers(brief)[0]
    kind = brief.kind if brief.kind in templates.STRUCTURES and brief.kind != "scene" else "story"
    structure = templates.STRUCTURES[kind]
    # The brief's own words, in its order: quoted lines (verbatim) and content sentences.
    own = [text for _, text in brief.quoted] + list(brief.content)
    # Never the same line twice: as many shots as the structure has distinct lines, at most.
    unique = 2 + sum(len(lines[role]) for role in structure[1:-1])
    count = max(2, min(12, unique, round(seconds / shot_seconds)))
    count = min(12, max(count, len(own) + 2))  # room for every sentence of the brief's own
    said, shots = set(), []
    for index, role in enumerate(_roles(structure, lines, count)):
        if own and 0 < index < count - 1:
            text = own.pop(0)
        else:
            text = fill_line(
                _fresh(lines[role], seed + index, said), brief.language, **fill, a=voice, b=voice
            )
        shots.append(ScriptShot(role, _framing(role), [(voice, text)]))
    return shots


def _scene_script(brief: Brief, seconds: float, seed: int, lines: dict, fill: dict) -> list[ScriptShot]:
    """Alternating turns, first speaker first: an inciting line, back and forth, a resolution."""
    turns = max(2, min(12, round(seconds / 4.5)), len(brief.quoted))
    opening, middle = ("inciting", "reply"), ("push", "counter", "turn")
    roles = [*opening, *(middle[i % len(middle)] for i in range(max(0, turns - 3)))][: turns - 1]
    cast, said, shots = speakers(brief), set(), []
    quotes = {name: [text for who, text in brief.quoted if who == name] for name in cast}
    anyone = [text for who, text in brief.quoted if who not in quotes]  # quotes without a speaker
    for index, role in enumerate([*roles, "resolution"]):
        speaker, other = cast[index % len(cast)], cast[(index + 1) % len(cast)]
        if quotes[speaker] or anyone:  # what the brief has them say, verbatim, in their turn
            text = (quotes[speaker] or anyone).pop(0)
        else:
            text = fill_line(
                _fresh(lines[role], seed + index, said), brief.language, **fill, a=speaker, b=other
            )
        shots.append(ScriptShot(role, _framing(role), [(speaker, text)]))
    return shots


def _roles(structure: tuple[str, ...], lines: dict, count: int) -> list[str]:
    """``count`` roles in the structure's order; a middle role repeats at most once per variant."""
    if count <= len(structure):
        return stretch(structure, count)
    slots = dict.fromkeys(structure, 1)
    middle = structure[1:-1] or structure
    for step in range(count * len(middle)):
        if sum(slots.values()) >= count:
            break
        role = middle[step % len(middle)]
        slots[role] += slots[role] < len(lines[role])
    return [role for role in structure for _ in range(slots[role])]


def _framing(role: str) -> str:
    return templates.FRAMING.get(role, templates.DEFAULT_FRAMING)


_FRENCH = (
    (r"\bà le\b", "au"),
    (r"\bà les\b", "aux"),
    (r"\bde le\b", "du"),
    (r"\bde les\b", "des"),
    (r"\b([dDlLjJnN]|[qQ]u)e ([aeiouyhàâéèêëîïôûùAEIOUYHÀÂÉÈÊ])", r"\1'\2"),
)


def fill_line(template: str, language: str, **values: str) -> str:
    """A template with the topic and names put in, in the language's grammar (French elisions)."""
    text = template.format(**values)
    if language == "fr":
        for pattern, replacement in _FRENCH:
            text = re.sub(pattern, replacement, text)
    return text


def _fresh(variants: tuple[str, ...], start: int, said: set[str]) -> str:
    """A variant not said yet (from ``start``, so a seed changes the choice); remembered as said."""
    order = [variants[(start + step) % len(variants)] for step in range(len(variants))]
    choice = next((variant for variant in order if variant not in said), order[0])
    said.add(choice)
    return choice


def _quoted_script(brief: Brief) -> list[ScriptShot]:
    """One shot per quoted line, spoken verbatim by the speaker the brief gives it."""
    cast = speakers(brief)
    shots = []
    for index, (speaker, text) in enumerate(brief.quoted[:12]):
        who = speaker if speaker in cast else cast[index % len(cast)]
        role = "hook" if index == 0 else "call" if index == len(brief.quoted) - 1 else "detail"
        shots.append(ScriptShot(role, _framing(role), [(who, text)]))
    return shots


def _own_words_script(brief: Brief) -> list[ScriptShot]:
    """A language without templates: the brief's content sentences, else its topic, as lines."""
    opening = [brief.topic] if brief.topic and all(brief.topic not in line for line in brief.content) else []
    sentences = opening + brief.content
    cast = speakers(brief)
    shots = []
    for index, text in enumerate(sentences[:12]):
        role = "establishing" if index == 0 else "reflection" if index == len(sentences) - 1 else "detail"
        shots.append(
            ScriptShot(
                role,
                _framing(role),
                [(cast[index % len(cast)], text)],
            )
        )
    return shots or [ScriptShot("establishing", "wide establishing shot", [])]


def speaking_seconds(text: str, words_per_second: float) -> float:
    """How long a line takes at a speaking rate (CJK: characters count as words)."""
    words = len(text.split())
    cjk = sum(1 for c in text if "\u3040" <= c <= "\u9fff")
    return max(1, words + math.ceil(cjk / 2)) / words_per_second
