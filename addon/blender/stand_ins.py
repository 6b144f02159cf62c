"""Previz geometry built in code: mannequins with a lip-syncable mouth, prop blocks, a cyclorama
and name labels. A character on two sets is one mesh shared by both copies (``stage_build``),
so its mouth's shape keys move in both.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import bmesh
import bpy
from mathutils import Matrix, Vector

from ..core.captions import visual_order
from ..core.staging import Figure
from . import compat

# Rhubarb's mouth shapes as (width, opening) factors of the resting mouth: A closed lips (P, B,
# M), B teeth slightly apart, C open, D wide open, E rounded, F puckered, G F/V, H L.
MOUTH_SHAPES = {
    "A": (1.0, 0.25),
    "B": (1.05, 1.3),
    "C": (1.1, 2.0),
    "D": (1.25, 3.0),
    "E": (0.75, 2.0),
    "F": (0.5, 1.1),
    "G": (1.1, 0.6),
    "H": (1.0, 1.7),
}
MOUTH_COLOUR = (0.08, 0.03, 0.03, 1.0)
LABEL_COLOUR = (0.95, 0.95, 0.92, 1.0)
OWNER = "storyloom_stage"  # every staged object carries its role under this key


def _finish(bm: bmesh.types.BMesh, name: str, smooth: bool = True) -> bpy.types.Mesh:
    mesh = bpy.data.meshes.new(name)
    bm.to_mesh(mesh)
    bm.free()
    for polygon in mesh.polygons:
        polygon.use_smooth = smooth
    mesh[OWNER] = "mesh"
    return mesh


def _cylinder(bm, radius_low: float, radius_high: float, bottom: Vector, top: Vector) -> None:
    """A capped, tapered cylinder from ``bottom`` to ``top``."""
    axis = top - bottom
    turn = Vector((0, 0, 1)).rotation_difference(axis.normalized()).to_matrix().to_4x4()
    matrix = Matrix.Translation((bottom + top) / 2) @ turn
    bmesh.ops.create_cone(
        bm,
        cap_ends=True,
        segments=16,
        radius1=radius_low,
        radius2=radius_high,
        depth=axis.length,
        matrix=matrix,
    )


def _sphere(bm, radius: float, centre: Vector, scale: tuple = (1, 1, 1)) -> None:
    matrix = Matrix.Translation(centre) @ Matrix.Diagonal((*scale, 1.0))
    bmesh.ops.create_uvsphere(bm, u_segments=16, v_segments=10, radius=radius, matrix=matrix)


def body_mesh(name: str, height: float) -> bpy.types.Mesh:
    """A mannequin ``height`` tall, feet at the origin, facing -Y: legs, hips, torso, arms, head."""
    mesh_name = f"SL body {name}"
    s = height / 1.75  # proportions of a 1.75 m figure
    bm = bmesh.new()
    for side in (-1, 1):
        _cylinder(
            bm,
            0.075 * s,
            0.09 * s,
            Vector((0.1 * side * s, 0, 0.05 * s)),
            Vector((0.1 * side * s, 0, 0.92 * s)),
        )
        _sphere(bm, 0.07 * s, Vector((0.1 * side * s, -0.05 * s, 0.05 * s)), (1, 1.6, 0.6))  # a foot
        _cylinder(
            bm,
            0.045 * s,
            0.06 * s,
            Vector((0.27 * side * s, 0, 0.8 * s)),
            Vector((0.22 * side * s, 0, 1.42 * s)),
        )
        _sphere(bm, 0.055 * s, Vector((0.275 * side * s, 0, 0.78 * s)))  # a hand
    _cylinder(bm, 0.17 * s, 0.21 * s, Vector((0, 0, 0.88 * s)), Vector((0, 0, 1.45 * s)))  # torso
    _sphere(bm, 0.2 * s, Vector((0, 0, 1.44 * s)), (1.05, 0.6, 0.35))  # shoulders
    _cylinder(bm, 0.05 * s, 0.05 * s, Vector((0, 0, 1.45 * s)), Vector((0, 0, 1.55 * s)))  # neck
    _sphere(bm, 0.115 * s, Vector((0, 0, 1.63 * s)), (0.9, 1.0, 1.12))  # head
    return _finish(bm, mesh_name)


def mouth_mesh(name: str, height: float) -> bpy.types.Mesh:
    """A mouth on the front of the head with one shape key per Rhubarb mouth shape (A-H)."""
    mesh_name = f"SL mouth {name}"
    s = height / 1.75
    centre = Vector((0, -0.1 * s, 1.585 * s))
    bm = bmesh.new()
    _sphere(bm, 0.03 * s, centre, (1.0, 0.25, 0.3))
    mesh = _finish(bm, mesh_name)
    rest = [vertex.co.copy() for vertex in mesh.vertices]
    holder = bpy.data.objects.new("SL mouth keys", mesh)  # shape keys are added through an object
    holder.shape_key_add(name="Basis", from_mix=False)
    for shape, (width, opening) in MOUTH_SHAPES.items():
        block = holder.shape_key_add(name=shape, from_mix=False)
        block.value = 0.0  # a new key can start fully on: the mouth rests until lip sync keys it
        for point, co in zip(block.data, rest, strict=True):
            point.co = Vector(
                (centre.x + (co.x - centre.x) * width, co.y, centre.z + (co.z - centre.z) * opening)
            )
    bpy.data.objects.remove(holder)
    return mesh


def prop_mesh(name: str, size: float) -> bpy.types.Mesh:
    """A prop's block on a plinth, ``size`` wide, ``1.6 * size`` tall, its base at the origin."""
    mesh_name = f"SL prop {name}"
    bm = bmesh.new()
    _cylinder(bm, size * 0.45, size * 0.4, Vector((0, 0, 0)), Vector((0, 0, size * 0.6)))
    matrix = Matrix.Translation((0, 0, size * 1.1)) @ Matrix.Diagonal((size * 0.85, size * 0.85, size, 1))
    bmesh.ops.create_cube(bm, size=1.0, matrix=matrix)
    bmesh.ops.bevel(bm, geom=[e for e in bm.edges], offset=size * 0.06, segments=2, affect="EDGES")
    return _finish(bm, mesh_name)


