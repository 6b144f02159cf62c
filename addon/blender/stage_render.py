"""Render a staging: Workbench's clean clay look, one still per shot, or every frame of a shot.

Each render is named by what it shows (``still_key``): the camera's pose and lens, the world,
and every object in the camera's view with its transform, colour and geometry size. Moving
one camera or one stand-in changes the keys of exactly the shots that see it, and a rebuild
renders only those. What a render borrows from the scene (camera, engine, sequencer off) is
given back afterwards, so the artist's own scene can be rendered the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import bpy
from mathutils import Vector

from ..core.atomic import atomic_folder
from ..core.keys import artifact_key
from ..core.staging import lights
from .image_io import save_render_result
from .render_state import borrowed, own_render_slot, render

LOOK_VERSION = 2  # a new clay look renders every still again
# How dark the shadows fall, by the style bible's lighting.
SHADOW = {"low-key": 0.85, "night": 0.8, "high-key": 0.25, "golden-hour": 0.6, "three-point": 0.5}


def previz_look(
    scene: bpy.types.Scene, lighting: str, samples: str = "8"
) -> list[tuple[object, str, object]]:
    """Workbench settings for a clay render: studio light, object colours, shadows and cavity,
    the key light's direction for the shadows. ``samples``: anti-aliasing ("8" for stills;
    "FXAA", about 2.5x faster, for every-frame renders)."""
    shading, display = scene.display.shading, scene.display
    key = lights(lighting)[0].offset
    # The key's side, but steep: a shadow falls short, on the floor, never as a streak across
    # the back wall from a label above a head.
    direction = Vector((key[0], key[1], 2.5 * key[2])).normalized()
    return [
        (scene.render, "engine", "BLENDER_WORKBENCH"),
        (shading, "light", "STUDIO"),
        (shading, "color_type", "OBJECT"),
        (shading, "show_shadows", True),
        (shading, "show_cavity", True),
        (shading, "cavity_type", "SCREEN"),  # curvature only: the world (SSAO) kind speckles
        (shading, "shadow_intensity", SHADOW.get(lighting, 0.5)),
        (display, "light_direction", (direction.x, -direction.y, direction.z)),
        (scene.view_settings, "view_transform", "Standard"),
        (scene.view_settings, "look", "None"),
        (scene.render, "film_transparent", False),
        (display, "render_aa", samples),
    ]


def render_changes(
    scene, camera, engine: str, lighting: str, samples: str = "8"
) -> list[tuple[object, str, object]]:
    """What a staging render borrows: this camera, the 3D scene only, the look for ``engine``."""
    changes = [
        (scene, "camera", camera),
        (scene.render, "use_sequencer", False),
        (scene.render, "use_compositing", False),
        (scene.render, "resolution_percentage", 100),
    ]
    return changes + (previz_look(scene, lighting, samples) if engine == "workbench" else [])


def _numbers(values, places: int = 4) -> list[float]:
    return [round(float(value), places) for value in values]


def _matrix(obj) -> list[float]:
    return [value for row in obj.matrix_world for value in _numbers(row)]


def visible(scene: bpy.types.Scene, camera: bpy.types.Object) -> list[bpy.types.Object]:
    """Objects whose bounding box reaches into ``camera``'s view: all but those whose eight
    corners lie beyond one and the same side of the view (conservative, never misses one)."""
    frame = camera.data.view_frame(scene=scene)
    depth = -frame[0].z
    tan_x = max(abs(corner.x) for corner in frame) / depth
    tan_y = max(abs(corner.y) for corner in frame) / depth
    to_camera = camera.matrix_world.inverted()
    near, far = camera.data.clip_start, camera.data.clip_end
    sides = (
        lambda p: -p.z < near,
        lambda p: -p.z > far,
        lambda p: p.x > -p.z * tan_x,
        lambda p: p.x < p.z * tan_x,
        lambda p: p.y > -p.z * tan_y,
        lambda p: p.y < p.z * tan_y,
    )
    seen = []
    for obj in scene.objects:
        if obj.type not in {"MESH", "CURVE", "FONT", "SURFACE", "META", "VOLUME", "POINTCLOUD", "CURVES"}:
            continue
        if not obj.visible_get(view_layer=scene.view_layers[0]) or obj.hide_render:
            continue
        to_view = to_camera @ obj.matrix_world
        corners = [to_view @ Vector(corner) for corner in obj.bound_box]
        if not any(all(outside(corner) for corner in corners) for outside in sides):
            seen.append(obj)
    return seen


def _object_record(obj: bpy.types.Object) -> list:
    """What of an object shows in a clay or material render: where, what colour, what shape."""
    data = obj.data
    size = len(data.vertices) if isinstance(data, bpy.types.Mesh) else getattr(data, "body", "")
    materials = [_numbers(slot.material.diffuse_color, 3) for slot in obj.material_slots if slot.material]
    return [
        obj.name,
        obj.type,
        _matrix(obj),
        _numbers(obj.color, 3),
        data.name if data else "",
        size,
        _numbers(obj.dimensions, 3),  # the evaluated size: modifiers and edits show here
        materials,
    ]


def still_key(
    scene: bpy.types.Scene, camera: bpy.types.Object, engine: str, lighting: str, frame: int
) -> str:
    """The key of a still of ``camera`` at ``frame``: what the picture is made of."""
    scene.frame_set(frame)
    lens = camera.data
    objects = sorted(_object_record(obj) for obj in visible(scene, camera))
    world = _numbers(scene.world.color, 3) if scene.world else []
    parts = {
        "look": [engine, LOOK_VERSION, lighting if engine == "workbench" else scene.render.engine],
        "size": [scene.render.resolution_x, scene.render.resolution_y],
        "camera": [
            _matrix(camera),
            _numbers([lens.lens, lens.sensor_width, lens.shift_x, lens.shift_y]),
            lens.type,
        ],
        "world": world,
        "objects": objects,
    }
    if engine == "scene":  # the scene's own lights light it
        parts["lights"] = sorted(
            [obj.name, _matrix(obj), _numbers([obj.data.energy, *obj.data.color], 3)]
            for obj in scene.objects
            if obj.type == "LIGHT"
        )
    return artifact_key(parts)


def frames_key(
    scene: bpy.types.Scene, camera: bpy.types.Object, engine: str, lighting: str, first: int, last: int
) -> str:
    """A shot's frames: what its camera sees at the first and the last frame, and its length."""
    end = still_key(scene, camera, engine, lighting, last)
    start = still_key(scene, camera, engine, lighting, first)
    return artifact_key(start, end, first, last, scene.render.fps)


def render_still(scene: bpy.types.Scene, frame: int, path: Path, changes: list) -> Path:
    """Render ``scene`` at ``frame`` with ``changes`` borrowed; the PNG lands atomically."""
    with borrowed([*changes, (scene, "frame_current", frame)]), own_render_slot():
        scene.frame_set(frame)
        render(scene)
        return save_render_result(scene, path)


def render_frames(
    scene: bpy.types.Scene, first: int, last: int, folder: Path, changes: list
) -> Iterator[int]:
    """Every frame from ``first`` to ``last`` into ``folder`` (``frame_0001.png``...), one per step.

    The folder appears whole when the last frame is written; a stopped render leaves nothing.
    """
    with atomic_folder(folder) as temp:
        for number, frame in enumerate(range(first, last + 1), start=1):
            render_still(scene, frame, temp / f"frame_{number:04d}.png", changes)
            yield number
