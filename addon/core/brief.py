# ruff: noqa: RUF001  (quotes, dashes and full stops of other scripts, on purpose)
"""Brief analysis: what a brief is about, who is in it, and how it should be made.

A brief mixes content ("Mara and Theo argue about a broken robot") with stage directions ("20
seconds", "upbeat music", "friendly female voice"). The director speaks only content; each
direction becomes a plan setting instead. Pure Python, so every rule is tested in milliseconds
over a corpus of ordinary briefs (tests/unit/brief_corpus.py, test_director_corpus.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .scripts import lexicon

_QUOTES = re.compile(r"[\"“”«»„「『]\s*([^\"“”«»„」』]{2,300}?)\s*[\"“”»«」』]")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？؟।])\s+|(?<=[。！？।])")
MAX_LINE_CHARS = 300  # a spoken line; a longer sentence of the brief is cut at a word
_NAME = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’-]+"
_FIRST_SPEAKER = (
    rf"({_NAME}) (?:speaks|talks|goes|starts|parle|commence|spricht|beginnt|habla|empieza|parla) "
    r"(?:first|en premier|zuerst|als erste[rs]?|primero|primera|per prim[oa])"
)
_BEINGS = (
    r"(?:woman|man|girl|boy|person|friend|kid|child|character|hero|heroine|robot|dog|cat|baker|teacher|"
    r"student|father|mother|grandmother|grandfather|femme|homme|fille|garçon|frau|mann|mädchen|junge|"
    r"mujer|hombre|chica|chico)"
)
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")


@dataclass
class Character:
    name: str
    gender: str = ""  # "female", "male" or "" (unknown)


@dataclass
class Directions:
    """Stage directions: how to make the film, never what to say in it."""

    seconds: float | None = None
    platform: str | None = None  # a delivery preset name
    music: str = ""  # "none", or the mood words said of the music ("upbeat", "ambient")
    narrator: bool = False  # the brief asks for a voice-over
    voice_gender: str = ""
    voice_style: str = ""  # a speaking style (voices.ESPEAK_STYLES)
    sounds: list[str] = field(default_factory=list)
    looks: list[str] = field(default_factory=list)
    pacing: str = ""  # "fast" or "slow" cuts
    first_speaker: str = ""


@dataclass
class Brief:
    text: str
    language: str
    kind: str
    topic: str
    setting: str
    characters: list[Character]
    quoted: list[tuple[str, str]]  # (speaker or "", line) spoken verbatim, in order
    content: list[str]  # the brief's own sentences that are content, not directions
    directions: Directions
    warnings: list[str] = field(default_factory=list)
    # The topic as the brief names it ("about a broken robot"): a noun phrase templates can carry.
    # Otherwise it is the brief's first content sentence, which is spoken as it is.
    topic_explicit: bool = True

    @property
    def topic_words(self) -> list[str]:
        """The topic's content words (no articles or other function words)."""
        stop = lexicon.STOPWORDS.get(self.language, frozenset())
        return [w for w in _WORD.findall(self.topic) if w.lower() not in stop and len(w) > 2]


def analyze(text: str) -> Brief:
    """Read a (cleaned, non-empty) brief."""
    quoted_lines, unquoted = _quoted(text)
    language = detect_language(unquoted or text)
    if language == "en" and not _has_stopwords(unquoted):  # little left outside the quotes
        language = detect_language(text)
    # "A 10 second clip: a cat sleeps on a windowsill": what follows a colon is judged on its own.
    sentences = [
        part.strip() for s in _SENTENCE_END.split(unquoted) for part in re.split(r":\s+", s) if part.strip()
    ]
    directions = _directions(text)
    characters = _characters(text, quoted_lines)
    warnings = []
    if directions.first_speaker and directions.first_speaker not in {c.name for c in characters}:
        characters.insert(0, Character(directions.first_speaker))
        warnings.append(f"{directions.first_speaker} speaks first but is not named as a character: added.")
    if directions.first_speaker and characters and characters[0].name != directions.first_speaker:
        characters.sort(key=lambda c: c.name != directions.first_speaker)
    content = [part for s in sentences if (part := _content_of(s, characters))]
    topic, setting, explicit = _topic(sentences, content, characters, language)
    kind = _kind(text, characters, quoted_lines)
    if not topic and not content and not quoted_lines:
        warnings.append(
            "The brief has only stage directions (duration, platform, music, voice): say what the film "
            "is about for lines and pictures on that subject."
        )
    return Brief(
        text,
        language,
        kind,
        topic,
        setting,
        characters,
        quoted_lines,
        content,
        directions,
        warnings,
        explicit,
    )


