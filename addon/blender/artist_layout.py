"""The artist's own layout: camera markers (or cameras named for shots) in the film's scene.

When the scene already has cameras bound to timeline markers, those are the film's shots: a
shot runs from its marker to the next (the last to the scene's end), the plan's lines are
handed out in order, and the artist's own set and characters are what is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import bpy

from ..core.sync import ShotTiming
from .stand_ins import OWNER

LEAD_IN = 0.3  # seconds of picture before a shot's first line
FIRST_FRAME = 1
BEFORE_MARKERS = "storyloom_plan_before_markers"  # the plan as it was before the markers' shots


@dataclass
class ArtistLayout:
    cameras: list[bpy.types.Object]
    frames: list[int]  # each shot's first frame (the markers')
    end: int  # the frame after the last shot
    by_marker: bool = True  # False: cameras named for the plan's shots, timed by the speech
    warnings: list[str] = field(default_factory=list)


def find(scene: bpy.types.Scene, plan: dict) -> ArtistLayout | None:
    """The scene's own layout, if it has one; None leaves the film to the staging."""
    markers = sorted(scene.timeline_markers, key=lambda marker: marker.frame)
    warnings: list[str] = []
    unbound = [m.name for m in markers if m.camera is None]
    others = [m for m in markers if m.camera is not None and m.camera.type != "CAMERA"]
    if others:  # Ctrl+B binds any object; only a camera can film a shot
        warnings.append(
            f"Markers {', '.join(m.name for m in others[:6])} are bound to objects that are not "
            "cameras: they are not cuts."
        )
    bound = [
        m for m in markers if m.camera is not None and m.camera.type == "CAMERA" and not m.camera.get(OWNER)
    ]
    if bound and unbound:
        warnings.append(
            f"Markers {', '.join(unbound[:6])} have no camera bound: they are not cuts "
            "(bind a camera with Ctrl+B in the timeline to make one)."
        )
    if bound:
        frames, cameras = [], []
        for marker in bound:
            if frames and marker.frame == frames[-1]:
                warnings.append(f"Markers at frame {marker.frame} share a frame: the first one is the cut.")
                continue
            frames.append(marker.frame)
            cameras.append(marker.camera)
        end = max(scene.frame_end + 1, frames[-1] + 1)
        if len(frames) != len(plan["shots"]):
            warnings.append(
                f"The scene's {len(frames)} camera markers are the film's shots (the plan had "
                f"{len(plan['shots'])}); the plan as it was is kept in the scene's '{BEFORE_MARKERS}'."
            )
        return ArtistLayout(cameras, frames, end, True, warnings)
    named = [scene.objects.get(shot["id"]) for shot in plan["shots"]]
    if named and all(obj is not None and obj.type == "CAMERA" for obj in named):
        return ArtistLayout(named, [], 0, False, warnings)
    return None


def unbound_warning(scene: bpy.types.Scene) -> str:
    names = [m.name for m in scene.timeline_markers if m.camera is None]
    if not names:
        return ""
    return (
        f"The scene's markers ({', '.join(names[:6])}) have no cameras bound, so they are not used as "
        "cuts: the film is staged from the plan instead."
    )


def fit_plan(plan: dict, layout: ArtistLayout) -> None:
    """Make the plan's shots the layout's: one per marker, the lines handed out in order.

    Shots keep the plan's prompts and editing where the plan has as many; extra markers copy
    the last shot's. Lines are shared out in order, as evenly as the count allows.
    """
    if not layout.by_marker:
        return
    shots, count = plan["shots"], len(layout.frames)
    lines = [line for shot in shots for line in shot["lines"]]
    fitted = []
    for index in range(count):
        base = dict(shots[min(index, len(shots) - 1)])
        base["id"] = f"sh{(index + 1) * 10:03d}"
        base["camera"] = "static"  # the artist's camera moves by itself
        start = FIRST_FRAME if index == 0 else layout.frames[index]
        base["duration_hint"] = max(0.5, (_end(layout, index) - start) / plan["film"]["fps"])
        base["lines"] = []
        base.pop("j_cut", None), base.pop("l_cut", None)
        if index:
            base["transition"] = "cut"
        fitted.append(base)
    per_shot = -(-len(lines) // count) if lines else 0  # ceil: every line has a shot
    for number, line in enumerate(lines):
        fitted[min(number // max(per_shot, 1), count - 1)]["lines"].append(line)
    plan["shots"] = fitted


def _end(layout: ArtistLayout, index: int) -> int:
    return layout.frames[index + 1] if index + 1 < len(layout.frames) else layout.end


def timings(layout: ArtistLayout, fps: int, speech: list[float]) -> tuple[list[ShotTiming], list[int]]:
    """Shot timings on the markers: the film's frames are the scene's (a cut on a marker's frame;
    the first shot starts with the film); shots whose lines run past their cut are returned as
    overruns (the line is kept; the next cut stays)."""
    result, overruns = [], []
    for index, length in enumerate(speech):
        start = 0 if index == 0 else layout.frames[index] - FIRST_FRAME
        end = _end(layout, index) - FIRST_FRAME
        voice_start = start / fps + (LEAD_IN if length else 0.0)
        if voice_start + length > end / fps:
            overruns.append(index)
        result.append(ShotTiming(start, end, voice_start, voice_start + length))
    return result, overruns
