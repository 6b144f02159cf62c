"""Start a film build from Blender's settings (shared by the operator and the CLI)."""

from __future__ import annotations

from pathlib import Path

import bpy

from ..core import plan as plan_io
from ..core.runtime_probe import check_runtime_python
from . import film, project, worker_session


def start_build(scene: bpy.types.Scene, request: film.FilmRequest) -> film.FilmBuild:
    """Everything that can be refused early is refused here, before any work starts."""
    check_runtime_python(project.runtime_python())
    media = project.media_folder(create=True)
    build = film.FilmBuild(scene, request, worker_session.get_client(), media.path)
    build.report.warnings.extend(media.warnings)
    return build


def save_plan_beside_blend(plan: dict) -> Path | None:
    if not bpy.data.filepath or not plan:
        return None
    blend = Path(bpy.data.filepath)
    return plan_io.save(plan, blend.with_name(f"{blend.stem}.storyloom-plan.json"))
