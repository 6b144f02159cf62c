"""A generated image behind the 3D scene: as the world, as a camera background, or composited.

- World: camera rays see the plate in screen space (Window coordinates), filling the frame
  whatever the lens; every other ray sees the previous world colour, so lighting is unchanged.
- Camera background: a viewport-only reference for layout (not rendered).
- Compositor: the render, with a transparent film, laid over the plate with Alpha Over.
Each builds new data rather than editing the artist's (a new world, a new background entry),
and the operators that call these are undoable.
"""

from __future__ import annotations

import bpy

from . import compat
from .depth import active_camera

PLATE_TARGETS = ("WORLD", "CAMERA", "COMPOSITOR")
WORLD_PLATE_PREFIX = "Storyloom Plate"
COMPOSITOR_PLATE_NODE = "Storyloom Plate"


def world_plate(scene: bpy.types.Scene, image: bpy.types.Image) -> bpy.types.World:
    previous = scene.world.color[:] if scene.world is not None else (0.05, 0.05, 0.05)
    world = bpy.data.worlds.new(f"{WORLD_PLATE_PREFIX} {image.name}")
    world.color = previous
    tree = compat.world_node_tree(world)
    tree.nodes.clear()
    coordinates = tree.nodes.new("ShaderNodeTexCoord")
    texture = tree.nodes.new("ShaderNodeTexImage")
    texture.image = image
    texture.extension = "EXTEND"
    plate = tree.nodes.new("ShaderNodeBackground")
    ambient = tree.nodes.new("ShaderNodeBackground")
    ambient.inputs["Color"].default_value = (*previous, 1.0)
    light_path = tree.nodes.new("ShaderNodeLightPath")
    mix = tree.nodes.new("ShaderNodeMixShader")
    output = tree.nodes.new("ShaderNodeOutputWorld")
    for x, node in enumerate((coordinates, texture, plate, mix, output)):
        node.location = (x * 260 - 600, 0)
    light_path.location = (-80, 300)
    ambient.location = (-80, -200)
    tree.links.new(coordinates.outputs["Window"], texture.inputs["Vector"])
    tree.links.new(texture.outputs["Color"], plate.inputs["Color"])
    tree.links.new(light_path.outputs["Is Camera Ray"], mix.inputs["Fac"])
    tree.links.new(ambient.outputs["Background"], mix.inputs[1])
    tree.links.new(plate.outputs["Background"], mix.inputs[2])
    tree.links.new(mix.outputs["Shader"], output.inputs["Surface"])
    scene.world = world
    return world


def camera_plate(scene: bpy.types.Scene, image: bpy.types.Image):
    camera = active_camera(scene)
    background = camera.data.background_images.new()
    background.image = image
    background.frame_method = "FIT"
    camera.data.show_background_images = True
    return background


def compositor_plate(scene: bpy.types.Scene, image: bpy.types.Image):
    """Lay the render over the plate; whatever fed the output before stays the foreground."""
    tree = compat.compositor_tree(scene)
    output_socket = compat.compositor_output_socket(tree)
    if output_socket.links:
        foreground = output_socket.links[0].from_socket
    else:
        layers = next((n for n in tree.nodes if n.bl_idname == "CompositorNodeRLayers"), None)
        if layers is None:
            layers = tree.nodes.new("CompositorNodeRLayers")
        foreground = layers.outputs["Image"]
    plate = tree.nodes.new("CompositorNodeImage")
    plate.name = plate.label = COMPOSITOR_PLATE_NODE
    plate.image = image
    over = tree.nodes.new("CompositorNodeAlphaOver")
    background_input, foreground_input = compat.alpha_over_inputs(over)
    tree.links.new(plate.outputs["Image"], background_input)
    tree.links.new(foreground, foreground_input)
    tree.links.new(over.outputs["Image"], output_socket)
    scene.render.film_transparent = True  # the plate shows where nothing was rendered
    return over


def set_plate(scene: bpy.types.Scene, image: bpy.types.Image, target: str):
    builders = {"WORLD": world_plate, "CAMERA": camera_plate, "COMPOSITOR": compositor_plate}
    return builders[target](scene, image)
