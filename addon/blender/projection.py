"""Camera projection: an image painted from the camera, mapped back onto the meshes it shows.

The material computes, for every shaded point, where it falls in the camera's frame: its
position in a *projector* (an empty frozen at the camera's transform when projecting, so a
later camera move does not drag the paint along) divided by depth and scaled by the lens, as
Blender's camera does. Baking then writes what each object shows into a texture on its UVs, so
the paint stays put whatever the camera does next.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import bpy
from mathutils import Matrix

from ..core.validation import BadInput
from . import compat
from .render_state import borrowed, quick_cycles

PROJECTOR_PREFIX = "Storyloom Projector"
SHADINGS = ("LIT", "SHADELESS")


@dataclass(frozen=True)
class Frame:
    """u = 0.5 + scale_u * x / depth + offset_u (x / 1 for orthographic cameras), same for v."""

    scale_u: float
    scale_v: float
    offset_u: float
    offset_v: float
    perspective: bool


def camera_frame(scene: bpy.types.Scene, camera: bpy.types.Object) -> Frame:
    data = camera.data
    if data.type not in {"PERSP", "ORTHO"}:
        raise BadInput(
            f"Camera '{camera.name}' is panoramic: projection needs a perspective or orthographic one."
        )
    width = scene.render.resolution_x * scene.render.pixel_aspect_x
    height = scene.render.resolution_y * scene.render.pixel_aspect_y
    horizontal = data.sensor_fit == "HORIZONTAL" or (data.sensor_fit == "AUTO" and width >= height)
    if data.type == "PERSP":
        sensor = data.sensor_height if data.sensor_fit == "VERTICAL" else data.sensor_width
        fitted = data.lens / sensor
    else:
        fitted = 1.0 / data.ortho_scale
    scale_u, scale_v = (fitted, fitted * width / height) if horizontal else (fitted * height / width, fitted)
    # Shift is measured in units of the frame's larger side.
    larger = max(width, height)
    return Frame(
        scale_u=scale_u,
        scale_v=scale_v,
        offset_u=-data.shift_x * larger / width,
        offset_v=-data.shift_y * larger / height,
        perspective=data.type == "PERSP",
    )


def check_meshes(objects: list[bpy.types.Object], need_uvs: bool = False) -> list[bpy.types.Object]:
    meshes = [obj for obj in objects if obj.type == "MESH"]
    if not meshes:
        raise BadInput("Select the mesh objects to project onto (no mesh is selected).")
    if need_uvs:
        without = [obj.name for obj in meshes if not obj.data.uv_layers]
        if without:
            raise BadInput(
                f"Baking needs UVs, and {', '.join(without)} has none: unwrap it (U > Smart UV Project) "
                "or project without baking."
            )
    return meshes


def _math(tree, operation: str, *inputs, location=(0, 0)):
    node = tree.nodes.new("ShaderNodeMath")
    node.operation = operation
    node.location = location
    for index, value in enumerate(inputs):
        if isinstance(value, float | int):
            node.inputs[index].default_value = value
        else:
            tree.links.new(value, node.inputs[index])
    return node.outputs[0]


def _frame_coordinates(tree, projector: bpy.types.Object, frame: Frame):
    coordinates = tree.nodes.new("ShaderNodeTexCoord")
    coordinates.object = projector
    coordinates.location = (-1000, 0)
    split = tree.nodes.new("ShaderNodeSeparateXYZ")
    split.location = (-820, 0)
    tree.links.new(coordinates.outputs["Object"], split.inputs["Vector"])
    x, y = split.outputs["X"], split.outputs["Y"]
    if frame.perspective:
        depth = _math(tree, "MULTIPLY", split.outputs["Z"], -1.0, location=(-640, -160))
        x = _math(tree, "DIVIDE", x, depth, location=(-460, 80))
        y = _math(tree, "DIVIDE", y, depth, location=(-460, -80))
    u = _math(tree, "MULTIPLY_ADD", x, frame.scale_u, 0.5 + frame.offset_u, location=(-280, 80))
    v = _math(tree, "MULTIPLY_ADD", y, frame.scale_v, 0.5 + frame.offset_v, location=(-280, -80))
    join = tree.nodes.new("ShaderNodeCombineXYZ")
    join.location = (-100, 0)
    tree.links.new(u, join.inputs["X"])
    tree.links.new(v, join.inputs["Y"])
    return join.outputs["Vector"]


def _shader(tree, shading: str):
    """(colour input, shader output) of a Principled BSDF (LIT) or an Emission (SHADELESS)."""
    if shading == "SHADELESS":
        node = tree.nodes.new("ShaderNodeEmission")
        return node, node.inputs["Color"], node.outputs["Emission"]
    node = tree.nodes.new("ShaderNodeBsdfPrincipled")
    return node, node.inputs["Base Color"], node.outputs["BSDF"]


def projection_material(image: bpy.types.Image, projector: bpy.types.Object, frame: Frame, shading: str):
    material = bpy.data.materials.new(f"Storyloom Projection {image.name}")
    material["storyloom_shading"] = shading
    tree = compat.material_node_tree(material)
    tree.nodes.clear()
    texture = tree.nodes.new("ShaderNodeTexImage")
    texture.name = texture.label = "Storyloom Projection"
    texture.image = image
    texture.extension = "CLIP"  # outside the camera frame: no paint, not a smeared edge
    tree.links.new(_frame_coordinates(tree, projector, frame), texture.inputs["Vector"])
    shader, color, surface = _shader(tree, shading)
    shader.location = (500, 0)
    output = tree.nodes.new("ShaderNodeOutputMaterial")
    output.location = (800, 0)
    tree.links.new(texture.outputs["Color"], color)
    tree.links.new(surface, output.inputs["Surface"])
    return material


def make_projector(scene: bpy.types.Scene, camera: bpy.types.Object, name: str) -> bpy.types.Object:
    bpy.context.view_layer.update()  # the camera's matrix must reflect any move made from Python
    projector = bpy.data.objects.new(f"{PROJECTOR_PREFIX} {name}", None)
    location, rotation, _scale = camera.matrix_world.decompose()
    projector.matrix_world = Matrix.LocRotScale(location, rotation, None)
    projector.empty_display_type = "CONE"
    projector.empty_display_size = 0.5
    scene.collection.objects.link(projector)
    return projector


def assign(obj: bpy.types.Object, material: bpy.types.Material) -> None:
    """Put ``material`` in every slot of ``obj`` (one slot when it has none)."""
    if not obj.material_slots:
        obj.data.materials.append(material)
    for slot in obj.material_slots:
        slot.material = material


def project(
    scene: bpy.types.Scene,
    camera: bpy.types.Object,
    objects: list[bpy.types.Object],
    image: bpy.types.Image,
    shading: str = "LIT",
) -> bpy.types.Material:
    """Map ``image`` from the camera onto the meshes among ``objects``; returns the material."""
    meshes = check_meshes(objects)
    frame = camera_frame(scene, camera)
    projector = make_projector(scene, camera, image.name)
    material = projection_material(image, projector, frame, shading)
    for obj in meshes:
        assign(obj, material)
    return material


def bake(
    scene: bpy.types.Scene, objects: list[bpy.types.Object], size: int, folder: Path
) -> list[bpy.types.Image]:
    """Bake each projected mesh's look into a texture on its UVs and switch it to that texture."""
    meshes = check_meshes(objects, need_uvs=True)
    for obj in meshes:
        if obj.active_material is None or "storyloom_shading" not in obj.active_material:
            raise BadInput(f"'{obj.name}' has no Storyloom projection to bake: project an image first.")
    baked = []
    bake_targets = []
    for obj in meshes:
        # Each object needs its own material to hold its own bake target.
        material = obj.active_material.copy()
        assign(obj, material)
        image = bpy.data.images.new(f"{obj.name} Storyloom Bake", size, size, alpha=False)
        tree = material.node_tree
        target = tree.nodes.new("ShaderNodeTexImage")
        target.name = target.label = "Storyloom Bake"
        target.image = image
        target.location = (200, 300)
        tree.nodes.active = target
        bake_targets.append((obj, material, target))
        baked.append(image)
    shading = meshes[0].active_material["storyloom_shading"]
    bake_type, pass_filter = ("EMIT", set()) if shading == "SHADELESS" else ("DIFFUSE", {"COLOR"})
    _bake_selected(scene, meshes, bake_type, pass_filter)
    for obj, material, target in bake_targets:
        _save_baked(target.image, folder / f"{bpy.path.clean_name(obj.name)}-bake.png")
        _use_baked(material, target)
    return baked


