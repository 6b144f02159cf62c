"""Land generated files in Blender's data: images, materials (on the main thread only)."""

from __future__ import annotations

from pathlib import Path

import bpy

from . import compat


def load_image(path: Path) -> bpy.types.Image:
    """Load (or reload) an image file as a datablock with a path relative to the .blend."""
    path = Path(path)
    image = bpy.data.images.load(str(path), check_existing=True)
    image.reload()  # the same file may have been regenerated since it was first loaded
    if bpy.data.filepath:
        try:
            image.filepath = bpy.path.relpath(str(path))
        except ValueError:  # another drive on Windows: keep it absolute
            pass
    return image


def apply_as_base_color(obj: bpy.types.Object, image: bpy.types.Image) -> bpy.types.Material:
    """Put ``image`` on the object's active material as base colour (creating what is missing)."""
    material = obj.active_material
    if material is None:
        material = bpy.data.materials.new(f"Storyloom {obj.name}")
        if obj.data is not None and hasattr(obj.data, "materials"):
            obj.data.materials.append(material)
        obj.active_material = material
    tree = compat.material_node_tree(material)
    shader = next((n for n in tree.nodes if n.bl_idname == "ShaderNodeBsdfPrincipled"), None)
    if shader is None:
        shader = tree.nodes.new("ShaderNodeBsdfPrincipled")
        output = next((n for n in tree.nodes if n.bl_idname == "ShaderNodeOutputMaterial"), None)
        if output is None:
            output = tree.nodes.new("ShaderNodeOutputMaterial")
        tree.links.new(shader.outputs["BSDF"], output.inputs["Surface"])
    texture = next(
        (n for n in tree.nodes if n.bl_idname == "ShaderNodeTexImage" and n.label == "Storyloom"), None
    )
    if texture is None:
        texture = tree.nodes.new("ShaderNodeTexImage")
        texture.label = "Storyloom"
        texture.location = (shader.location.x - 320, shader.location.y)
    texture.image = image
    tree.links.new(texture.outputs["Color"], shader.inputs["Base Color"])
    return material


def apply_material_maps(material: bpy.types.Material, maps: dict[str, Path]) -> None:
    """Wire derived roughness and normal maps (non-colour data) into the material's BSDF."""
    tree = compat.material_node_tree(material)
    shader = next(n for n in tree.nodes if n.bl_idname == "ShaderNodeBsdfPrincipled")
    for offset, role in enumerate(("roughness", "normal"), start=1):
        image = load_image(maps[role])
        image.colorspace_settings.name = "Non-Color"  # data, not a picture: no sRGB decode
        label = f"Storyloom {role.title()}"
        texture = next((n for n in tree.nodes if n.label == label), None) or tree.nodes.new(
            "ShaderNodeTexImage"
        )
        texture.label = label
        texture.image = image
        texture.location = (shader.location.x - 620, shader.location.y - 300 * offset)
        if role == "roughness":
            tree.links.new(texture.outputs["Color"], shader.inputs["Roughness"])
            continue
        normal_map = next((n for n in tree.nodes if n.bl_idname == "ShaderNodeNormalMap"), None)
        normal_map = normal_map or tree.nodes.new("ShaderNodeNormalMap")
        normal_map.location = (shader.location.x - 300, shader.location.y - 600)
        tree.links.new(texture.outputs["Color"], normal_map.inputs["Color"])
        tree.links.new(normal_map.outputs["Normal"], shader.inputs["Normal"])
