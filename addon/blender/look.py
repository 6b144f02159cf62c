"""The film's look: one compositor node group, applied to every shot so all shots match.

Strip modifiers would be the obvious place for a grade, but they crash the 5.0.1 module build,
and they grade after camera moves (so a vignette would slide with the picture). Instead each
shot's still is graded once through the compositor, on both 4.5 and 5.x, and the VSE moves the
graded still. Node inputs are set as sockets, which both versions have.
"""

from __future__ import annotations

from pathlib import Path

import bpy

from . import compat

LOOKS = ("neutral", "cinematic")


def _input(node, name: str, socket_type: str | None = None):
    for socket in node.inputs:
        if socket.name == name and (socket_type is None or socket.type == socket_type):
            return socket
    return compat.node_input(node, name)


def _link(tree, from_socket, to_socket) -> None:
    tree.links.new(from_socket, to_socket)


def build_look_group(look: str, denoise: bool = False, glare: bool = False):
    """A compositor node group 'Storyloom Look <look>' with one Image input and output."""
    if look not in LOOKS:
        raise ValueError(f"Unknown look '{look}': expected one of {', '.join(LOOKS)}")
    name = f"Storyloom Look {look.title()}{' +denoise' if denoise else ''}{' +glare' if glare else ''}"
    group = bpy.data.node_groups.get(name)
    if group is not None:
        return group
    group = bpy.data.node_groups.new(name, "CompositorNodeTree")
    group.interface.new_socket(name="Image", in_out="INPUT", socket_type="NodeSocketColor")
    group.interface.new_socket(name="Image", in_out="OUTPUT", socket_type="NodeSocketColor")
    nodes = group.nodes
    entry, leave = nodes.new("NodeGroupInput"), nodes.new("NodeGroupOutput")
    current = entry.outputs["Image"]
    if denoise:
        node = nodes.new("CompositorNodeDenoise")
        _link(group, current, _input(node, "Image"))
        current = node.outputs["Image"]
    if look == "cinematic":
        balance = nodes.new("CompositorNodeColorBalance")  # lift / gamma / gain: teal shadows, warm highs
        _input(balance, "Lift", "RGBA").default_value = (0.99, 1.0, 1.02, 1.0)
        _input(balance, "Gamma", "RGBA").default_value = (1.0, 1.0, 0.99, 1.0)
        _input(balance, "Gain", "RGBA").default_value = (1.04, 1.01, 0.97, 1.0)
        _link(group, current, _input(balance, "Image"))
        contrast = nodes.new("CompositorNodeBrightContrast")
        # Works on linear light, where a little contrast goes a long way.
        _input(contrast, "Brightness").default_value = 0.0
        _input(contrast, "Contrast").default_value = 4.0
        _link(group, balance.outputs["Image"], _input(contrast, "Image"))
        mask = nodes.new("CompositorNodeEllipseMask")
        _input(mask, "Size").default_value[:2] = (0.95, 0.9)  # relative to the frame
        _input(mask, "Value").default_value = 1.0
        soften = nodes.new("CompositorNodeBlur")
        _input(soften, "Size").default_value[:2] = (120, 120)
        _link(group, mask.outputs["Mask"], _input(soften, "Image"))
        vignette = nodes.new("ShaderNodeMix")
        vignette.data_type, vignette.blend_type = "RGBA", "MULTIPLY"
        vignette.inputs[0].default_value = 0.35  # strength: how dark the corners get
        rgba = [s for s in vignette.inputs if s.type == "RGBA"]
        _link(group, contrast.outputs["Image"], rgba[0])
        _link(group, soften.outputs["Image"], rgba[1])
        current = next(s for s in vignette.outputs if s.type == "RGBA")
    if glare:
        node = nodes.new("CompositorNodeGlare")
        _link(group, current, _input(node, "Image"))
        current = node.outputs["Image"]
    _link(group, current, leave.inputs["Image"])
    return group


def grade_stills(scene: bpy.types.Scene, sources: list[Path], outputs: list[Path], look_group) -> None:
    """Run each still through the look group with the compositor, writing graded PNGs.

    Uses a throwaway scene so the artist's scene settings are untouched. No Render Layers node
    is used, so nothing 3D is rendered: the compositor alone makes each image.
    """
    grade_scene = bpy.data.scenes.new("Storyloom Grade")
    try:
        grade_scene.render.engine = "CYCLES" if "CYCLES" in _engines() else scene.render.engine
        grade_scene.view_settings.view_transform = "Standard"  # stills are display-referred already
        grade_scene.render.resolution_percentage = 100
        compat.set_image_output(grade_scene, "PNG")
        grade_scene.render.image_settings.color_mode = "RGB"
        tree = compat.compositor_tree(grade_scene)
        image_node = tree.nodes.new("CompositorNodeImage")
        group_node = tree.nodes.new("CompositorNodeGroup")
        group_node.node_tree = look_group
        tree.links.new(image_node.outputs["Image"], group_node.inputs["Image"])
        tree.links.new(group_node.outputs["Image"], compat.compositor_output_socket(tree))
        for source, output in zip(sources, outputs, strict=True):
            image = bpy.data.images.load(str(source), check_existing=False)
            try:
                image_node.image = image
                grade_scene.render.resolution_x, grade_scene.render.resolution_y = image.size[:]
                grade_scene.render.filepath = str(output)
                with bpy.context.temp_override(scene=grade_scene):
                    bpy.ops.render.render(write_still=True, scene=grade_scene.name)
            finally:
                bpy.data.images.remove(image)
    finally:
        compat.clear_compositor(grade_scene)
        bpy.data.scenes.remove(grade_scene)


def _engines() -> set[str]:
    return {item.identifier for item in bpy.types.RenderSettings.bl_rna.properties["engine"].enum_items}
