"""Start a film build from Blender's settings (shared by the operator and the CLI)."""

from __future__ import annotations

from pathlib import Path

import bpy

from ..core import plan as plan_io
from ..core.llm_server import check_endpoint
from ..core.models import TASK_TEXT_TO_IMAGE, TASK_TEXT_TO_VIDEO, ModelError, get_spec, load_registry
from ..core.runtime_probe import check_runtime_python
from ..core.validation import BadInput
from ..prefs import get_preferences
from . import film, project, worker_session
from .planning import PLANNERS, PlannerChoice


def start_build(
    scene: bpy.types.Scene,
    request: film.FilmRequest,
    image_model: str = "",
    video_model: str = "",
    planner: PlannerChoice | None = None,
) -> film.FilmBuild:
    """Everything that can be refused early is refused here, before any work starts.

    ``image_model``: a model id from the registry to paint the shots with instead of
    storyboard cards (its weights must be present, or online access on).
    ``video_model``: a text-to-video model id for moving shots; used when its weights are on
    this machine, otherwise the build falls back to previz and says so in the report.
    """
    check_runtime_python(project.runtime_python())
    if planner is not None:
        if planner.kind not in PLANNERS:
            raise BadInput(f"Unknown planner {planner.kind!r}; known: {', '.join(PLANNERS)}.")
        if planner.kind == "server":
            check_endpoint(planner.url, bool(bpy.app.online_access))  # refuse before any work
        request.planner = planner
    if image_model or video_model or request.planner.kind != "rules":
        prefs = get_preferences()
        request.models_folder = project.models_folder()
        registry = load_registry(request.models_folder)
        request.allow_online = bool(bpy.app.online_access)
        request.device, request.memory_mode = prefs.device, prefs.memory_mode
    if image_model:
        request.image_model = get_spec(registry, image_model)
        if request.image_model.task != TASK_TEXT_TO_IMAGE:
            raise ModelError(f"Model '{image_model}' does not make images.", kind="bad_input")
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


def save_plan_beside_blend(plan: dict) -> Path | None:
    if not bpy.data.filepath or not plan:
        return None
    blend = Path(bpy.data.filepath)
    return plan_io.save(plan, blend.with_name(f"{blend.stem}.storyloom-plan.json"))
