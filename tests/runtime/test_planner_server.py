"""The server planner against a real `transformers serve` on 127.0.0.1, started and stopped here."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from addon.core.draft import draft_schema, messages, plan_from_draft
from addon.core.llm_server import PlannerUnavailable, draft_from_server

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests/tools"))

BRIEF = "A calm 10 second film about a harbour at dawn."
AVAILABLE = {"image": [], "video": []}
ANSWER = {
    "title": "Harbour Lights",
    "characters": [{"name": "Mara", "look": "red raincoat, silver hair"}],
    "shots": [
        {
            "prompt": "Mara walks the pier at dawn",
            "speaker": "Mara",
            "line": "I came back.",
            "camera": "push-in",
            "path": "image",
        },
        {
            "prompt": "gulls over the harbour",
            "speaker": "Mara",
            "line": "-",
            "camera": "pan-left",
            "path": "video",
        },
    ],
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A chat model that learned one valid draft for BRIEF, served on loopback; stopped afterwards."""
    from tiny_llm import save_memorising_llm

    folder = tmp_path_factory.mktemp("served") / "harbour-llm"
    chat = messages(BRIEF, AVAILABLE)
    save_memorising_llm(folder, json.dumps(ANSWER, separators=(",", ":")), [chat])
    port = free_port()
    command = [
        shutil.which("transformers", path=str(Path(sys.executable).parent)) or "transformers",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        str(folder),
    ]
    log = open(folder.parent / "serve.log", "w")
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, HF_HUB_OFFLINE="1")
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/health", timeout=1)
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(
                        f"transformers serve exited: {(folder.parent / 'serve.log').read_text()[-2000:]}"
                    )
                time.sleep(0.5)
        else:
            pytest.fail("transformers serve did not come up in 60 s")
        yield url, str(folder)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_the_server_planner_gets_a_valid_plan_through_a_real_server(server):
    url, model = server
    draft = draft_from_server(url, model, messages(BRIEF, AVAILABLE), draft_schema(), online_access=False)
    plan = plan_from_draft(BRIEF, draft, AVAILABLE)
    assert plan["film"]["title"] == "Harbour Lights"
    assert [shot["path"] for shot in plan["shots"]] == ["previz", "previz"]  # nothing installed here
    assert "Mara: red raincoat, silver hair" in plan["shots"][0]["prompt"]


def test_garbage_from_the_server_ends_in_a_clear_fallback_error(server):
    url, model = server
    other = messages("Something else entirely: a desert race at noon.", AVAILABLE)
    with pytest.raises(PlannerUnavailable, match="not a valid draft"):
        draft_from_server(url, model, other, draft_schema(), online_access=False, repairs=1)


def test_an_unreachable_server_is_reported(tmp_path):
    with pytest.raises(PlannerUnavailable, match="did not answer"):
        draft_from_server(
            f"http://127.0.0.1:{free_port()}",
            "m",
            messages(BRIEF, AVAILABLE),
            draft_schema(),
            online_access=False,
            timeout=5,
        )
