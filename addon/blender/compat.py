"""Everything that differs between Blender 4.5 LTS and 5.x, in one place.

Callers never branch on ``bpy.app.version`` themselves: they ask here. Each function is covered
by ``tests/blender/test_compat.py``, which runs on both bpy 4.5.4 and 5.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import bpy

IS_5X = bpy.app.version >= (5, 0, 0)

COMPOSITOR_GROUP_NAME = "Storyloom Compositor"


# -- Sequencer ---------------------------------------------------------------------------------


def sequence_editor(scene: bpy.types.Scene) -> bpy.types.SequenceEditor:
    if scene.sequence_editor is None:
        scene.sequence_editor_create()
    return scene.sequence_editor


def strips(scene: bpy.types.Scene):
    """Top-level strip collection: ``strips`` (4.5 also has the old ``sequences`` alias; 5.0 not)."""
    return sequence_editor(scene).strips


def all_strips(scene: bpy.types.Scene):
    """Every strip including those inside meta strips."""
    return sequence_editor(scene).strips_all


def new_effect_strip(
    scene: bpy.types.Scene,
    name: str,
    effect_type: str,
    channel: int,
    frame_start: int,
    length: int,
    **inputs,
):
    """Add an effect strip (TEXT, COLOR, CROSS...) lasting ``length`` frames.

    5.0 takes ``length``; 4.5 takes the exclusive ``frame_end``.
    """
    if IS_5X:
        return strips(scene).new_effect(
            name=name, type=effect_type, channel=channel, frame_start=frame_start, length=length, **inputs
        )
    return strips(scene).new_effect(
        name=name,
        type=effect_type,
        channel=channel,
        frame_start=frame_start,
        frame_end=frame_start + length,
        **inputs,
    )


def strip_modifiers_supported() -> bool:
    """Whether ``strip.modifiers.new`` is safe to call.

    It segfaults in the 5.0.1 bpy module (verified; see shared/blender-facts.md), so Storyloom's
    look lives in the compositor instead, and nothing calls strip modifiers on 5.0.
    """
    return not IS_5X or bpy.app.version >= (5, 1, 0)


# -- Compositor --------------------------------------------------------------------------------


def compositor_tree(scene: bpy.types.Scene, create: bool = True):
    """The scene's compositing node tree (``None`` when there is none and ``create`` is off).

    5.x: a node group assigned to ``scene.compositing_node_group``, output via Group Output.
    4.5: ``scene.use_nodes`` and the embedded ``scene.node_tree`` with a Composite node. A new
    tree starts empty in both, so callers build the same graph on either version.
    """
    if IS_5X:
        tree = scene.compositing_node_group
        if tree is None and create:
            tree = bpy.data.node_groups.new(COMPOSITOR_GROUP_NAME, "CompositorNodeTree")
            scene.compositing_node_group = tree
        return tree
    if not scene.use_nodes:
        if not create:
            return None
        scene.use_nodes = True
        scene.node_tree.nodes.clear()  # 4.5 seeds Render Layers, Composite and Viewer nodes
    return scene.node_tree


# 5.x socket name -> 4.5 socket name, for nodes whose inputs were renamed.
_RENAMED_INPUTS = {
    ("CompositorNodeBrightContrast", "Brightness"): "Bright",
}


def node_input(node, name: str):
    """Input socket ``name`` (5.x spelling) of a compositor node on either version."""
    if name in node.inputs:
        return node.inputs[name]
    return node.inputs[_RENAMED_INPUTS[(node.bl_idname, name)]]


def compositor_output_socket(tree):
    """The input socket whose image becomes the render result (created if missing)."""
    if IS_5X:
        node = next((n for n in tree.nodes if n.bl_idname == "NodeGroupOutput"), None)
        if node is None:
            node = tree.nodes.new("NodeGroupOutput")
        if not any(item.in_out == "OUTPUT" for item in tree.interface.items_tree):
            tree.interface.new_socket(name="Image", in_out="OUTPUT", socket_type="NodeSocketColor")
        return node.inputs["Image"]
    node = next((n for n in tree.nodes if n.bl_idname == "CompositorNodeComposite"), None)
    if node is None:
        node = tree.nodes.new("CompositorNodeComposite")
    return node.inputs["Image"]


def clear_compositor(scene: bpy.types.Scene) -> None:
    """Remove the compositing setup made through :func:`compositor_tree`."""
    if IS_5X:
        tree = scene.compositing_node_group
        if tree is not None:
            scene.compositing_node_group = None
            if tree.users == 0:
                bpy.data.node_groups.remove(tree)
        return
    if scene.node_tree is not None:
        scene.node_tree.nodes.clear()
    scene.use_nodes = False


# -- Materials ---------------------------------------------------------------------------------


def material_node_tree(material: bpy.types.Material):
    """The material's shader node tree (5.x materials always have one; 4.5 needs use_nodes)."""
    if not IS_5X and not material.use_nodes:
        material.use_nodes = True
    return material.node_tree


# -- Output ------------------------------------------------------------------------------------


def set_video_output(scene: bpy.types.Scene) -> None:
    """Switch the render output to FFmpeg video (5.x needs ``media_type`` set first)."""
    settings = scene.render.image_settings
    if IS_5X:
        settings.media_type = "VIDEO"
    settings.file_format = "FFMPEG"


def set_image_output(scene: bpy.types.Scene, file_format: str = "PNG") -> None:
    """Switch the render output to still images such as PNG or OPEN_EXR."""
    settings = scene.render.image_settings
    if IS_5X:
        settings.media_type = "MULTI_LAYER_IMAGE" if file_format == "OPEN_EXR_MULTILAYER" else "IMAGE"
    settings.file_format = file_format


@contextmanager
def still_output(
    scene: bpy.types.Scene, file_format: str = "PNG", color_mode: str = "RGBA"
) -> Iterator[None]:
    """Write stills for a while (an 8-bit PNG of the Render Result) from a scene that may be set to
    video: 5.0 refuses ``file_format = "PNG"`` while ``media_type`` is VIDEO. Restored after."""
    settings = scene.render.image_settings
    video = settings.file_format == "FFMPEG"
    saved = settings.file_format, settings.color_mode, settings.color_depth
    try:
        set_image_output(scene, file_format)
        settings.color_mode, settings.color_depth = color_mode, "8"
        yield
    finally:
        if video:
            set_video_output(scene)
        else:
            set_image_output(scene, saved[0])
        settings.color_mode = saved[1]
        if saved[2] in {item.identifier for item in settings.bl_rna.properties["color_depth"].enum_items}:
            settings.color_depth = saved[2]


def alpha_over_inputs(node) -> tuple:
    """(background, foreground) inputs of a compositor Alpha Over node.

    5.x names them; 4.5 has Fac then two inputs both called "Image" (background first).
    """
    if "Background" in node.inputs:
        return node.inputs["Background"], node.inputs["Foreground"]
    return node.inputs[1], node.inputs[2]


def world_node_tree(world: bpy.types.World):
    """The world's shader node tree (5.x worlds always have one; 4.5 needs use_nodes)."""
    if world.node_tree is None:
        world.use_nodes = True
    return world.node_tree
