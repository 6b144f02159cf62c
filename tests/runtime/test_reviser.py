"""The LLM reviser: a tiny random-weight chat model, held to the shot schema, revises one shot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from addon.core.director import make_plan
from addon.core.models import load_registry
from addon.core.revise import dirty_shots
from addon.core.revise_llm import revise_from_answer, revision_messages, shot_schema, target_shot
from addon.runtime.backends import JobContext
from addon.runtime.worker import Worker

REPO = Path(__file__).resolve().parents[2]
BRIEF = "Two characters, Mara and Theo, argue about a broken robot in a workshop. 20 seconds."


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("llm")
    subprocess.run(
        [sys.executable, str(REPO / "tests/tools/tiny_llm.py"), str(folder / "tiny-llm")], check=True
    )
    return folder


def test_the_model_revises_only_the_shot_the_note_names(models):
    plan = make_plan(BRIEF)
    note = "make shot 2 darker and have Theo sound angrier"
    index = target_shot(plan, note)
    assert index == 1
    worker = Worker(open("/dev/null", "w"), memory_budget_bytes=2**40)
    for seed in range(3):
        job = {
            "task": "constrained-json",
            "spec": load_registry(models)["tiny-llm"].to_dict(),
            "messages": revision_messages(plan, index, note),
            "schema": shot_schema(plan),
            "seed": seed,
            "max_new_tokens": 800,
            "time_limit_s": 60,
            "models_folder": str(models),
            "device": "cpu",
        }
        answer = worker.run_task(job, JobContext(job_id="r", emit=lambda *a, **k: None))["text"]
        new, changes, warnings = revise_from_answer(plan, note, index, answer)
        assert warnings == []  # the grammar holds a random model to the schema and the cast
        assert changes and all(change.startswith("sh020") for change in changes)
        assert dirty_shots(plan, new) == ["sh020"]
        assert [s for i, s in enumerate(new["shots"]) if i != 1] == [
            s for i, s in enumerate(plan["shots"]) if i != 1
        ]
        assert new["characters"] == plan["characters"]
