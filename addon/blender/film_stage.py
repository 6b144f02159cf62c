"""The film's 3D previz: stage the plan (or take the artist's layout) and render what changed.

Each shot's still (and, with ``every_frame``, its frames; with a depth ControlNet, its depth
map) is named by the staged content its camera sees, so a rebuild renders only the shots whose
camera or visible objects moved. Renders run one per step, so the UI stays live and Esc stops
the build between two.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import bpy

from ..core.models import ModelSpec
from ..core.staging import ENGINES
from ..core.sync import ShotTiming
from . import artist_layout, stage_build, stage_render
from .depth import render_depth
from .film_jobs import Staged, depth_controlnet, picture_size
from .render_state import borrowed

FIRST_FRAME = 1
PREVIZ_ITEMS = (
    ("stage", "3D Staging", "Block the plan in 3D (or use the scene's camera markers) and render it"),
    ("cards", "Storyboard Cards", "Flat storyboard cards with the shot's description"),
)
ENGINE_ITEMS = (
    ("workbench", "Workbench Clay", "Studio light, object colours, shadows and cavity: fast and clean"),
    ("scene", "Scene's Engine", "The scene's own render engine, lights and materials"),
)


@dataclass
class ShotStage:
    shot: str
    camera: bpy.types.Object
    frame: int  # the frame its still is rendered at
    key: str
    still: Path
    depth: Path | None = None
    frames: list[Path] | None = None
    rendered: list[str] = field(default_factory=list)  # what this build rendered: still, depth, frames


@dataclass
class FilmStage:
    scene: bpy.types.Scene  # the scene rendered: the stage, or the artist's own
    shots: list[ShotStage]
    engine: str
    lighting: str
    colours: str  # Workbench colours: OBJECT for stand-ins, MATERIAL for the artist's scene
    stage: stage_build.StageResult | None = None
    layout: artist_layout.ArtistLayout | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def fixed_cuts(self) -> bool:
        return self.layout is not None and self.layout.by_marker

    def changes(self, camera: bpy.types.Object, samples: str = "8") -> list:
        """What a render of ``camera`` borrows; marker bindings are lifted so it stays the camera."""
        unbind = [(marker, "camera", None) for marker in self.scene.timeline_markers if marker.camera]
        look = stage_render.render_changes(self.scene, camera, self.engine, self.lighting, samples)
        if self.engine == "workbench":
            look.append((self.scene.display.shading, "color_type", self.colours))
        return [*unbind, *look]

    def record(self) -> dict:
        """The report's staging block."""
        return {
            "scene": self.scene.name,
            "source": "artist layout" if self.layout else "staged from the plan",
            "engine": self.engine,
            "lighting": self.lighting,
            "cameras": {s.shot: s.camera.name for s in self.shots},
            "stand_ins": sorted(self.stage.stand_ins) if self.stage else [],
            "rendered": [s.shot for s in self.shots if s.rendered],
            "reused": [s.shot for s in self.shots if not s.rendered],
            "kept_as_moved": self.stage.kept if self.stage else [],
        }


