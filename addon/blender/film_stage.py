"""The film's 3D previz: stage the plan (or take the artist's layout) and render what changed.

Each shot's still (and, with ``every_frame``, its frames; with a depth ControlNet, its depth
map) is named by the staged content its camera sees, so a rebuild renders only the shots whose
camera or visible objects moved. Renders run one per step, so the UI stays live and Esc stops
the build between two.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import bpy

from ..core.models import ModelSpec
from ..core.post import numbered_frames
from ..core.staging import ENGINES, shot_lighting, world_colour
from ..core.sync import ShotTiming
from ..core.validation import BadInput
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
    lighting: str  # the film's, or the shot's own ("darker, low-key lighting")
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
    size: tuple[int, int]  # the film's frame: renders are made at it, whatever the scene says
    palette: list[str] = field(default_factory=list)  # the style bible's: the stage's world hue
    stage: stage_build.StageResult | None = None
    layout: artist_layout.ArtistLayout | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def fixed_cuts(self) -> bool:
        return self.layout is not None and self.layout.by_marker

    def frame_changes(self, lighting: str, lips: bool = False) -> list:
        """What every render and key borrows: the film's frame; marker bindings lifted (a
        marker would switch the camera on frame change); a stage's world lit for the shot; the
        stand-ins' mouths at rest unless ``lips`` (a still stands for the whole shot)."""
        changes = [(marker, "camera", None) for marker in self.scene.timeline_markers if marker.camera]
        if self.stage is not None and not lips:
            changes += [(animation, "use_nla", False) for animation in _mouth_animations(self.scene)]
        changes += [
            (self.scene.render, "resolution_x", self.size[0]),
            (self.scene.render, "resolution_y", self.size[1]),
        ]
        world = self.scene.world
        if self.stage is not None and world is not None and world.get(stage_build.OWNER):
            changes.append((world, "color", world_colour(self.palette, lighting)))
        return changes

    def changes(self, shot: ShotStage, samples: str = "8", lips: bool = False) -> list:
        """What a render of ``shot`` borrows: its camera and lighting, the engine's look."""
        look = stage_render.render_changes(self.scene, shot.camera, self.engine, shot.lighting, samples)
        if self.engine == "workbench":
            look.append((self.scene.display.shading, "color_type", self.colours))
        return [*self.frame_changes(shot.lighting, lips), *look]

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


def _mouth_animations(stage: bpy.types.Scene) -> list:
    """The lip-sync animation of the stand-ins' mouths on a stage."""
    mouths = (obj for obj in stage.objects if obj.get("storyloom_character") and obj.get(stage_build.OWNER))
    keys = (obj.data.shape_keys for obj in mouths if obj.data.shape_keys is not None)
    return [key.animation_data for key in keys if key.animation_data is not None]


def prepare(scene: bpy.types.Scene, plan: dict, folder: Path, engine: str) -> FilmStage:
    """Stage ``plan`` (or fit it to the scene's own camera markers) and key every shot's still.

    With the artist's layout the plan's shots become the marker ranges (``plan`` is changed).
    """
    if engine not in ENGINES:
        raise BadInput(f"Unknown render engine {engine!r}; known: {', '.join(ENGINES)}.")
    lighting = plan["style"].get("lighting") or "three-point"
    size = (plan["film"]["width"], plan["film"]["height"])
    palette = plan["style"].get("palette", [])
    layout = artist_layout.find(scene, plan)
    if layout is not None:
        if layout.by_marker:  # the markers' shots replace the plan's: keep the plan as it was
            scene[artist_layout.BEFORE_MARKERS] = json.dumps(plan, ensure_ascii=False)
        artist_layout.fit_plan(plan, layout)
        frames = layout.frames or [scene.frame_current] * len(plan["shots"])
        staged = FilmStage(
            scene, [], engine, lighting, "MATERIAL", size, palette, layout=layout, warnings=layout.warnings
        )
        cameras = layout.cameras
    else:
        result = stage_build.build(scene, plan)
        lighting = result.staging.lighting
        staged = FilmStage(
            result.scene,
            [],
            engine,
            lighting,
            "OBJECT",
            size,
            palette,
            stage=result,
            warnings=result.warnings,
        )
        if warning := artist_layout.unbound_warning(scene):
            staged.warnings.append(warning)
        cameras = [result.cameras[shot["id"]] for shot in plan["shots"]]
        frames = [FIRST_FRAME] * len(cameras)
    render_scene, current = staged.scene, staged.scene.frame_current
    for shot, camera, frame in zip(plan["shots"], cameras, frames, strict=True):
        shot_light = shot_lighting(shot, lighting)
        with borrowed(staged.frame_changes(shot_light)):
            key = stage_render.still_key(render_scene, camera, engine, shot_light, frame)
        still = folder / "stage" / f"{shot['id']}-{key}.png"
        staged.shots.append(ShotStage(shot["id"], camera, frame, shot_light, key, still))
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
            shot.depth = shot.still.with_name(f"{shot.still.stem}-depth-{size[0]}x{size[1]}.png")
            sizes[shot.shot] = size
    inputs = [Staged(shot.still, shot.depth, controlnet if shot.depth else None) for shot in staged.shots]
    return inputs, sizes


def render_steps(staged: FilmStage, size_for_depth: dict[str, tuple[int, int]]) -> Iterator[str]:
    """Render each missing still and depth map, one per step (yields the shot's id)."""
    scene = staged.scene
    for shot in staged.shots:
        if not shot.still.exists():
            stage_render.render_still(scene, shot.frame, shot.still, staged.changes(shot))
            shot.rendered.append("still")
            yield shot.shot
        if shot.depth is not None and not shot.depth.exists():
            with borrowed([*staged.frame_changes(shot.lighting), (scene, "camera", shot.camera)]):
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
    for shot, span in zip(staged.shots, spans, strict=True):
        first, last = FIRST_FRAME + span.start, FIRST_FRAME + span.start + span.frames - 1
        with borrowed(staged.frame_changes(shot.lighting, lips=True)):
            key = stage_render.frames_key(scene, shot.camera, staged.engine, shot.lighting, first, last)
        target = folder / "stage" / f"{shot.shot}-{key}"
        if not target.is_dir():
            changes = staged.changes(shot, samples="FXAA", lips=True)  # every frame: the mouths move
            for _ in stage_render.render_frames(scene, first, last, target, changes):
                yield shot.shot
            shot.rendered.append("frames")
        shot.frames = numbered_frames(target)