def summary(brief: Brief) -> str:
    """The analysis in one line, for an LLM director: what the rules already understood."""
    d = brief.directions
    cast = (
        ", ".join(
            c.name + (" (speaks first)" if i == 0 and len(brief.characters) > 1 else "")
            for i, c in enumerate(brief.characters)
        )
        or "none named"
    )
    directions = [
        f"{d.seconds:g} s" if d.seconds else "",
        d.platform or "",
        "no music" if d.music == "none" else (f"{d.music} music" if d.music else ""),
        f"{d.voice_gender} voice" if d.voice_gender else "",
        f"{d.voice_style} delivery" if d.voice_style else "",
        ", ".join(d.looks),
        f"{d.pacing} cuts" if d.pacing else "",
    ]
    return (
        f"Topic: {brief.topic or 'not stated'}. Kind of film: {brief.kind.replace('_', ' ')}. "
        f"Setting: {brief.setting or 'not stated'}. Characters: {cast}. "
        f"Language of the lines: {brief.language}. "
        f"Stage directions (never spoken): {'; '.join(x for x in directions if x) or 'none'}."
    )


def _has_stopwords(text: str) -> bool:
    words = {w.lower() for w in _WORD.findall(text)}
    return any(words & stop for stop in lexicon.STOPWORDS.values())


def detect_language(text: str) -> str:
    """ISO code of the brief's language: by script, else by the most frequent function words."""
    letters = [c for c in text if c.isalpha()]
    for code, ranges in lexicon.SCRIPTS:
        pattern = re.compile(f"[{ranges}]")
        if letters and sum(1 for c in letters if pattern.match(c)) / len(letters) > 0.3:
            return code
    words = [w.lower() for w in _WORD.findall(text)]
    scores = {code: sum(1 for w in words if w in stop) for code, stop in lexicon.STOPWORDS.items()}
    best = max(scores, key=lambda code: (scores[code], code == "en"))
    return best if scores[best] else "en"


def espeak_voice(language: str) -> str:
    return lexicon.ESPEAK_VOICES.get(language, language)


# -- quoted lines and characters -------------------------------------------------------------
def _quoted(text: str) -> tuple[list[tuple[str, str]], str]:
    """Quoted lines with their speaker where the brief names one ("Mara says "..."", "Mara: "...""),
    and the brief with the quotes taken out."""
    lines = []
    for match in _QUOTES.finditer(text):
        before = text[max(0, match.start() - 40) : match.start()]
        who = re.search(rf"({_NAME})(?:\s+[a-zà-ÿ]+)?\s*:?\s*$", before)  # "Mara:", "Anna fragt:"
        speaker = who.group(1) if who and who.group(1) not in lexicon.NOT_NAMES else ""
        lines.append((speaker, match.group(1).strip()))
    # What is left is the brief around the quotes, without "Mara says" or "Voice-over:" labels.
    # What is left is the brief around the quotes, without "Mara says", "Anna fragt:" or "Voice-over:".
    rest = re.sub(rf"(?:\b{_NAME}(?:\s+[a-zà-ÿ]+)?\s*:?\s*|\b[\w-]+:\s*)?{_QUOTES.pattern}", " ", text)
    return lines, re.sub(r"\s+", " ", rest).strip()


