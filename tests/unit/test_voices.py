"""Voices per character and speaking styles (pure core)."""

from __future__ import annotations

import pytest

from addon.core.validation import BadInput
from addon.core.voices import ESPEAK_STYLES, character_voice, check_style, espeak_settings, style_name


def test_revision_words_name_styles_every_espeak_voice_can_speak():
    from addon.core.revise import VOICE_WORDS

    for word in VOICE_WORDS:
        assert style_name(word) in ESPEAK_STYLES


def test_each_style_changes_what_espeak_is_asked_for():
    neutral = espeak_settings("en+f3", "neutral", 1.0)
    assert neutral == {"voice": "en+f3", "wpm": 160, "pitch": 50, "range": 50, "volume": 100}
    settings = {style: espeak_settings("en+f3", style, 1.0) for style in ESPEAK_STYLES}
    assert len({tuple(sorted(s.items())) for s in settings.values()}) == len(ESPEAK_STYLES)
    assert settings["whisper"]["voice"] == "en+whisper"
    assert settings["calm"]["wpm"] < 160 < settings["excited"]["wpm"]
    assert espeak_settings("fr", "neutral", 1.5)["wpm"] == 240


def test_a_style_a_voice_cannot_do_is_refused_with_the_fix():
    assert check_style("espeak", "espeak", "calmer") == "calm"
    assert check_style("coqui-xtts", "xtts-v2", "") == "neutral"
    with pytest.raises(BadInput, match="'xtts-v2' .* has no style input.*espeak voice"):
        check_style("coqui-xtts", "xtts-v2", "calm")
    with pytest.raises(BadInput, match="Unknown speaking style 'sarcastic'"):
        check_style("espeak", "espeak", "sarcastic")


def test_the_voice_table_row_wins_over_the_plan_except_for_a_revised_style():
    character = {"name": "Mara", "voice": "en+f3", "seed": 7, "style": "calm"}
    assert character_voice(character) == character_voice(character, {})
    plain = character_voice(character)
    assert (plain.model, plain.voice, plain.seed, plain.style) == ("espeak", "en+f3", 7, "calm")
    row = {"model": "tiny-vits", "voice": "", "speed": 1.2, "seed": 3, "style": "whisper", "language": "fr"}
    chosen = character_voice(character, row)
    assert (chosen.model, chosen.voice, chosen.speed, chosen.seed, chosen.style, chosen.language) == (
        "tiny-vits",
        "en+f3",
        1.2,
        3,
        "calm",
        "fr",
    )
