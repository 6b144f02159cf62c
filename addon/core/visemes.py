"""Mouth shapes from speech: phoneme (or word) timings -> a viseme track.

The set is Rhubarb Lip Sync's, so cue files and rigs made for it work unchanged:

====  ==============  ==========================================================
Name  Preston Blair   Shape
====  ==============  ==========================================================
A     MBP             lips closed (P, B, M)
B     etc             slightly open, teeth clenched (most consonants, EE)
C     E               open (EH, AE, schwa)
D     AI              wide open (AA, AI)
E     O               slightly rounded (AO, ER)
F     U               puckered (OO, OW, W)
G     FV              upper teeth on the lower lip (F, V)
H     L               tongue raised (long L)
X     rest            idle, lips relaxed: pauses and silence
====  ==============  ==========================================================

Phonemes come from espeak-ng's events (its ASCII phoneme mnemonics, the same in every language it
speaks); voices without phoneme events are read letter by letter within each aligned word. Then
co-articulation: a shape shorter than the minimum hold gives way to its neighbours (a bilabial
closure never does: lips that never meet read as a dub), a closure starts a little before its
sound (the lips close before a /p/ is heard), and a pause long enough to see becomes the rest
shape. Pure Python: tested in milliseconds, used by the operator, the film and the cue importer.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from .validation import BadInput

VISEMES = ("A", "B", "C", "D", "E", "F", "G", "H", "X")
REST = "X"
PRESTON_BLAIR = {
    "A": "MBP",
    "B": "etc",
    "C": "E",
    "D": "AI",
    "E": "O",
    "F": "U",
    "G": "FV",
    "H": "L",
    "X": "rest",
}
ALIASES = {name.lower(): viseme for viseme, name in PRESTON_BLAIR.items()} | {"wq": "F"}

MIN_HOLD = 0.06  # seconds: a shape held for less is not seen, only felt as jitter
BILABIAL_LEAD = 0.03  # seconds the lips close before a P/B/M is heard (under one frame at 24 fps)
REST_AFTER = 0.15  # seconds of pause after which the mouth relaxes to rest

# espeak-ng phoneme mnemonics by their leading symbols (stress marks stripped), longest first.
_PHONEME_PREFIXES = (
    ("aI", "D"),
    ("aU", "D"),
    ("oU", "F"),
    ("eI", "C"),
    ("OI", "E"),
    ("@L", "H"),
    ("3:", "E"),
    ("tS", "B"),
    ("dZ", "B"),
)
_PHONEME_FIRST = {
    **dict.fromkeys("pbm", "A"),
    **dict.fromkeys("fv", "G"),
    **dict.fromkeys("lL", "H"),
    **dict.fromkeys("aAV&", "D"),
    **dict.fromkeys("eE@3I", "C"),
    **dict.fromkeys("i", "B"),
    **dict.fromkeys("oO0Q", "E"),
    **dict.fromkeys("uUwyYW", "F"),
}
_LETTERS = {
    **dict.fromkeys("pbmпбмπβμ", "A"),  # noqa: RUF001 (Cyrillic and Greek letters, on purpose)
    **dict.fromkeys("fvфвφ", "G"),
    **dict.fromkeys("lлλ", "H"),
    **dict.fromkeys("aáàâäãåæаα", "D"),  # noqa: RUF001 (Cyrillic and Greek letters, on purpose)
    **dict.fromkeys("eéèêëэеεη", "C"),  # noqa: RUF001 (Cyrillic and Greek letters, on purpose)
    **dict.fromkeys("iíìîïyиыι", "B"),  # noqa: RUF001 (Cyrillic and Greek letters, on purpose)
    **dict.fromkeys("oóòôöõøоο", "E"),  # noqa: RUF001 (Cyrillic and Greek letters, on purpose)
    **dict.fromkeys("uúùûüwуюωυ", "F"),  # noqa: RUF001 (Cyrillic and Greek letters, on purpose)
}


@dataclass(frozen=True)
class Cue:
    """A mouth shape from ``start`` (seconds from the clip's start) until the next cue."""

    start: float
    viseme: str


class VisemeError(BadInput):
    """Timings that cannot become a viseme track (the message says why)."""


def viseme_of_phoneme(phoneme: str) -> str | None:
    """The viseme of one espeak mnemonic; None for a pause; B for anything unknown."""
    symbol = phoneme.lstrip("',%=")
    if not symbol or symbol.startswith("_") or (symbol.startswith("(") and symbol.endswith(")")):
        return None  # a pause, or a language switch marker such as "(en)"
    for prefix, viseme in _PHONEME_PREFIXES:
        if symbol.startswith(prefix):
            return viseme
    return _PHONEME_FIRST.get(symbol[0], "B")


def viseme_of_letter(letter: str) -> str | None:
    """A letter's likely shape, for voices that report words but not phonemes."""
    if not letter.isalpha():
        return None
    return _LETTERS.get(letter.lower(), "B")


def from_phonemes(phonemes: list[dict], duration: float) -> list[Cue]:
    """espeak events ``[{"phoneme", "start"}]`` -> raw cues (pauses as rest)."""
    cues = []
    for event in phonemes:
        start = float(event["start"])
        viseme = viseme_of_phoneme(str(event["phoneme"]))
        cues.append(Cue(min(max(start, 0.0), duration), viseme or REST))
    return cues


def from_words(words: list[dict], duration: float) -> list[Cue]:
    """Aligned words ``[{"text", "start", "end"}]`` -> cues, each word's span shared by its letters."""
    cues = []
    for word in words:
        start, end = float(word["start"]), float(word["end"])
        shapes = [viseme_of_letter(ch) for ch in str(word["text"])]
        shapes = [shape for shape in shapes if shape]
        if not shapes or end <= start:
            continue
        step = (end - start) / len(shapes)
        cues += [Cue(start + index * step, shape) for index, shape in enumerate(shapes)]
        cues.append(Cue(end, REST))
    return [Cue(min(max(cue.start, 0.0), duration), cue.viseme) for cue in cues]


def track(timings: dict, duration: float | None = None) -> list[Cue]:
    """The viseme track of one spoken clip from its timings sidecar (``audio_jobs.speech``).

    Uses espeak's phoneme events when present, else the aligned words. Always starts and ends at
    rest; co-articulation applied (see the module's rules).
    """
    length = float(duration if duration is not None else timings.get("duration", 0.0))
    if length <= 0:
        raise VisemeError("The clip has no length: there is nothing to lip-sync.")
    phonemes = timings.get("phonemes") or []
    raw = from_phonemes(phonemes, length) if phonemes else from_words(timings.get("words") or [], length)
    if not any(cue.viseme != REST for cue in raw):
        raise VisemeError(
            "No mouth shapes in this clip's timings: the voice reported no phonemes or words "
            "(is the line empty, or in a language the voice cannot phonemise?)."
        )
    return coarticulate(raw, length)


# When fast speech packs several shapes into less than the minimum hold, the most open one shows.
OPENNESS = "DCEFHGB"


def coarticulate(raw: list[Cue], duration: float) -> list[Cue]:
    """Rest at both ends and in long pauses, closures anticipated, short shapes merged.

    A run of shapes each too short to see becomes one shape (its most open) held for the run,
    so fast speech still moves the mouth; a lip closure always shows, however short.
    """
    cues = sorted([Cue(0.0, REST), *raw, Cue(duration, REST)], key=lambda cue: cue.start)
    spans = [(cue, following.start - cue.start) for cue, following in pairwise(cues)]
    kept: list[Cue] = []
    run: list[tuple[Cue, float]] = []  # consecutive shapes too short to show on their own

    def settle_run() -> None:
        if run and sum(length for _, length in run) >= MIN_HOLD:
            shape = min((cue.viseme for cue, _ in run), key=OPENNESS.index)
            _keep(kept, Cue(run[0][0].start, shape))
        run.clear()

    for cue, length in spans:
        if cue.viseme == REST and length < REST_AFTER and kept and cue.start > 0:
            continue  # a short pause: the mouth holds its shape through it
        if length < MIN_HOLD and cue.viseme not in ("A", REST):
            run.append((cue, length))
            if sum(part for _, part in run) >= MIN_HOLD:
                settle_run()  # long enough to be seen: one shape for these sounds
            continue
        settle_run()
        _keep(kept, cue)
    settle_run()
    if kept[-1].viseme != REST:
        kept.append(Cue(duration, REST))
    # A closure is seen before it is heard: the lips start to close a little early.
    return [
        Cue(max(min(kept[i - 1].start + MIN_HOLD, cue.start), cue.start - BILABIAL_LEAD), cue.viseme)
        if cue.viseme == "A" and i > 0
        else cue
        for i, cue in enumerate(kept)
    ]


def _keep(kept: list[Cue], cue: Cue) -> None:
    if kept and kept[-1].start == cue.start:
        kept[-1] = cue  # two cues at one instant: the later one is what shows
    elif not kept or kept[-1].viseme != cue.viseme:
        kept.append(cue)


def to_frames(cues: list[Cue], fps: float) -> list[tuple[int, str]]:
    """Cues on frames (from the clip's first frame); two cues on one frame keep the later."""
    framed: list[tuple[int, str]] = []
    for cue in cues:
        frame = round(cue.start * fps)
        if framed and framed[-1][0] == frame:
            framed[-1] = (frame, cue.viseme)
        elif not framed or framed[-1][1] != cue.viseme:
            framed.append((frame, cue.viseme))
    return framed


def normalise(name: str) -> str:
    """A viseme from its Rhubarb letter or Preston Blair name (case-insensitive)."""
    text = str(name).strip()
    if text.upper() in VISEMES:
        return text.upper()
    if text.lower() in ALIASES:
        return ALIASES[text.lower()]
    raise VisemeError(
        f"'{name}' is not a mouth shape: use Rhubarb's A-H and X or Preston Blair's "
        f"{', '.join(PRESTON_BLAIR.values())}."
    )
