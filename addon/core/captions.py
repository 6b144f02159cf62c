"""Captions from spoken word timings: cues, line breaks, sidecars (SRT, WebVTT), reading order.

A cue is a run of words shown together; its start and end are the first word's start and the
last word's end as spoken (the sidecars carry exactly these). Cues break at pauses, sentence
ends and the preset's limits: characters per line, lines per cue, words per cue (short-video
captions show a few words at a time) and reading speed. On screen, a cue too fast to read is
held into the silence after it (never over the next cue); the sidecar keeps the spoken times.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .validation import BadInput

PAUSE_BREAK = 0.45  # seconds of silence that start a new cue
SENTENCE_END = re.compile(r"[.!?。！？…؟]['\")\]»”]*$")  # noqa: RUF001 (full-width marks)


@dataclass(frozen=True)
class CaptionRules:
    chars_per_line: int
    max_lines: int
    max_words: int  # per cue: word-by-word captions show a few words at a time
    max_cps: float  # reading speed, characters per second
    bottom: float  # the caption block's lowest edge, as a fraction of the frame height
    size: float  # font size as a fraction of the frame's short side
    burn_in: bool
    max_seconds: float = 6.0


# Per delivery preset. Vertical video keeps captions above the platform's own buttons and
# description (the bottom fifth of a 9:16 frame), in short lines of a few words; feed formats
# (1:1, 4:5) sit between; masters for broadcast and grading carry sidecars, not burned-in text.
_WIDE = CaptionRules(
    chars_per_line=42, max_lines=2, max_words=8, max_cps=17, bottom=0.07, size=0.045, burn_in=True
)
_TALL = CaptionRules(
    chars_per_line=22, max_lines=2, max_words=4, max_cps=15, bottom=0.22, size=0.06, burn_in=True
)
_FEED = CaptionRules(
    chars_per_line=30, max_lines=2, max_words=6, max_cps=16, bottom=0.12, size=0.05, burn_in=True
)
_MASTER = CaptionRules(
    chars_per_line=37, max_lines=2, max_words=12, max_cps=15, bottom=0.08, size=0.04, burn_in=False
)
CAPTION_RULES = {
    "youtube": _WIDE,
    "youtube_4k": _WIDE,
    "vertical": _TALL,
    "vertical_60": _TALL,
    "square": _FEED,
    "portrait": _FEED,
    "prores": _MASTER,
    "broadcast_hd": _MASTER,
    "prores_4444": _MASTER,
    "film_23976": _MASTER,
    "exr": _MASTER,
    "png": _MASTER,
}
DEFAULT_RULES = CAPTION_RULES["youtube"]
# How a film carries captions: as its preset says, burned in (and sidecars), sidecars only, none.
CAPTION_MODES = ("preset", "burn-in", "sidecar", "off")


class CaptionError(BadInput):
    """Timings that cannot become captions (the message says why)."""


@dataclass(frozen=True)
class Word:
    text: str  # as written, with its punctuation
    start: float  # seconds in the film
    end: float


@dataclass
class Cue:
    words: list[Word]
    lines: list[str] = field(default_factory=list)
    speaker: str = ""

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def end(self) -> float:
        return self.words[-1].end

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _bare(token: str) -> str:
    return "".join(ch for ch in token.casefold() if ch.isalnum())


def _match(wanted: str, tokens: list[str], position: int) -> int | None:
    """The written token the voice's word is: equal once case and punctuation are set aside,
    else (a voice that splits "it's" or joins words) the first token that contains it."""
    bare = _bare(wanted)
    if not bare:
        return None
    ahead = range(position, min(len(tokens), position + 4))  # a voice skips a token or two, not more
    exact = next((i for i in ahead if _bare(tokens[i]) == bare), None)
    return exact if exact is not None else next((i for i in ahead if bare in _bare(tokens[i])), None)


def written_words(text: str, spoken: list[dict], offset: float = 0.0) -> list[Word]:
    """The line's words as written (punctuation kept) with the voice's timings, shifted by
    ``offset`` seconds. Written tokens the voice did not time (a dash, a number it read as
    words) ride with the word before them."""
    if not text.strip():
        raise CaptionError("A caption needs words: the line is empty.")
    tokens = text.split()
    words: list[Word] = []
    position = 0
    for timed in spoken:
        index = _match(str(timed.get("text", "")), tokens, position)
        if index is None:
            continue
        skipped = tokens[position:index]
        if skipped and words:
            last = words[-1]
            words[-1] = Word(" ".join([last.text, *skipped]), last.start, last.end)
            skipped = []
        shown = " ".join([*skipped, tokens[index]])
        words.append(Word(shown, offset + float(timed["start"]), offset + float(timed["end"])))
        position = index + 1
    if not words:
        raise CaptionError(f"The voice's timings name none of the words of {text[:40]!r}.")
    if position < len(tokens):
        last = words[-1]
        words[-1] = Word(" ".join([last.text, *tokens[position:]]), last.start, last.end)
    return words


def break_lines(words: list[str], chars_per_line: int) -> list[str]:
    """Greedy lines of at most ``chars_per_line`` characters; an over-long word is split."""
    lines: list[str] = []
    for word in words:
        while len(word) > chars_per_line:  # a word longer than a line: hard break
            lines.append(word[:chars_per_line])
            word = word[chars_per_line:]
        if lines and len(lines[-1]) + 1 + len(word) <= chars_per_line:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _balanced(words: list[str], chars_per_line: int) -> list[str]:
    """Two lines as even as possible (a short second line reads as an orphan)."""
    greedy = break_lines(words, chars_per_line)
    if len(greedy) != 2:
        return greedy
    best = greedy
    for split in range(1, len(words)):
        top, bottom = " ".join(words[:split]), " ".join(words[split:])
        if max(len(top), len(bottom)) <= chars_per_line and abs(len(top) - len(bottom)) < abs(
            len(best[0]) - len(best[1])
        ):
            best = [top, bottom]
    return best


def _fits(words: list[Word], rules: CaptionRules) -> bool:
    lines = break_lines([w.text for w in words], rules.chars_per_line)
    return (
        len(lines) <= rules.max_lines
        and len(words) <= rules.max_words
        and words[-1].end - words[0].start <= rules.max_seconds
    )


def cues_for(words: list[Word], rules: CaptionRules, speaker: str = "") -> list[Cue]:
    """Group a line's timed words into cues within the preset's limits.

    Cues break at pauses and sentence ends; a run too long for one cue is split where the
    limits say, then evened out, so a sentence never ends on a one-word orphan cue.
    """
    runs: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        pause = bool(current) and word.start - current[-1].end >= PAUSE_BREAK
        sentence = bool(current) and SENTENCE_END.search(current[-1].text) is not None
        if current and (pause or sentence):
            runs.append(current)
            current = []
        current.append(word)
    if current:
        runs.append(current)
    cues = [Cue(part, speaker=speaker) for run in runs for part in _split(run, rules)]
    for cue in cues:
        cue.lines = _balanced([w.text for w in cue.words], rules.chars_per_line)
    return cues


def _split(run: list[Word], rules: CaptionRules) -> list[list[Word]]:
    """A run of words as cues that fit, the last ones evened out against the one before."""
    parts: list[list[Word]] = [[]]
    for word in run:
        if parts[-1] and not _fits([*parts[-1], word], rules):
            parts.append([])
        parts[-1].append(word)
    while len(parts) > 1 and len(parts[-1]) + 1 < len(parts[-2]):
        moved = [parts[-2][-1], *parts[-1]]
        if not _fits(moved, rules):
            break
        parts[-2], parts[-1] = parts[-2][:-1], moved
    return parts


def on_screen_end(cues: list[Cue], index: int, rules: CaptionRules) -> float:
    """When cue ``index`` leaves the screen: its spoken end, held for reading speed up to the
    next cue's start."""
    cue = cues[index]
    readable = cue.start + len(cue.text.replace("\n", " ")) / rules.max_cps
    following = cues[index + 1].start if index + 1 < len(cues) else float("inf")
    return max(cue.end, min(readable, following))