def _characters(text: str, quoted: list[tuple[str, str]]) -> list[Character]:
    names: list[str] = []

    def add(name: str) -> None:
        if name not in lexicon.NOT_NAMES and name not in names and len(names) < 6:
            names.append(name)

    # "Two characters, Mara and Theo, ..." / "characters: Ana, Luis and Sofia"
    for match in re.finditer(
        rf"characters?\b[,:]?\s+((?:{_NAME}(?:,\s*|\s+(?:and|et|und|y|e)\s+))+{_NAME})", text
    ):
        for name in re.findall(_NAME, match.group(1)):
            add(name)
    # "Mara and Theo argue ...", "Deux amis, Julie et Karim, se ...", "scene: Lena and Marco ..."
    for match in re.finditer(
        rf"(?:^|[.!?:;,]\s+)({_NAME})\s+(?:and|et|und|y|e|&)\s+({_NAME})(?=\s+[a-zà-ÿ]|\s*,)", text
    ):
        add(match.group(1))
        add(match.group(2))
    # "a woman named Ada", "a robot called Bolt" (a bakery "called Pain d'Or" is not a character)
    for match in re.finditer(
        rf"\b{_BEINGS}\s+(?:named|called|nommée?|namens|llamad[oa])\s+({_NAME})", text, re.I
    ):
        add(match.group(1))
    for speaker, _ in quoted:
        if speaker:
            add(speaker)
    return [Character(name, _gender_of(name, text)) for name in names]


def _gender_of(name: str, text: str) -> str:
    """'female'/'male' from words next to the name ("Mara, a young woman", "Theo (he)")."""
    around = re.search(rf"\b{re.escape(name)}\b[^.!?]{{0,40}}", text)
    words = set(_WORD.findall(around.group(0).lower())) if around else set()
    if words & lexicon.FEMALE_WORDS:
        return "female"
    if words & lexicon.MALE_WORDS:
        return "male"
    return ""


# -- stage directions ------------------------------------------------------------------------
def _directions(text: str) -> Directions:
    lowered = text.lower()
    words = set(_WORD.findall(lowered))
    found = Directions(seconds=read_seconds(text), platform=read_platform(lowered))
    if re.search(
        r"\b(no|without|sans|pas de|ohne|keine|kein|sin|senza|sem|zonder|geen) "
        r"(music|musique|musik|música|musica|muziek)\b",
        lowered,
    ):
        found.music = "none"
    elif match := re.search(r"\b([a-z-]+)\s+(?:music|soundtrack|score|beat)\b", lowered):
        found.music = match.group(1)
    found.narrator = bool(
        re.search(r"voice[- ]?over|narrat|voix off|sprecher|erzähl|locución|narración", lowered)
    )
    voices = re.finditer(
        r"([\w\s-]{0,30})\b(voice|voix|stimme|voz|voce|narrat\w*|erzähl\w*|sprecher\w*|locut\w*)\b([\w\s]{0,12})",
        lowered,
    )
    voice_words = {word for match in voices for word in _WORD.findall(match.group(0))}
    if voice_words:
        found.voice_gender = (
            "female"
            if voice_words & lexicon.FEMALE_WORDS
            else "male"
            if voice_words & lexicon.MALE_WORDS
            else ""
        )
        if "deep" in voice_words and not found.voice_gender:
            found.voice_gender = "male"
        found.voice_style = next(
            (lexicon.VOICE_STYLES[w] for w in voice_words if w in lexicon.VOICE_STYLES), ""
        )
    found.sounds = [
        w for w in lexicon.SOUND_WORDS if w in words and re.search(r"sound|ambien|noise|sfx", lowered)
    ]
    found.looks = [look for phrase, look in lexicon.LOOK_WORDS.items() if phrase in lowered]
    if re.search(r"\b(fast|quick|rapid|snappy) (cuts|pace|pacing|edit)|fast-paced", lowered):
        found.pacing = "fast"
    elif re.search(r"\b(slow|long|lingering) (cuts|pace|pacing|takes)|slow-paced|slowly", lowered):
        found.pacing = "slow"
    if first := re.search(_FIRST_SPEAKER, text):
        found.first_speaker = first.group(1)
    return found


