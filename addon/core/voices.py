"""Who speaks a line, and how: a character's voice settings and the speaking styles.

A line is spoken by its speaker's voice: the scene's voice table (what the artist chose) over
the plan's character (what the director or a revision chose). A style ("calm", "whisper") must
change the audio or be refused: espeak takes it as rate, pitch, range and variant presets;
voices without a style input refuse it with a message rather than store and ignore it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .validation import BadInput

# Seconds of silence between two lines of one shot: a natural pause between speakers.
LINE_GAP = 0.35

# espeak-ng parameters per style: words-per-minute factor, pitch and range (0-100, default 50),
# volume (default 100) and a voice variant ("" keeps the voice's own).
ESPEAK_STYLES: dict[str, dict] = {
    "neutral": {"rate": 1.0, "pitch": 50, "range": 50, "volume": 100, "variant": ""},
    "calm": {"rate": 0.82, "pitch": 40, "range": 25, "volume": 90, "variant": ""},
    "warm": {"rate": 0.92, "pitch": 42, "range": 40, "volume": 100, "variant": ""},
    "soft": {"rate": 0.9, "pitch": 45, "range": 30, "volume": 70, "variant": ""},
    "excited": {"rate": 1.18, "pitch": 68, "range": 90, "volume": 110, "variant": ""},
    "slow": {"rate": 0.78, "pitch": 50, "range": 50, "volume": 100, "variant": ""},
    "fast": {"rate": 1.22, "pitch": 50, "range": 50, "volume": 100, "variant": ""},
    "whisper": {"rate": 0.95, "pitch": 50, "range": 50, "volume": 100, "variant": "whisper"},
}
STYLE_ALIASES = {
    "": "neutral",
    "calmer": "calm",
    "warmer": "warm",
    "softer": "soft",
    "gentle": "soft",
    "energetic": "excited",
    "upbeat": "excited",
    "slower": "slow",
    "faster": "fast",
    "whispered": "whisper",
}
STYLED_FAMILIES = frozenset({"espeak"})


def style_name(style: str | None) -> str:
    """The canonical style for a word ("calmer" -> "calm"); BadInput for one no voice knows."""
    word = (style or "").strip().lower()
    name = STYLE_ALIASES.get(word, word)
    if name not in ESPEAK_STYLES:
        raise BadInput(f"Unknown speaking style {style!r}: known styles are {', '.join(ESPEAK_STYLES)}.")
    return name


def check_style(family: str, model_id: str, style: str | None) -> str:
    """The style a voice of ``family`` will speak in; refused where the voice cannot do it."""
    name = style_name(style)
    if name != "neutral" and family not in STYLED_FAMILIES:
        raise BadInput(
            f"Voice '{model_id}' ({family}) has no style input, so style '{style}' would change "
            "nothing: clear the style, or give the character an espeak voice."
        )
    return name


def espeak_settings(voice: str, style: str, speed: float) -> dict:
    """espeak-ng voice name and parameters for a voice, a canonical style and a speed."""
    preset = ESPEAK_STYLES[style]
    name = voice or "en"
    if preset["variant"]:
        name = f"{name.split('+')[0]}+{preset['variant']}"
    return {
        "voice": name,
        "wpm": round(160 * speed * preset["rate"]),
        "pitch": preset["pitch"],
        "range": preset["range"],
        "volume": preset["volume"],
    }


@dataclass(frozen=True)
class Voice:
    """Everything that decides how a character sounds (and so the speech file's key)."""

    model: str = "espeak"
    voice: str = "en"
    language: str = "en"
    speed: float = 1.0
    style: str = ""
    seed: int = 0
    reference: str = ""  # a WAV to clone (cloning models only)

    def to_dict(self) -> dict:
        return asdict(self)


def character_voice(character: dict, table_row: dict | None = None) -> Voice:
    """The voice a character speaks with: the artist's voice-table row over the plan's character.

    The plan's style wins when it has one (a revision "a calmer voice-over" writes it there).
    """
    row = table_row or {}
    style = character.get("style") or row.get("style") or ""
    return Voice(
        model=row.get("model") or "espeak",
        voice=row.get("voice") or character.get("voice") or "en",
        language=row.get("language") or "en",
        speed=float(row.get("speed") or 1.0),
        style=style,
        seed=int(row["seed"]) if "seed" in row else int(character.get("seed", 0)) % 2**32,
        reference=row.get("reference") or "",
    )