def cyclorama_mesh(width: float = 18.0, depth: float = 14.0, height: float = 7.0, radius: float = 2.0):
    """A photo studio's sweep: a floor curving up into a back wall, with no seam to read as an edge."""
    mesh_name = "SL cyclorama"
    back = depth / 2
    profile = [(-depth / 2, 0.0), (back - radius, 0.0)]
    for step in range(1, 9):
        angle = step / 8 * math.pi / 2
        profile.append((back - radius + radius * math.sin(angle), radius - radius * math.cos(angle)))
    profile.append((back, height))
    bm = bmesh.new()
    rows = [[bm.verts.new((x, y, z)) for (y, z) in profile] for x in (-width / 2, width / 2)]
    for index in range(len(profile) - 1):
        bm.faces.new((rows[0][index], rows[1][index], rows[1][index + 1], rows[0][index + 1]))
    return _finish(bm, mesh_name)


def label_curve(text: str) -> bpy.types.Curve:
    """A name label's text (Blender's own font), centred, for a stand-in's head."""
    curve = bpy.data.curves.new(f"SL label {text}", "FONT")
    curve[OWNER] = "label"
    set_label(curve, text)
    return curve


def set_label(curve: bpy.types.Curve, text: str) -> None:
    # Blender lays text out left to right, unjoined: right-to-left names go in visual order,
    # as captions do. Extruded: Workbench's shadow volumes streak from flat text.
    curve.body = visual_order(text)
    curve.align_x = "CENTER"
    curve.size = min(0.16, 1.3 / max(len(text), 4))  # a long prop name stays about a metre wide
    curve.extrude = 0.02


def colour(rgb) -> tuple[float, float, float, float]:
    return (*rgb, 1.0)


def clay(data: bpy.types.ID, rgba: tuple) -> None:
    """Give a part a clay material of its colour, so the scene's own engine (and Workbench's
    material colours) see what the clay look shows."""
    if not hasattr(data, "materials") or data.materials:
        return
    material = bpy.data.materials.new(f"SL clay {getattr(data, 'name', '')}")
    material.diffuse_color = rgba
    material[OWNER] = "material"
    tree = compat.material_node_tree(material)
    shader = next((node for node in tree.nodes if node.type == "BSDF_PRINCIPLED"), None)
    if shader is not None:
        shader.inputs["Base Color"].default_value = rgba
        shader.inputs["Roughness"].default_value = 0.6
    data.materials.append(material)


def figure_parts(figure: Figure) -> list[tuple[str, Callable[[], bpy.types.ID], tuple, tuple]]:
    """(part, how to make its data, local location, object colour) per part of a stand-in; the
    body first. Data is made only for an object that does not exist yet."""
    if figure.kind == "character":
        parts = [
            ("body", lambda: body_mesh(figure.name, figure.height), (0, 0, 0), colour(figure.colour)),
            ("mouth", lambda: mouth_mesh(figure.name, figure.height), (0, 0, 0), MOUTH_COLOUR),
        ]
    else:
        parts = [("body", lambda: prop_mesh(figure.name, figure.width), (0, 0, 0), colour(figure.colour))]
    label = (0, -0.05, figure.height + 0.04)
    return [*parts, ("label", lambda: label_curve(figure.name), label, LABEL_COLOUR)]