_NUMBER = (
    r"(?<!\w)(\d+(?:[.,]\d+)?|"
    + "|".join(sorted(map(re.escape, lexicon.NUMBER_WORDS), key=len, reverse=True))
    + r")(?!\w)"
)


def read_seconds(text: str) -> float | None:
    """Seconds asked for ("30-sec", "2 minutes", "ninety seconds", "30 secondes", "15秒")."""
    for match in re.finditer(_NUMBER + r"\s*-?\s*([^\W\d_]+)", text.lower()):
        raw, unit = match.group(1), lexicon.TIME_UNITS.get(match.group(2))
        if unit is not None:
            value = float(raw.replace(",", ".")) if raw[0].isdigit() else float(lexicon.NUMBER_WORDS[raw])
            return value * unit
    if match := re.search(r"(\d+)\s*(秒|分)", text):
        return float(match.group(1)) * (60.0 if match.group(2) == "分" else 1.0)
    return None


def read_platform(lowered: str) -> str | None:
    platforms = {  # the first platform named wins: a "4:5 Instagram post" is a portrait one
        "portrait": ("4:5", "instagram feed", "feed post"),
        "square": ("1:1", "square video", "square format", "carré", "quadratisch"),
        "vertical": (
            "vertical",
            "vertikal",
            "verticale",
            "hochformat",
            "portrait",
            "instagram",
            "reels",
            "reel",
            "tiktok",
            "shorts",
            "stories",
            "9:16",
        ),
        "prores": (
            "broadcast",
            "ott",
            "television",
            "tv spot",
            "mezzanine",
            "prores",
            "cinema",
            "theatrical",
        ),
        "youtube": ("youtube", "landscape", "16:9", "widescreen"),
    }
    for preset, words in platforms.items():
        if any(re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", lowered) for word in words):
            return preset
    return None


# -- content, topic, kind --------------------------------------------------------------------
def is_direction(sentence: str, characters: list[Character] = ()) -> bool:
    """Whether a sentence (or clause) is about making the film rather than in it."""
    lowered = sentence.lower()
    words = [w.lower() for w in _WORD.findall(sentence)]
    if not words:
        return True
    if any(phrase in lowered for phrase in lexicon.DIRECTION_PHRASES):
        return True
    if read_seconds(sentence) is not None or re.search(r"\d+\s*(?:秒|分)", sentence):
        return True
    if any(w in lexicon.DIRECTION_WORDS for w in words):
        return True
    if words[0] in lexicon.IMPERATIVES or (len(words) > 1 and words[0] == "please"):
        return True
    if re.search(r"\bcharacters?\b|\bpersonnages?\b|\bfiguren\b|\bpersonajes\b", lowered):
        return True
    if re.search(_FIRST_SPEAKER, sentence):  # "Karim parle en premier."
        return True
    kind_words = {word.strip() for words in lexicon.KINDS.values() for word in words}
    if all(w in kind_words or w in lexicon.FILM_WORDS for w in words):  # a label: "Announcement:"
        return True
    # "A teaser about X", "A brand film for Y": a description of the film itself.
    opening = sentence[:60]
    named_film = any(w in lexicon.FILM_WORDS for w in words[:8]) or any(
        word in opening for word in lexicon.FILM_WORDS if not word.isascii()
    )
    return named_film and bool(
        re.search(
            r"\b(about|for|on|sur|pour|über|für|sobre|para|su|per|over|عن|о|про)\b|关于|について|बारे", lowered
        )
        or words[0] in ("a", "an", "the", "un", "une", "ein", "eine", "una", "uno")
    )


def _content_of(sentence: str, characters: list[Character]) -> str:
    """The spoken-worthy part of a sentence: direction clauses removed ("" if nothing is left)."""
    if is_direction(sentence, characters):
        return ""
    clauses = [c.strip() for c in re.split(r"[,;:]\s+|\s+[-–—]\s+", sentence)]
    kept = [c for c in clauses if c and not is_direction(c, characters)]
    if not kept:
        return ""
    text = ", ".join(kept).strip(" ,")
    text = text[:1].upper() + text[1:]
    if len(text) > MAX_LINE_CHARS:
        text = (
            text[:MAX_LINE_CHARS].rsplit(" ", 1)[0] if " " in text[:MAX_LINE_CHARS] else text[:MAX_LINE_CHARS]
        )
    return text if re.search(r"[.!?。！？؟।]$", text) else text + "."


_ABOUT = {
    "en": r"about|on the subject of",
    "fr": r"sur|à propos d(?:e|u|es|')|au sujet d(?:e|u|es|')",
    "de": r"über",
    "es": r"sobre|acerca de",
    "it": r"sulla|sullo|sugli|sul|su",
    "pt": r"sobre",
    "nl": r"over",
    "ar": r"عن",
    "ru": r"о|об|про",
    "zh": r"关于",
}
_SETTING = (
    r"\s+(?:in|at|inside|dans|à|en|im|in der|in einem|in einer|en un|en una|nel|nella)\s+"
    r"((?:a|an|the|un|une|le|la|l'|ein|eine|einem|einer|der|dem|el|los|las|una|uno|il)?\s*[\w' -]{2,40})"
)


def _topic(sentences, content, characters, language) -> tuple[str, str]:
    """(topic, setting): what the film is about, and where it happens, as the brief says them."""
    names = {c.name for c in characters}
    for sentence in sentences:
        about = _ABOUT.get(language, _ABOUT["en"])
        spaced = language not in ("zh", "ja")  # CJK words run together: no spaces, no boundaries
        pattern = (
            rf"(?:^|\s)(?:{about})(?:\s+|(?<='))([^,.;!?]+)" if spaced else rf"(?:{about})([^,.;!?。，]+)"
        )
        if language == "hi":  # postpositions: "X के बारे में" is "about X"
            pattern = r"([^,.;!?।]+?)\s*के बारे में"
        elif language == "ja":
            pattern = r"([^、。]+?)について"
        if match := re.search(pattern, sentence, re.I):
            topic = match.group(1).strip()
            setting = ""
            if where := re.search(_SETTING + r"\s*$", " " + topic, re.I):
                setting = where.group(0).strip()  # with its preposition: "at sunrise", "in a workshop"
                topic = topic[: max(0, where.start() - 1)].strip()
            topic = re.sub(r"\s+(?:with|avec|mit|con|com|met)\s+.*$", "", topic)
            topic = re.sub(r"的(?:短片|影片|电影|视频)$", "", topic)
            return topic, setting, True
    for sentence in sentences:  # "Explain how vaccines work": the subject of the verb
        if match := re.match(
            r"(?:please\s+)?(?:explain|show|teach(?: us| me)?)\s+((?:how|why|what)\b[^,.;!?]+)",
            sentence,
            re.I,
        ):
            return match.group(1).strip(), "", True
    for sentence in sentences:
        if match := re.search(r"\b(?:for|pour|für|para|per|voor)\s+([^,.;!?]+)", sentence, re.I):
            return re.sub(r"\s+(?:with|avec|mit|con|com|met)\s+.*$", "", match.group(1).strip()), "", True
    if content:  # no "about": the first thing the brief says is what the pictures show
        words = content[0].rstrip(".!?。।").split()[:12]
        if words and words[0][1:].islower() and words[0] not in names:  # a sentence's capital
            words[0] = words[0].lower()
        return " ".join(words), "", False
    return "", "", False


def strip_article(phrase: str) -> str:
    return re.sub(
        r"^(?:a|an|the|un|une|le|la|les|l'|ein|eine|der|die|das|el|los|las|una|uno|il|lo)\s+",
        "",
        phrase,
        flags=re.I,
    )


def _kind(text: str, characters: list[Character], quoted: list[tuple[str, str]]) -> str:
    lowered = f" {text.lower()} "
    if len(characters) >= 2 or (characters and any(speaker for speaker, _ in quoted)):
        return "scene"
    for kind, words in lexicon.KINDS.items():
        if any(word in lowered for word in words):
            return kind
    return "story"  # a film about something, with no kind named: a portrait of its subject
