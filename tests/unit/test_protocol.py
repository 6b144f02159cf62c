"""The worker protocol: lines round-trip, and anything else is refused with a reason."""

from __future__ import annotations

import json

import pytest

from addon.core import protocol


def test_round_trip_keeps_kind_job_and_data():
    line = protocol.encode("progress", "job1", step=3, total=10, preview="/m/p.png")
    assert line.endswith("\n") and line.count("\n") == 1
    message = protocol.decode(line)
    assert (message.kind, message.job_id, message.data) == (
        "progress",
        "job1",
        {"step": 3, "total": 10, "preview": "/m/p.png"},
    )
    assert not message.is_terminal
    assert protocol.decode(protocol.encode("done", "job1")).is_terminal


def test_non_ascii_text_survives_as_one_line():
    message = protocol.decode(protocol.encode("submit", "j", prompt="لقطة 🎬\nzweite Zeile"))
    assert message.data["prompt"] == "لقطة 🎬\nzweite Zeile"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a message object"),
        (json.dumps({"v": 99, "kind": "done"}), "protocol version 99 received"),
        (json.dumps({"v": 1, "kind": "explode"}), "unknown message kind"),
        (json.dumps({"v": 1, "kind": "done", "data": [1]}), "data must be an object"),
    ],
)
def test_bad_lines_are_refused(line, reason):
    with pytest.raises(protocol.ProtocolError, match=reason):
        protocol.decode(line)


def test_unknown_kind_cannot_be_sent():
    with pytest.raises(protocol.ProtocolError):
        protocol.encode("explode")
