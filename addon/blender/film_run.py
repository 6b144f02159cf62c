"""Start a film build from Blender's settings (shared by the operator and the CLI)."""

from __future__ import annotations

from pathlib import Path

import bpy

from ..core import plan as plan_io
from ..core.llm_server import check_endpoint
from ..core.models import (
    TASK_AUDIO,
    TASK_TEXT_TO_IMAGE,
    TASK_TEXT_TO_VIDEO,
    ModelError,
    get_spec,
    load_registry,
)
from ..core.runtime_probe import PREVIZ_MODULES, check_runtime_modules, check_runtime_python, modules_for
from ..core.validation import BadInput
from ..prefs import get_preferences
from . import film, project, worker_session
from .planning import PLANNERS, PlannerChoice
from .stage_build import STAGE_KEY


def start_build(
    scene: bpy.types.Scene,
    request: film.FilmRequest,
    image_model: str = "",
    video_model: str = "",
    planner: PlannerChoice | None = None,
    sfx_model: str = "",
) -> film.FilmBuild:
    """Everything that can be refused early is refused here, before any work starts.

    ``image_model``: a model id from the registry to paint the shots with instead of
    storyboard cards (its weights must be present, or online access on).
    ``video_model``: a text-to-video model id for moving shots; used when its weights are on
    this machine, otherwise the build falls back to previz and says so in the report.
    ``sfx_model``: a text-to-audio model id (Stable Audio) for the sound cues, used when its
    weights are here; otherwise the procedural library makes them.
    """
    stage_of = next((s for s in bpy.data.scenes if s.get(STAGE_KEY) == scene), None)
    if stage_of is not None:
        raise BadInput(
            f"'{scene.name}' is the stage of '{stage_of.name}': build the film from '{stage_of.name}' "
            "(its staging is refreshed from there)."
        )
    check_runtime(scene, request, image_model, video_model, planner)
    if planner is not None:
        if planner.kind not in PLANNERS:
            raise BadInput(f"Unknown planner {planner.kind!r}; known: {', '.join(PLANNERS)}.")
        if planner.kind == "server":
            check_endpoint(planner.url, bool(bpy.app.online_access))  # refuse before any work
        request.planner = planner
    # Always: a scene plan names its shots' models, and a voice may be a model too.
    prefs = get_preferences()
    request.models_folder = project.models_folder()
    registry = load_registry(request.models_folder)
    request.allow_online = bool(bpy.app.online_access)
    request.device, request.memory_mode = prefs.device, prefs.memory_mode
    request.voices = voice_table(scene)
    request.runtime_python = project.runtime_python()
    if image_model:
        request.image_model = get_spec(registry, image_model)
        if request.image_model.task != TASK_TEXT_TO_IMAGE:
            raise ModelError(f"Model '{image_model}' does not make images.", kind="bad_input")
    if sfx_model:
        request.sfx_model = get_spec(registry, sfx_model)
        if request.sfx_model.task != TASK_AUDIO:
            raise ModelError(f"Model '{sfx_model}' does not make sounds.", kind="bad_input")
    if video_model:
        request.video_model = get_spec(registry, video_model)
        if request.video_model.task != TASK_TEXT_TO_VIDEO:
            raise ModelError(
                f"Model '{video_model}' does not make video from text (task: {request.video_model.task}).",
                kind="bad_input",
            )
    media = project.media_folder(create=True)
    build = film.FilmBuild(scene, request, worker_session.get_client(), media.path)
    build.report.warnings.extend(media.warnings)
    return build


def check_runtime(
    scene: bpy.types.Scene,
    request: film.FilmRequest,
    image_model: str = "",
    video_model: str = "",
    planner: PlannerChoice | None = None,
) -> None:
    """Refuse a runtime Python that lacks what this build's backends import, before any work.

    Known up front: the zero-download backends, the chosen image/video/planner models, the
    voices of the scene's voice table and the models a scene plan names. (A plan an LLM writes
    during the build is checked again once it exists, before anything is written.)
    """
    python = project.runtime_python()
    check_runtime_python(python)
    registry = load_registry(project.models_folder())
    ids = [image_model, video_model, *(row["model"] for row in voice_table(scene).values())]
    if planner is not None and planner.kind == "local":
        ids.append(planner.model)
    if request.plan is not None:
        ids += [shot.get("model", "") for shot in request.plan["shots"] if shot.get("path") != "previz"]
    families = {registry[i].family for i in ids if i in registry}
    modules = [*PREVIZ_MODULES, *(m for family in families for m in modules_for(family))]
    check_runtime_modules(python, modules, "this film")


def voice_table(scene: bpy.types.Scene) -> dict[str, dict]:
    """The scene's voice table as plain rows by character name (reference clips made absolute)."""
    rows = {}
    for row in scene.storyloom_voices:
        rows[row.name] = {
            "model": row.model,
            "voice": row.voice,
            "language": row.language,
            "speed": row.speed,
            "style": row.style,
            "seed": row.seed,
            "reference": bpy.path.abspath(row.reference_clip) if row.reference_clip else "",
        }
    return rows


def save_plan_beside_blend(plan: dict) -> Path | None:
    if not bpy.data.filepath or not plan:
        return None
    blend = Path(bpy.data.filepath)
    return plan_io.save(plan, blend.with_name(f"{blend.stem}.storyloom-plan.json"))