def _bake_selected(scene, meshes, bake_type: str, pass_filter: set[str]) -> None:
    view_layer = bpy.context.view_layer
    selected = [obj for obj in view_layer.objects if obj.select_get()]
    active = view_layer.objects.active
    try:
        for obj in view_layer.objects:
            obj.select_set(obj in meshes)
        view_layer.objects.active = meshes[0]
        with borrowed(quick_cycles(scene, samples=4)):
            bpy.ops.object.bake(type=bake_type, pass_filter=pass_filter, margin=4, use_clear=True)
    finally:
        for obj in view_layer.objects:
            obj.select_set(obj in selected)
        view_layer.objects.active = active


def _save_baked(image: bpy.types.Image, path: Path) -> None:
    from ..core.atomic import atomic_path

    with atomic_path(path) as temp:
        image.filepath_raw = str(temp)
        image.file_format = "PNG"
        image.save()
    image.filepath_raw = str(path)
    if bpy.data.filepath:
        try:
            image.filepath = bpy.path.relpath(str(path))
        except ValueError:
            pass


def _use_baked(material: bpy.types.Material, target) -> None:
    """Feed the shader from the baked texture (mesh UVs) instead of the camera projection."""
    tree = material.node_tree
    projection = tree.nodes["Storyloom Projection"]
    for link in list(projection.outputs["Color"].links):
        tree.links.new(target.outputs["Color"], link.to_socket)
