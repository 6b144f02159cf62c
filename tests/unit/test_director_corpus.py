"""The rule-based director over a corpus of ordinary briefs: what every plan must have.

The plans are also snapshotted (tests/unit/snapshots/director.json): a change in the director
shows as a diff there. After an intended change: STORYLOOM_UPDATE_SNAPSHOTS=1 pytest tests/unit.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from pathlib import Path

import pytest

from addon.core.brief import analyze
from addon.core.director import make_plan
from addon.core.voices import ESPEAK_STYLES
from tests.unit.brief_corpus import CORPUS, Case

SNAPSHOT = Path(__file__).with_name("snapshots") / "director.json"
# Words that only a stage direction would put in a line, in the corpus's languages.
DIRECTION_WORDS = re.compile(
    r"\b(seconds?|secs?|minutes?|music|voice|voice-?over|narrat\w*|vertical|instagram|reels?|tiktok|youtube"
    r"|broadcast|subtitles|secondes|musique|voix|sekunden|musik|stimme|segundos|música|voz|secondi|musica"
    r"|seconden|muziek|segundo)\b|\d+\s*(s|sec)\b|秒|音乐|音楽|ثانية|موسيقى|सेकंड|секунд",
    re.I,
)
ENGLISH_FILLER = re.compile(r"\b(the|and|is|of|it|every|our|this|with)\b", re.I)


def lines_of(plan: dict) -> list[tuple[str, str]]:
    return [(line["speaker"], line["text"]) for shot in plan["shots"] for line in shot["lines"]]


@pytest.fixture(scope="module")
def plans() -> dict[str, dict]:
    return {case.brief: make_plan(case.brief) for case in CORPUS}


def test_the_corpus_covers_every_kind_and_six_languages():
    assert len(CORPUS) >= 40
    assert len({case.language for case in CORPUS}) >= 6
    assert {"brand", "launch", "documentary", "explainer", "scene", "music_video"} <= {c.kind for c in CORPUS}


@pytest.mark.parametrize("case", [c for c in CORPUS if c.kind], ids=lambda case: case.brief[:40])
def test_the_kind_of_film_is_read(case: Case):
    assert analyze(case.brief).kind == case.kind


@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.brief[:40])
def test_no_spoken_line_is_a_stage_direction_or_the_brief_read_aloud(plans, case: Case):
    plan = plans[case.brief]
    for _, text in lines_of(plan):
        if text in case.quoted:
            continue
        assert not DIRECTION_WORDS.search(text), text
        assert text.strip(" .") != case.brief.strip(" ."), text
        sentences = [s.strip() for s in re.split(r"(?<=[.!?。])\s*", case.brief) if s.strip()]
        assert text not in [s for s in sentences if DIRECTION_WORDS.search(s)], text


@pytest.mark.parametrize("case", [c for c in CORPUS if c.topic], ids=lambda case: case.brief[:40])
def test_the_topic_is_in_a_line_and_in_every_shot_prompt(plans, case: Case):
    plan = plans[case.brief]
    spoken = " ".join(text for _, text in lines_of(plan)).lower()
    for word in case.topic:
        assert word.lower() in spoken, (word, spoken)
        for shot in plan["shots"]:
            assert word.lower() in shot["prompt"].lower(), (word, shot["prompt"])


@pytest.mark.parametrize("case", [c for c in CORPUS if c.characters], ids=lambda case: case.brief[:40])
def test_named_characters_speak_in_turn_with_distinct_voices(plans, case: Case):
    plan = plans[case.brief]
    speakers = [speaker for speaker, _ in lines_of(plan)]
    assert speakers[: len(case.characters)] == list(case.characters)  # who speaks first, then in turn
    assert all(a != b for a, b in itertools.pairwise(speakers))  # alternating
    voices = {c["name"]: c["voice"] for c in plan["characters"]}
    assert len({voices[name] for name in case.characters}) == len(case.characters)
    assert "Narrator" not in speakers


@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.brief[:40])
def test_lines_and_voice_are_in_the_briefs_language(plans, case: Case):
    plan = plans[case.brief]
    espeak = {"zh": "cmn"}.get(case.language, case.language)
    assert plan["film"]["language"] == case.language
    assert all(c["voice"].split("+")[0] == espeak for c in plan["characters"])
    assert lines_of(plan) or case.language != "en"
    if case.language != "en":
        for _, text in lines_of(plan):
            assert not ENGLISH_FILLER.search(text) or ENGLISH_FILLER.search(case.brief), text


@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.brief[:40])
def test_prompts_describe_pictures(plans, case: Case):
    for shot in plans[case.brief]["shots"]:
        prompt = shot["prompt"]
        assert re.search(r"\b(shot|close-up|two-shot)\b", prompt), prompt
        assert re.search(r"light|lighting|daylight", prompt), prompt
        assert "#" not in prompt and shot["negative_prompt"]


@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.brief[:40])
def test_quoted_lines_are_spoken_verbatim(plans, case: Case):
    texts = [text for _, text in lines_of(plans[case.brief])]
    for quote in case.quoted:
        assert quote in texts


def test_stage_directions_change_the_plan():
    upbeat = make_plan("A 20 second film about a bakery, upbeat music.")
    calm = make_plan("A 20 second film about a bakery, calm music.")
    assert upbeat["style"]["bpm"] > calm["style"]["bpm"]
    assert make_plan("A film about a bakery, no music.")["style"]["music"] is False
    assert upbeat["style"]["music"] is True
    slow = make_plan("A film about a bakery, narrated slowly.")
    narrator = slow["characters"][0]
    assert ESPEAK_STYLES[narrator["style"]]["rate"] < 1.0  # fewer words per minute
    female = make_plan("A film about a bakery, friendly female voice.")["characters"][0]["voice"]
    male = make_plan("A film about a bakery, deep male voice.")["characters"][0]["voice"]
    assert female.endswith(("+f1", "+f2", "+f3", "+f4")) and male.endswith(("+m1", "+m2", "+m3", "+m7"))
    fast = make_plan("A 30 second film about a bakery, fast cuts.")
    assert len(fast["shots"]) > len(calm["shots"])


def test_a_seed_gives_a_variant_and_the_same_seed_the_same_plan():
    brief = "A 30 second brand film about Northwind bikes."
    assert make_plan(brief, seed=1) == make_plan(brief, seed=1)
    assert lines_of(make_plan(brief, seed=1)) != lines_of(make_plan(brief, seed=2))


@pytest.mark.parametrize(
    "brief",
    [
        "30 seconds, vertical, upbeat music.",
        "Un film sobre the sea and la mer, 20 seconds.",
        "x" * 50_000,
        "🌅🌊🌅",
        "Will and May talk about the weather. Sam speaks first.",
        "A documentary. Καλημέρα κόσμε, η θάλασσα είναι ήρεμη.",
    ],
    ids=["only-directions", "mixed-language", "50k", "emoji", "unnamed-first-speaker", "no-templates"],
)
def test_odd_briefs_give_a_sane_plan(brief):
    plan = make_plan(brief)
    assert plan["shots"] and all(shot["prompt"] for shot in plan["shots"])
    assert 5 <= plan["film"]["target_duration"] <= 600


def editing_of(shot: dict) -> str:
    """How a shot is cut and what it sounds like, in one reviewable line."""
    sounds = [item if isinstance(item, str) else item["sound"] for item in shot["sfx"]]
    j_cut = f" J {shot['j_cut']:g} s" if shot.get("j_cut") else ""
    return f"{shot['transition']}{j_cut}, {shot['mood']}, sfx: {', '.join(sounds) or '-'}"


def staging_of(plan: dict) -> list[str]:
    """Where and how each shot is blocked, in one reviewable line per shot; the props and light."""
    shots = [
        f"{shot['framing']} {shot['lens']:g} mm on {shot.get('subject') or 'the group'}"
        f" at {shot.get('location') or 'the set'}"
        for shot in plan["shots"]
    ]
    return [f"lighting {plan['style']['lighting']}, props: {', '.join(plan['props']) or '-'}", *shots]


def test_plans_match_the_snapshot(plans):
    current = {
        case.brief: {
            "title": plans[case.brief]["film"]["title"],
            "language": plans[case.brief]["film"]["language"],
            "voices": {c["name"]: c["voice"] for c in plans[case.brief]["characters"]},
            "lines": [f"{speaker}: {text}" for speaker, text in lines_of(plans[case.brief])],
            "prompts": [shot["prompt"] for shot in plans[case.brief]["shots"]],
            "editing": [editing_of(shot) for shot in plans[case.brief]["shots"]],
            "staging": staging_of(plans[case.brief]),
        }
        for case in CORPUS
    }
    if os.environ.get("STORYLOOM_UPDATE_SNAPSHOTS"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert SNAPSHOT.exists(), "No snapshot yet: run with STORYLOOM_UPDATE_SNAPSHOTS=1 and commit it."
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    changed = [brief[:50] for brief in current if current[brief] != snapshot.get(brief)]
    assert not changed, f"The director's plans changed for: {changed} (see the diff of {SNAPSHOT.name})"
