"""The active camera's depth, rendered cheaply, as the picture a depth ControlNet is steered by.

Method: one Cycles sample (CPU) with a material override that emits the camera-space depth
mapped from [near, far] to [1, 0], a black world, and the Raw view transform, so the PNG holds
the mapped depth itself. Near is white, far is dark, empty background is black: the convention
of MiDaS-style depth maps that depth ControlNets were trained on. Near and far are the nearest
and farthest points of the visible meshes' bounding boxes in front of the camera, so the whole
value range describes the layout the artist built. Nothing of the scene is changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import bpy
from mathutils import Vector

from ..core.validation import BadInput
from . import compat
from .image_io import save_render_result
from .render_state import borrowed, own_render_slot, quick_cycles, render


@dataclass(frozen=True)
class DepthMap:
    path: Path
    near: float
    far: float


def active_camera(scene: bpy.types.Scene) -> bpy.types.Object:
    camera = scene.camera
    if camera is None or camera.type != "CAMERA":
        raise BadInput(
            f"Scene '{scene.name}' has no active camera: add a camera and make it active "
            "(Scene properties > Camera, or Ctrl+Numpad 0 on a camera)."
        )
    return camera


def depth_range(scene: bpy.types.Scene, camera: bpy.types.Object) -> tuple[float, float]:
    """Nearest and farthest bounding-box depth of the visible meshes in front of the camera."""
    _view_layer(scene).update()  # transforms set from Python since the last update count
    to_camera = camera.matrix_world.inverted()
    clip_start, clip_end = camera.data.clip_start, camera.data.clip_end
    depths = []
    for obj in scene.objects:
        if obj.type != "MESH" or not obj.visible_get(view_layer=_view_layer(scene)):
            continue
        for corner in obj.bound_box:
            depth = -(to_camera @ (obj.matrix_world @ Vector(corner))).z
            if depth > clip_start:
                depths.append(min(depth, clip_end))
    if not depths:
        raise BadInput(f"Nothing is in front of camera '{camera.name}' to take depth from.")
    near, far = min(depths), max(depths)
    return near, max(far, near + 1e-3)


def _view_layer(scene: bpy.types.Scene) -> bpy.types.ViewLayer:
    """The window's view layer for its own scene; another scene's (a stage) first one."""
    return bpy.context.view_layer if scene == bpy.context.scene else scene.view_layers[0]


def _depth_material(near: float, far: float) -> bpy.types.Material:
    material = bpy.data.materials.new("Storyloom depth")
    tree = compat.material_node_tree(material)
    tree.nodes.clear()
    camera_data = tree.nodes.new("ShaderNodeCameraData")
    to_unit = tree.nodes.new("ShaderNodeMapRange")
    to_unit.clamp = True
    for name, value in (("From Min", near), ("From Max", far), ("To Min", 1.0), ("To Max", 0.0)):
        to_unit.inputs[name].default_value = value
    emission = tree.nodes.new("ShaderNodeEmission")
    output = tree.nodes.new("ShaderNodeOutputMaterial")
    tree.links.new(camera_data.outputs["View Z Depth"], to_unit.inputs["Value"])
    tree.links.new(to_unit.outputs["Result"], emission.inputs["Color"])
    tree.links.new(emission.outputs["Emission"], output.inputs["Surface"])
    return material


def render_depth(scene: bpy.types.Scene, output: Path, size: tuple[int, int]) -> DepthMap:
    """Render the active camera's normalised depth at ``size`` into ``output`` (PNG)."""
    camera = active_camera(scene)
    near, far = depth_range(scene, camera)
    material = _depth_material(near, far)
    world = bpy.data.worlds.new("Storyloom depth")
    world.color = (0.0, 0.0, 0.0)
    view_layer = _view_layer(scene)
    changes = [
        *quick_cycles(scene),
        (scene.render, "resolution_x", size[0]),
        (scene.render, "resolution_y", size[1]),
        (scene.render, "resolution_percentage", 100),
        (scene.render, "film_transparent", False),
        (scene.render, "use_compositing", False),
        (scene.render, "use_sequencer", False),
        (scene.view_settings, "view_transform", "Raw"),
        (scene.view_settings, "look", "None"),
        (scene.view_settings, "exposure", 0.0),
        (scene.view_settings, "gamma", 1.0),
        (scene, "world", world),
        (view_layer, "material_override", material),
    ]
    try:
        # A render of our own, in a slot of its own: the artist's last render stays as it was.
        with borrowed(changes), own_render_slot():
            render(scene)
            save_render_result(scene, output)
    finally:
        bpy.data.materials.remove(material)
        bpy.data.worlds.remove(world)
    return DepthMap(path=Path(output), near=near, far=far)
