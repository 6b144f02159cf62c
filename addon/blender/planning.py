"""Which director plans a film: the rules, a local LLM in the worker, or an LLM server.

Every path ends in a plan that passed the schema. When an LLM cannot deliver (no weights, a
server that is down or answers garbage, a model that never closes its JSON), the rule-based
director plans instead and the reason becomes a warning: a film is never blocked by a planner.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import bpy

from ..core.director import make_plan
from ..core.draft import draft_schema, messages, parse_draft, plan_from_draft
from ..core.models import (
    TASK_PLANNER,
    TASK_TEXT_TO_IMAGE,
    TASK_TEXT_TO_VIDEO,
    ModelError,
    check_safe_weights,
    get_spec,
    load_registry,
    weights_present,
)
from ..core.plan import PlanError
from ..core.revise import revise
from ..core.revise_llm import revise_from_answer, revision_messages, shot_schema, target_shot
from ..core.validation import BadInput
from ..runtime.tracker import JobTracker

PLANNERS = ("rules", "local", "server")
PLANNER_ITEMS = (
    ("rules", "Rules", "The rule-based director (instant, no model)"),
    ("local", "Local LLM", "A chat model in the worker, held to the plan schema"),
    ("server", "LLM Server", "An OpenAI-compatible server (Ollama, llama.cpp, vLLM...)"),
)
MAX_NEW_TOKENS = 3000
TIME_LIMIT_S = 120.0


@dataclass(frozen=True)
class PlannerChoice:
    kind: str = "rules"  # rules | local | server
    model: str = ""  # a planner model id (local) or the server's model name
    url: str = ""  # the server's base URL (server)


def _loadable(spec) -> bool:
    """A local folder must pass the safetensors check, or a planned shot would fail to load."""
    if not spec.is_local:
        return True
    try:
        check_safe_weights(Path(spec.source))
    except ModelError:
        return False
    return True


def available_paths(models_folder: Path) -> dict[str, list[str]]:
    """Generation paths this machine can take, with the models whose weights are here."""
    registry = load_registry(models_folder)
    present = [spec for spec in registry.values() if weights_present(spec, models_folder) and _loadable(spec)]
    return {
        "video": [spec.id for spec in present if spec.task == TASK_TEXT_TO_VIDEO],
        # Only text-to-image models paint a shot from its prompt (an inpainting model needs a
        # source and a mask the film does not have).
        "image": [spec.id for spec in present if spec.task == TASK_TEXT_TO_IMAGE],
    }


def plan_steps(
    choice: PlannerChoice,
    brief: str,
    preset: str | None,
    models_folder: Path,
    client_factory,
    job_options: dict,
    warnings: list[str],
) -> Iterator[dict | None]:
    """Yield None while a local LLM works (so a modal operator stays live), then the plan."""
    rules = make_plan(brief, preset=preset)  # also checks the brief before any model is asked
    if choice.kind == "rules":
        yield rules
        return
    available = available_paths(models_folder)
    chat = messages(brief, available, style_hint=rules["style"]["prompt_suffix"])
    schema = draft_schema(max_shots=max(1, min(12, len(rules["shots"]) + 2)))
    try:
        if choice.kind == "server":
            from concurrent.futures import ThreadPoolExecutor

            from ..core.llm_server import check_endpoint, draft_from_server

            online = bool(bpy.app.online_access)
            check_endpoint(choice.url, online)  # refused here, on the main thread, before any socket
            # The HTTP call runs on a thread (stdlib only, no bpy) so Blender stays responsive.
            with ThreadPoolExecutor(max_workers=1) as pool:
                future = pool.submit(draft_from_server, choice.url, choice.model, chat, schema, online)
                while not future.done():
                    yield None
                draft = future.result()
        else:
            spec = get_spec(load_registry(models_folder), choice.model)
            if spec.task != TASK_PLANNER:
                raise ModelError(
                    f"Model '{spec.id}' is not a planner LLM (task: {spec.task}).", kind="bad_input"
                )
            client = client_factory()
            job = {"task": "constrained-json", "spec": spec.to_dict(), "messages": chat, "schema": schema}
            job |= {"max_new_tokens": MAX_NEW_TOKENS, "time_limit_s": TIME_LIMIT_S, **job_options}
            tracker = JobTracker(client, client.submit(job))
            try:
                while not tracker.tick().finished:
                    yield None
            finally:  # closed early (Esc, the operator torn down): the worker stops the job
                if not tracker.state.finished:
                    tracker.cancel()
            if tracker.state.status != "done":
                raise PlanError(tracker.state.message or f"the planner job {tracker.state.status}")
            draft = parse_draft(tracker.state.result["text"])
        yield plan_from_draft(brief, draft, available, preset=preset)
    except (PlanError, ModelError, OSError, BadInput) as error:
        who = choice.url if choice.kind == "server" else choice.model
        warnings.append(
            f"The {choice.kind} planner ({who}) could not plan: {error} "
            "The rule-based director planned instead."
        )
        yield rules


def revise_steps(
    choice: PlannerChoice, plan: dict, note: str, client_factory, job_options: dict
) -> Iterator[tuple | None]:
    """Yield None while a local LLM revises the shot a note names, then (plan, changes, warnings).

    Rules (or a note that names no shot) revise at once; a model that is missing or fails leaves
    the revision to the rules, with a warning that says why.
    """
    index = target_shot(plan, note)
    if choice.kind != "local" or index is None:
        if choice.kind != "local":
            new, changes = revise(plan, note)
            yield new, changes, []
        else:
            yield revise_from_answer(plan, note, None, None)
        return
    try:
        spec = get_spec(load_registry(Path(job_options["models_folder"])), choice.model)
        if spec.task != TASK_PLANNER:
            raise ModelError(f"Model '{spec.id}' is not a planner LLM (task: {spec.task}).", kind="bad_input")
        client = client_factory()
        job = {
            "task": "constrained-json",
            "spec": spec.to_dict(),
            "messages": revision_messages(plan, index, note),
        }
        job |= {
            "schema": shot_schema(plan),
            "max_new_tokens": 800,
            "time_limit_s": TIME_LIMIT_S,
            **job_options,
        }
        tracker = JobTracker(client, client.submit(job))
        try:
            while not tracker.tick().finished:
                yield None
        finally:
            if not tracker.state.finished:
                tracker.cancel()
        if tracker.state.status != "done":
            raise PlanError(tracker.state.message or f"the reviser job {tracker.state.status}")
        yield revise_from_answer(plan, note, index, tracker.state.result["text"])
    except (PlanError, ModelError, OSError, BadInput) as error:
        yield revise_from_answer(plan, note, None, None, why=str(error))


def plan_now(
    choice: PlannerChoice,
    brief: str,
    preset: str | None,
    models_folder: Path,
    client_factory,
    job_options: dict,
) -> tuple[dict, list[str]]:
    """Run :func:`plan_steps` to the end (headless, or inside a build that already waits)."""
    import time

    warnings: list[str] = []
    for plan in plan_steps(choice, brief, preset, models_folder, client_factory, job_options, warnings):
        if plan is not None:
            return plan, warnings
        time.sleep(0.01)
    raise AssertionError("the planner yielded no plan")
