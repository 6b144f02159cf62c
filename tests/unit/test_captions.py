"""Captions: words as written with the voice's timings, cue breaking within a preset's limits,
sidecars and right-to-left reading order."""

from __future__ import annotations

import unicodedata

import pytest

from addon.core import captions
from addon.core.captions import CAPTION_RULES, CaptionError, Word

TIMED = [
    {"text": "Hello", "start": 0.0, "end": 0.64},
    {"text": "my", "start": 0.64, "end": 0.82},
    {"text": "name", "start": 0.82, "end": 1.02},
    {"text": "is", "start": 1.02, "end": 1.22},
    {"text": "Bob", "start": 1.22, "end": 1.91},
    {"text": "I", "start": 1.91, "end": 2.05},
    {"text": "love", "start": 2.05, "end": 2.28},
    {"text": "fresh", "start": 2.28, "end": 2.6},
    {"text": "apples", "start": 2.6, "end": 3.04},
]
LINE = "Hello, my name is Bob. I love fresh apples!"


def test_words_keep_their_punctuation_and_move_with_the_line():
    words = captions.written_words(LINE, TIMED, offset=10.0)
    assert [w.text for w in words] == ["Hello,", "my", "name", "is", "Bob.", "I", "love", "fresh", "apples!"]
    assert words[0].start == 10.0 and words[-1].end == pytest.approx(13.04)


@pytest.mark.parametrize("preset", sorted(CAPTION_RULES))
def test_cues_stay_within_the_presets_limits_and_keep_spoken_times(preset):
    rules = CAPTION_RULES[preset]
    words = captions.written_words(LINE, TIMED)
    cues = captions.cues_for(words, rules)
    assert [w for cue in cues for w in cue.words] == words  # every word once, in order
    for cue in cues:
        assert len(cue.lines) <= rules.max_lines and len(cue.words) <= rules.max_words
        assert all(len(line) <= rules.chars_per_line for line in cue.lines)
        assert (cue.start, cue.end) == (cue.words[0].start, cue.words[-1].end)
    assert any(cue.words[-1].text == "Bob." for cue in cues)  # a sentence ends its cue


def test_a_pause_starts_a_new_cue_and_reading_time_never_covers_the_next_cue():
    words = [Word("One", 0.0, 0.2), Word("two", 1.0, 1.2)]
    cues = captions.cues_for(words, CAPTION_RULES["youtube"])
    assert [c.text for c in cues] == ["One", "two"]
    assert captions.on_screen_end(cues, 0, CAPTION_RULES["youtube"]) <= 1.0


def test_sidecars_carry_the_spoken_times():
    cues = captions.cues_for(captions.written_words(LINE, TIMED, offset=61.5), CAPTION_RULES["youtube"])
    srt, vtt = captions.to_srt(cues), captions.to_vtt(cues)
    assert srt.startswith("1\n00:01:01,500 --> 00:01:03,410\nHello, my name is Bob.\n")
    assert vtt.startswith("WEBVTT\n\n00:01:01.500 --> 00:01:03.410\n")


def test_an_empty_line_has_no_captions():
    with pytest.raises(CaptionError, match="line is empty"):
        captions.written_words("   ", TIMED)


def test_hebrew_is_stored_in_visual_order():
    assert captions.visual_order("שלום עולם") == "םלוע םולש"
    assert captions.visual_order("Hello world") == "Hello world"
    assert captions.visual_order("מחיר 25 שקל") == "לקש 25 ריחמ"


def test_arabic_is_shaped_and_reversed():
    shown = captions.visual_order("سلام")  # seen, lam, alef, meem
    names = [unicodedata.name(ch) for ch in shown]
    assert names == [
        "ARABIC LETTER MEEM ISOLATED FORM",
        "ARABIC LETTER ALEF FINAL FORM",
        "ARABIC LETTER LAM MEDIAL FORM",
        "ARABIC LETTER SEEN INITIAL FORM",
    ]


def test_a_voice_that_lowercases_or_skips_words_still_lines_up():
    timed = [{"text": "hello", "start": 0.0, "end": 0.4}, {"text": "world", "start": 0.5, "end": 0.9}]
    words = captions.written_words("Hello, — world!", timed)
    assert [(w.text, w.start) for w in words] == [("Hello, —", 0.0), ("world!", 0.5)]


def test_webvtt_text_and_speakers_are_escaped():
    cue = captions.Cue([Word("a<b & c", 0.0, 1.0)], lines=["a<b & c"], speaker="Dr. <X>")
    assert "<v Dr. &lt;X&gt;>a&lt;b &amp; c" in captions.to_vtt([cue])


def test_a_long_sentence_is_split_evenly_not_into_an_orphan():
    text = "Most days, nobody stops to think about Northwind bikes."
    timed = [
        {"text": w.strip(",."), "start": i * 0.3, "end": i * 0.3 + 0.28} for i, w in enumerate(text.split())
    ]
    cues = captions.cues_for(captions.written_words(text, timed), CAPTION_RULES["youtube"])
    assert [len(cue.words) for cue in cues] == [5, 4]


def test_arabic_indic_numbers_keep_their_order_and_brackets_face_the_text():
    assert captions.visual_order("שלום (חבר) ١٢٣") == "١٢٣ (רבח) םולש"