def prepare(scene: bpy.types.Scene, plan: dict, folder: Path, engine: str) -> FilmStage:
    """Stage ``plan`` (or fit it to the scene's own camera markers) and key every shot's still.

    With the artist's layout the plan's shots become the marker ranges (``plan`` is changed).
    """
    if engine not in ENGINES:
        raise ValueError(f"Unknown render engine {engine!r}; known: {', '.join(ENGINES)}.")
    lighting = plan["style"].get("lighting") or "three-point"
    layout = artist_layout.find(scene, plan)
    if layout is not None:
        artist_layout.fit_plan(plan, layout)
        frames = layout.frames or [scene.frame_current] * len(plan["shots"])
        staged = FilmStage(
            scene, [], engine, lighting, "MATERIAL", layout=layout, warnings=list(layout.warnings)
        )
        cameras = layout.cameras
    else:
        result = stage_build.build(scene, plan)
        lighting = result.staging.lighting
        staged = FilmStage(
            result.scene, [], engine, lighting, "OBJECT", stage=result, warnings=result.warnings
        )
        if warning := artist_layout.unbound_warning(scene):
            staged.warnings.append(warning)
        cameras = [result.cameras[shot["id"]] for shot in plan["shots"]]
        frames = [FIRST_FRAME] * len(cameras)
    render_scene, current = staged.scene, staged.scene.frame_current
    for shot, camera, frame in zip(plan["shots"], cameras, frames, strict=True):
        with borrowed([(m, "camera", None) for m in render_scene.timeline_markers if m.camera]):
            key = stage_render.still_key(render_scene, camera, engine, lighting, frame)
        still = folder / "stage" / f"{shot['id']}-{key}.png"
        staged.shots.append(ShotStage(shot["id"], camera, frame, key, still))
    render_scene.frame_set(current)
    return staged


def staged_inputs(
    staged: FilmStage | None, plan: dict, registry: dict, image: ModelSpec | None, models_folder: Path | None
) -> tuple[list[Staged] | None, dict[str, tuple[int, int]]]:
    """What each shot's AI picture starts from, and the depth maps' sizes: the depth of its staged
    camera when a depth ControlNet for the image model is here, else its staged still (img2img)."""
    if staged is None:
        return None, {}
    controlnet = depth_controlnet(registry, image, models_folder) if image is not None else None
    sizes = {}
    if controlnet is not None:
        size = picture_size(plan["film"], image)
        for shot in staged.shots:
            shot.depth = shot.still.with_name(f"{shot.still.stem}-depth.png")
            sizes[shot.shot] = size
    inputs = [Staged(shot.still, shot.depth, controlnet if shot.depth else None) for shot in staged.shots]
    return inputs, sizes


def render_steps(staged: FilmStage, size_for_depth: dict[str, tuple[int, int]]) -> Iterator[str]:
    """Render each missing still and depth map, one per step (yields the shot's id)."""
    scene = staged.scene
    for shot in staged.shots:
        if not shot.still.exists():
            stage_render.render_still(scene, shot.frame, shot.still, staged.changes(shot.camera))
            shot.rendered.append("still")
            yield shot.shot
        if shot.depth is not None and not shot.depth.exists():
            unbind = [(m, "camera", None) for m in scene.timeline_markers if m.camera]
            with borrowed([*unbind, (scene, "camera", shot.camera)]):
                scene.frame_set(shot.frame)
                render_depth(scene, shot.depth, size_for_depth[shot.shot])
            shot.rendered.append("depth")
            yield shot.shot


def bind(staged: FilmStage, plan: dict, timings: list[ShotTiming], moves: bool) -> list[int]:
    """The stage's markers and camera moves on the film's timing (the artist's layout has its own)."""
    if staged.stage is None:
        return [FIRST_FRAME + timing.start_frame for timing in timings]
    return stage_build.bind(staged.stage, plan, timings, moves)


def frame_steps(staged: FilmStage, spans: list, folder: Path) -> Iterator[str]:
    """Every frame of every shot's picture span (``--stage-frames``), one frame per step."""
    scene = staged.scene
    origin = staged.layout.frames[0] if staged.fixed_cuts else FIRST_FRAME
    for shot, span in zip(staged.shots, spans, strict=True):
        first, last = origin + span.start, origin + span.start + span.frames - 1
        with borrowed([(m, "camera", None) for m in scene.timeline_markers if m.camera]):
            key = stage_render.frames_key(shot.key, scene, shot.camera, first, last)
        target = folder / "stage" / f"{shot.shot}-{key}"
        if not target.is_dir():
            changes = staged.changes(shot.camera, samples="FXAA")
            for _ in stage_render.render_frames(scene, first, last, target, changes):
                yield shot.shot
            shot.rendered.append("frames")
        shot.frames = sorted(target.glob("frame_*.png"))