def _clock(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}{separator}{rest % 1000:03d}"


def to_srt(cues: list[Cue]) -> str:
    blocks = [
        f"{number}\n{_clock(cue.start, ',')} --> {_clock(cue.end, ',')}\n{cue.text}\n"
        for number, cue in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: list[Cue]) -> str:
    blocks = ["WEBVTT\n"]
    for cue in cues:
        voice = f"<v {_vtt_escape(cue.speaker)}>" if cue.speaker else ""
        lines = [_vtt_escape(line) for line in cue.lines]
        text = "\n".join(voice + line if index == 0 else line for index, line in enumerate(lines))
        blocks.append(f"{_clock(cue.start, '.')} --> {_clock(cue.end, '.')}\n{text}\n")
    return "\n".join(blocks)


# -- right-to-left scripts on screen ------------------------------------------------------------
# Players lay out sidecar text themselves; a burned-in caption goes through the Sequencer's text
# strip, which draws characters left to right as stored. So burned-in RTL text is stored in
# visual order, with Arabic letters in their joined (presentation) forms.


def is_rtl(text: str) -> bool:
    strong = [
        unicodedata.bidirectional(ch) for ch in text if unicodedata.bidirectional(ch) in ("L", "R", "AL")
    ]
    return bool(strong) and sum(kind != "L" for kind in strong) * 2 >= len(strong)


