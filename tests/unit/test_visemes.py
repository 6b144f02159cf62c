"""Visemes from phoneme and word timings, co-articulation, cue files and rig mappings."""

from __future__ import annotations

import json
from itertools import pairwise

import pytest

from addon.core import lipsync, rhubarb, visemes
from addon.core.visemes import REST, Cue, VisemeError

# espeak-ng's events for "Hello, my name is Bob." (voice en), as the speech sidecar stores them.
HELLO = {
    "duration": 1.92,
    "phonemes": [
        {"phoneme": p, "start": t}
        for p, t in [
            ("h", 0.012), ("@", 0.067), ("l", 0.137), ("'oU", 0.247), ("_:", 0.464), ("_", 0.639),
            ("m", 0.639), ("aI", 0.723), ("n", 0.83), ("'eI", 0.914), ("m", 1.025), ("I", 1.092),
            ("z", 1.135), ("b", 1.257), ("'0", 1.307), ("b", 1.484), ("_:", 1.565), ("_", 1.915),
        ]
    ],
}  # fmt: skip


def test_espeak_phonemes_map_to_rhubarb_shapes():
    assert [visemes.viseme_of_phoneme(p) for p in ("m", "b", "p", "f", "v", "l", "'aI", "u:", "'oU")] == [
        "A", "A", "A", "G", "G", "H", "D", "F", "F",
    ]  # fmt: skip
    assert visemes.viseme_of_phoneme("_:") is None and visemes.viseme_of_phoneme("(en)") is None


def test_track_closes_lips_on_every_bilabial_slightly_early_and_rests_in_pauses():
    cues = visemes.track(HELLO)
    assert cues[0] == Cue(0.0, REST) and cues[-1] == Cue(1.565, REST)  # the closing pause rests
    closures = [cue.start for cue in cues if cue.viseme == "A"]
    onsets = [e["start"] for e in HELLO["phonemes"] if e["phoneme"] in ("m", "b")]
    assert len(closures) == len(onsets)  # none merged away, however short
    for closure, onset in zip(closures, onsets, strict=True):
        assert onset - visemes.BILABIAL_LEAD - 1e-9 <= closure <= onset
    # The 0.175 s pause after "Hello" is long enough to relax the mouth.
    assert Cue(0.464, REST) in cues
    for first, second in pairwise(cues):
        assert first.viseme != second.viseme and first.start < second.start
        if first.viseme not in ("A", REST):
            assert second.start - first.start >= visemes.MIN_HOLD - 1e-9


def test_words_without_phonemes_still_move_the_mouth():
    cues = visemes.track({"duration": 1.0, "words": [{"text": "Mama", "start": 0.1, "end": 0.5}]})
    assert [c.viseme for c in cues][:3] == [REST, "A", "D"]


def test_empty_timings_are_refused():
    with pytest.raises(VisemeError, match="No mouth shapes"):
        visemes.track({"duration": 1.0, "words": [], "phonemes": [{"phoneme": "_", "start": 0}]})
    with pytest.raises(VisemeError, match="no length"):
        visemes.track({"duration": 0, "words": []})


def test_preston_blair_names_are_aliases():
    assert (
        visemes.normalise("MBP") == "A" and visemes.normalise("rest") == "X" and visemes.normalise("d") == "D"
    )
    with pytest.raises(VisemeError, match="not a mouth shape"):
        visemes.normalise("Q")


@pytest.mark.parametrize("suffix", [".tsv", ".xml", ".json"])
def test_rhubarb_cue_files_read_to_the_same_cues(tmp_path, suffix):
    cues = [(0.0, 0.2, "X"), (0.2, 0.35, "B"), (0.35, 0.6, "D"), (0.6, 0.8, "A")]
    path = tmp_path / f"line{suffix}"
    if suffix == ".tsv":
        path.write_text("".join(f"{s:.2f}\t{v}\n" for s, _, v in cues) + "0.80\tX\n")
    elif suffix == ".xml":
        body = "".join(f'<mouthCue start="{s:.2f}" end="{e:.2f}">{v}</mouthCue>' for s, e, v in cues)
        path.write_text(f"<rhubarbResult><mouthCues>{body}</mouthCues></rhubarbResult>")
    else:
        items = [{"start": s, "end": e, "value": v} for s, e, v in cues]
        path.write_text(json.dumps({"metadata": {}, "mouthCues": items}))
    read = rhubarb.read_cues(path, duration=1.0)
    assert [(c.start, c.viseme) for c in read] == [
        (0.0, "X"),
        (0.2, "B"),
        (0.35, "D"),
        (0.6, "A"),
        (0.8, "X"),
    ]