def _arabic_forms() -> dict[str, dict[str, str]]:
    forms: dict[str, dict[str, str]] = {}
    for code in (*range(0xFB50, 0xFDFF), *range(0xFE70, 0xFEFF)):
        decomposition = unicodedata.decomposition(chr(code)).split()
        if len(decomposition) == 2 and decomposition[0] in ("<isolated>", "<initial>", "<medial>", "<final>"):
            base = chr(int(decomposition[1], 16))
            forms.setdefault(base, {})[decomposition[0][1:-1]] = chr(code)
    return forms


_FORMS = _arabic_forms()


def _joins_forward(ch: str) -> bool:
    """The letter connects to the letter after it (it has an initial or medial form)."""
    return "initial" in _FORMS.get(ch, {}) or "medial" in _FORMS.get(ch, {})


def shape_arabic(text: str) -> str:
    """Arabic letters in their contextual forms (what a shaping engine would draw)."""
    out = []
    for index, ch in enumerate(text):
        forms = _FORMS.get(ch)
        if not forms:
            out.append(ch)
            continue
        before = text[index - 1] if index else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        joins_before = _joins_forward(before)
        joins_after = after in _FORMS and _joins_forward(ch)
        wanted = {
            (True, True): "medial",
            (True, False): "final",
            (False, True): "initial",
            (False, False): "isolated",
        }[(joins_before, joins_after)]
        out.append(forms.get(wanted) or forms.get("isolated") or ch)
    return "".join(out)


# Latin words and numbers (Western or Arabic-Indic digits) read left to right inside RTL text.
_LTR_CHARS = "A-Za-z0-9\u0660-\u0669\u06f0-\u06f9"
_LTR_RUN = re.compile(rf"[{_LTR_CHARS}][{_LTR_CHARS}.,:%'\-/]*|\s+|.")
_MIRROR = str.maketrans("()[]{}<>«»", ")(][}{><»«")  # brackets face the other way when reversed


def _keeps_order(run: str) -> bool:
    return re.match(rf"[{_LTR_CHARS}]", run) is not None


def visual_order(line: str) -> str:
    """One line of mostly right-to-left text in left-to-right drawing order: shaped, words and
    letters reversed, runs of left-to-right text (numbers, Latin names) kept as written."""
    if not is_rtl(line):
        return line
    shaped = shape_arabic(line)
    runs = _LTR_RUN.findall(shaped)
    return "".join(run if _keeps_order(run) else run[::-1].translate(_MIRROR) for run in reversed(runs))