def test_rhubarb_bad_files_say_what_is_wrong(tmp_path):
    other = tmp_path / "line.srt"
    other.write_text("1\n00:00:00,000 --> 00:00:01,000\nHi\n")
    with pytest.raises(VisemeError, match="not a Rhubarb cue file"):
        rhubarb.read_cues(other)
    late = tmp_path / "late.tsv"
    late.write_text("0.00\tX\n3.50\tA\n")
    with pytest.raises(VisemeError, match="past the end of the 2.00 s clip"):
        rhubarb.read_cues(late, duration=2.0)
    broken = tmp_path / "broken.json"
    broken.write_text("{}")
    with pytest.raises(VisemeError, match="mouthCues"):
        rhubarb.read_cues(broken)


@pytest.mark.parametrize(
    ("names", "preset", "closed"),
    [
        (["Basis", "A", "B", "C", "D", "E", "F", "G", "H", "X"], "rhubarb", "A"),
        ([f"mouth_{n}" for n in ("MBP", "etc", "E", "AI", "O", "U", "FV")], "preston-blair", "mouth_MBP"),
        (["Basis", "jawOpen", "mouthClose", "mouthFunnel", "eyeBlinkLeft"], "arkit", "mouthClose"),
        (["Basis", "Fcl_MTH_A", "Fcl_MTH_I", "Fcl_MTH_U", "Fcl_MTH_E", "Fcl_MTH_O"], "vrm", None),
    ],
)  # fmt: skip
def test_presets_are_detected_from_the_rigs_own_names(names, preset, closed):
    found, mapping = lipsync.detect(names)
    assert found == preset
    targets = {target for shapes in mapping.values() for target in shapes}
    assert targets <= set(names)
    assert (closed in mapping.get("A", {})) if closed else "A" not in mapping


def test_a_rig_without_mouth_keys_lists_what_was_looked_for():
    with pytest.raises(VisemeError, match=r"looked for rhubarb: A, B, C.*arkit: jawOpen, mouthClose"):
        lipsync.detect(["Basis", "Smile", "Blink"])


def test_a_mapping_naming_a_missing_key_is_refused():
    with pytest.raises(VisemeError, match="'Oh', which this rig does not have"):
        lipsync.resolve({"E": {"Oh": 1.0}}, ["Basis", "A"])


def test_channel_keys_reach_each_shape_on_its_frame_and_hold_it():
    mapping = {"A": {"closed": 1.0}, "D": {"open": 1.0}}
    keys = lipsync.channel_keys([(0, REST), (5, "A"), (8, "D"), (20, REST)], mapping)
    assert keys["closed"] == [(0, 0.0), (4, 0.0), (5, 1.0), (7, 1.0), (8, 0.0), (19, 0.0), (20, 0.0)]
    assert keys["open"][4:6] == [(8, 1.0), (19, 1.0)]


def test_fast_speech_still_moves_the_mouth():
    # "hello world" at 50 ms a phoneme: every shape is shorter than the minimum hold.
    phonemes = [
        {"phoneme": p, "start": 0.05 * i} for i, p in enumerate(["h", "@", "l", "oU", "w", "3:", "l", "d"])
    ]
    cues = visemes.track({"duration": 0.45, "phonemes": phonemes})
    shapes = [cue.viseme for cue in cues if cue.viseme != REST]
    assert shapes, cues
    assert all(b.start - a.start >= visemes.MIN_HOLD - 1e-9 for a, b in pairwise(cues[:-1]))


@pytest.mark.parametrize(
    ("language", "phonemes"),
    [  # espeak-ng's events for "Bonjour le monde mama" in each voice (the mnemonics differ)
        ("fr", "b O~ Z 'u r l @- m 'O~ d m a m 'a _: _".split()),
        ("de", "b 'O n j u: r l 'e: m 'o: n t @ m 'A m A: _: _".split()),
        ("ar", "(en) b O: n Z 'U@ l @ _| m '0 n d m 'a m a# (ar) _: _".split()),
    ],
)  # fmt: skip
def test_any_language_espeak_speaks_closes_on_m_and_b_and_opens_on_a(language, phonemes):
    events = [{"phoneme": p, "start": 0.08 * i} for i, p in enumerate(phonemes)]
    shapes = [cue.viseme for cue in visemes.track({"duration": 0.08 * len(phonemes), "phonemes": events})]
    assert shapes.count("A") >= 3 and "D" in shapes and shapes[-1] == REST, (language, shapes)
