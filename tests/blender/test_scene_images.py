"""Images that belong to the 3D scene: depth-guided, projected, baked, plates, edits, restyle.

Scenes here are tiny and rendered with Cycles at one to a few samples (EEVEE is far too slow
headless). Colours are compared with the Standard view transform, which leaves sRGB alone.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import bpy
import numpy as np
import pytest

from tests.tools.image_metrics import seam_error

TINY = {"model": "tiny-sd", "steps": 2, "guidance": 5.0}


def pixels_of(image) -> np.ndarray:
    width, height = image.size
    flat = np.empty(width * height * 4, np.float32)
    image.pixels.foreach_get(flat)
    return flat.reshape(height, width, 4)  # bottom row first, as Blender stores it


def file_pixels(path: Path) -> np.ndarray:
    image = bpy.data.images.load(str(path), check_existing=False)
    try:
        return pixels_of(image)
    finally:
        bpy.data.images.remove(image)


def gradient_image(name: str, width: int, height: int, alpha_hole: bool = False):
    """R grows left to right, G bottom to top, B constant: every pixel says where it is."""
    image = bpy.data.images.new(name, width, height, alpha=True)
    u = (np.arange(width) + 0.5) / width
    v = (np.arange(height) + 0.5) / height
    rgba = np.ones((height, width, 4), np.float32)
    rgba[..., 0] = u[None, :]
    rgba[..., 1] = v[:, None]
    rgba[..., 2] = 0.4
    if alpha_hole:
        rgba[height // 4 : 3 * height // 4, width // 4 : 3 * width // 4, 3] = 0.0
    image.pixels.foreach_set(rgba.ravel())
    return image


def render(scene, path: Path) -> np.ndarray:
    scene.render.filepath = str(path)
    bpy.ops.render.render(write_still=True)
    return file_pixels(path)


def camera(scene, name="Camera", location=(0, 0, 5), rotation=(0, 0, 0), ortho_scale=None):
    data = bpy.data.cameras.new(name)
    if ortho_scale:
        data.type = "ORTHO"
        data.ortho_scale = ortho_scale
    obj = bpy.data.objects.new(name, data)
    obj.location, obj.rotation_euler = location, rotation
    scene.collection.objects.link(obj)
    scene.camera = obj
    return obj


@pytest.fixture
def scene(storyloom, prefs, tmp_path):
    """A saved .blend set up for fast, colour-true Cycles renders (64x64, Standard)."""
    bpy.ops.wm.read_homefile(use_empty=True)
    scene = bpy.context.scene
    scene.render.engine = "CYCLES"
    scene.cycles.samples = 4
    scene.cycles.use_denoising = False
    scene.render.resolution_x = scene.render.resolution_y = 64
    scene.render.resolution_percentage = 100
    scene.view_settings.view_transform = "Standard"
    scene.render.image_settings.file_format = "PNG"
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "scene.blend"))
    prefs.media_folder = "//storyloom/"
    return scene


@pytest.fixture
def top_down(scene):
    """A 2x2 plane filling an orthographic top-down camera's square frame exactly."""
    bpy.ops.mesh.primitive_plane_add(size=2)
    camera(scene, ortho_scale=2.0)
    return bpy.context.active_object


@pytest.fixture
def layout(scene):
    """A cube on a floor, seen from above and in front: near is the cube, far is the floor's end."""
    bpy.ops.mesh.primitive_plane_add(size=30)
    bpy.ops.mesh.primitive_cube_add(location=(0, 0, 1))
    camera(scene, location=(0, -9, 5), rotation=(1.1, 0, 0))
    return bpy.context.active_object


def depth_module(storyloom):
    return importlib.import_module(storyloom.__name__ + ".addon.blender.depth")


# -- Depth -------------------------------------------------------------------------------------


def test_depth_map_follows_the_scene_and_near_is_bright(storyloom, layout, tmp_path):
    scene = bpy.context.scene
    depth = depth_module(storyloom)
    settings = (scene.render.engine, scene.cycles.samples, scene.view_settings.view_transform, scene.world)
    first = depth.render_depth(scene, tmp_path / "a.png", (64, 48))
    before = file_pixels(first.path)[..., 0]
    assert before.shape == (48, 64)
    cube_centre, far_floor = before[24, 32], before[46, 32]  # rows count from the bottom
    assert cube_centre > far_floor + 0.2
    layout.location.x += 3  # move the cube: the depth map moves with it
    second = depth.render_depth(scene, tmp_path / "b.png", (64, 48))
    after = file_pixels(second.path)[..., 0]
    assert np.abs(after - before).max() > 0.2
    # The helper render borrowed settings and gave every one of them back.
    assert (
        scene.render.engine,
        scene.cycles.samples,
        scene.view_settings.view_transform,
        scene.world,
    ) == settings
    assert not any(m.name.startswith("Storyloom depth") for m in bpy.data.materials)


def test_depth_guided_generation_runs_the_controlnet_and_projects_back(storyloom, runtime, layout):
    cube = layout  # the active, selected mesh
    result = bpy.ops.storyloom.generate_image(
        prompt="a stone tower",
        seed=2,
        mode="DEPTH",
        controlnet="tiny-controlnet",
        width=64,
        height=64,
        use_as="PROJECT",
        **TINY,
    )
    assert result == {"FINISHED"}
    media = Path(bpy.path.abspath("//storyloom"))
    [depth_png] = (media / "depth").glob("*.png")
    [picture] = (media / "images").glob("*.png")
    assert file_pixels(depth_png).shape[:2] == file_pixels(picture).shape[:2] == (64, 64)
    projected = cube.active_material.node_tree.nodes["Storyloom Projection"].image
    assert Path(bpy.path.abspath(projected.filepath)) == picture


def test_depth_without_a_camera_is_refused_and_nothing_is_written(storyloom, runtime, scene):
    bpy.ops.mesh.primitive_cube_add()
    with pytest.raises(RuntimeError, match="has no active camera"):
        bpy.ops.storyloom.generate_image(prompt="x", mode="DEPTH", controlnet="tiny-controlnet", **TINY)
    assert not Path(bpy.path.abspath("//storyloom/images")).exists()


# -- Projection and bake -----------------------------------------------------------------------


def test_projection_shows_the_image_from_the_camera_and_bakes_to_uvs(storyloom, prefs, top_down, tmp_path):
    scene = bpy.context.scene
    image = gradient_image("painting", 64, 64)
    result = bpy.ops.storyloom.project_image(image=image.name, shading="SHADELESS")
    assert result == {"FINISHED"}
    seen = render(scene, tmp_path / "seen.png")
    expected = pixels_of(image)
    assert np.abs(seen[..., :3] - expected[..., :3]).mean() < 0.02
    result = bpy.ops.storyloom.project_image(image=image.name, shading="SHADELESS", bake=True, bake_size=32)
    assert result == {"FINISHED"}
    material = top_down.active_material
    baked = material.node_tree.nodes["Storyloom Bake"]
    shader_input = next(n for n in material.node_tree.nodes if n.bl_idname == "ShaderNodeEmission").inputs[
        "Color"
    ]
    assert shader_input.links[0].from_node == baked  # fed by the UV texture now, not the projection
    texels = pixels_of(baked.image)
    # The plane's UVs span the frame the camera saw: texel (u, v) holds the image at (u, v).
    coarse = expected[1::2, 1::2, :3] * 0.5 + expected[::2, ::2, :3] * 0.5
    assert np.abs(texels[..., :3] - coarse).mean() < 0.05
    assert Path(bpy.path.abspath(baked.image.filepath)).is_file()
    # Moving the camera no longer moves the paint.
    scene.camera.location.x += 0.5
    moved = render(scene, tmp_path / "moved.png")
    assert np.abs(moved[..., 0] - seen[..., 0]).mean() > 0.05  # the view changed...
    assert np.abs(moved[:, :32, 0] - seen[:, 16:48, 0]).mean() < 0.05  # ...the paint stayed on the plane


def test_projection_bad_input_changes_nothing(storyloom, prefs, scene):
    image = gradient_image("painting", 16, 16)
    with pytest.raises(RuntimeError, match="no active camera"):
        bpy.ops.storyloom.project_image(image=image.name)
    camera(scene)
    for obj in bpy.context.view_layer.objects:
        obj.select_set(False)
    with pytest.raises(RuntimeError, match="no mesh is selected"):
        bpy.ops.storyloom.project_image(image=image.name)
    bpy.ops.mesh.primitive_cube_add()
    cube = bpy.context.active_object
    cube.data.uv_layers.remove(cube.data.uv_layers[0])
    with pytest.raises(RuntimeError, match="Baking needs UVs, and Cube has none"):
        bpy.ops.storyloom.project_image(image=image.name, bake=True)
    with pytest.raises(RuntimeError, match="no pixels"):
        bpy.ops.storyloom.project_image(image=bpy.data.images.load(__file__, check_existing=False).name)
    assert cube.active_material is None
    assert not [o for o in bpy.data.objects if o.name.startswith("Storyloom Projector")]


# -- Plates --------------------------------------------------------------------------------------


def test_world_plate_renders_behind_everything_and_undo_restores_the_world(storyloom, prefs, scene, tmp_path):
    camera(scene)
    original = scene.world.name if scene.world else None
    plate = gradient_image("plate", 64, 64)
    bpy.ops.ed.undo_push(message="before the plate")
    assert bpy.ops.storyloom.set_plate(image=plate.name, target="WORLD") == {"FINISHED"}
    bpy.ops.ed.undo_push(message="Set Plate")  # what the UI does after an UNDO operator
    seen = render(bpy.context.scene, tmp_path / "world.png")
    assert np.abs(seen[..., :3] - pixels_of(plate)[..., :3]).mean() < 0.02
    bpy.ops.ed.undo()
    world = bpy.context.scene.world
    assert (world.name if world else None) == original
    assert not [w for w in bpy.data.worlds if w.name.startswith("Storyloom Plate")]


def test_camera_background_plate_and_undo(storyloom, prefs, scene):
    cam = camera(scene)
    plate = gradient_image("plate", 16, 16)
    bpy.ops.ed.undo_push(message="before the plate")
    assert bpy.ops.storyloom.set_plate(image=plate.name, target="CAMERA") == {"FINISHED"}
    bpy.ops.ed.undo_push(message="Set Plate")  # what the UI does after an UNDO operator
    data = cam.data
    assert data.show_background_images and data.background_images[0].image == plate
    name = data.name
    bpy.ops.ed.undo()
    data = bpy.data.cameras[name]
    assert len(data.background_images) == 0 and not data.show_background_images


def test_compositor_plate_shows_around_the_render_and_undo(storyloom, prefs, scene, tmp_path):
    camera(scene, location=(0, 0, 10))
    bpy.ops.mesh.primitive_cube_add(size=1)
    plate = gradient_image("plate", 64, 64)
    bpy.ops.ed.undo_push(message="before the plate")
    assert bpy.ops.storyloom.set_plate(image=plate.name, target="COMPOSITOR") == {"FINISHED"}
    bpy.ops.ed.undo_push(message="Set Plate")  # what the UI does after an UNDO operator
    seen = render(bpy.context.scene, tmp_path / "comp.png")
    expected = pixels_of(plate)
    corners = (slice(0, 8), slice(0, 8))
    assert np.abs(seen[corners][..., :3] - expected[corners][..., :3]).mean() < 0.02  # the plate
    assert np.abs(seen[32, 32, :3] - expected[32, 32, :3]).mean() > 0.1  # the cube over it
    bpy.ops.ed.undo()
    assert not bpy.context.scene.render.film_transparent


# -- img2img, inpaint, seamless ------------------------------------------------------------------


def test_strength_zero_returns_the_source(storyloom, runtime, scene):
    source = gradient_image("source", 64, 48)
    result = bpy.ops.storyloom.generate_image(
        prompt="oil painting",
        mode="IMAGE",
        source="IMAGE",
        source_image=source.name,
        strength=0.0,
        use_as="IMAGE",
        **TINY,
    )
    assert result == {"FINISHED"}
    [picture] = Path(bpy.path.abspath("//storyloom/images")).glob("*.png")
    assert np.abs(file_pixels(picture) - np.round(pixels_of(source) * 255) / 255).max() < 1e-6


def test_two_sources_same_prompt_and_seed_make_two_files_and_the_first_stays(storyloom, runtime, scene):
    """An img2img result is named by its source's pixels: a second source never overwrites the first."""
    gradient_image("first", 64, 48)
    second_source = gradient_image("second", 64, 48)
    second_source.pixels.foreach_set((1.0 - pixels_of(second_source)).ravel())
    options = {"prompt": "oil painting", "mode": "IMAGE", "source": "IMAGE", "strength": 0.6, "seed": 5}
    folder = Path(bpy.path.abspath("//storyloom/images"))
    assert bpy.ops.storyloom.generate_image(source_image="first", use_as="IMAGE", **options, **TINY) == {
        "FINISHED"
    }
    [first] = folder.glob("*.png")
    before = first.read_bytes()
    assert bpy.ops.storyloom.generate_image(source_image="second", use_as="IMAGE", **options, **TINY) == {
        "FINISHED"
    }
    made = sorted(folder.glob("*.png"))
    assert len(made) == 2 and first in made
    assert first.read_bytes() == before
    second = next(path for path in made if path != first)
    assert np.abs(file_pixels(first) - file_pixels(second)).max() > 0.05


def test_inpaint_with_painted_alpha_keeps_everything_outside_the_hole(storyloom, runtime, scene):
    source = gradient_image("source", 64, 48, alpha_hole=True)
    result = bpy.ops.storyloom.generate_image(
        prompt="a window",
        seed=5,
        mode="INPAINT",
        source="IMAGE",
        source_image=source.name,
        mask="ALPHA",
        strength=1.0,
        use_as="IMAGE",
        **TINY,
    )
    assert result == {"FINISHED"}
    [picture] = Path(bpy.path.abspath("//storyloom/images")).glob("*.png")
    after, before = file_pixels(picture)[..., :3], pixels_of(source)[..., :3]
    keep = pixels_of(source)[..., 3] >= 0.5
    assert np.abs(after[keep] - before[keep]).max() <= 1.5 / 255
    assert np.abs(after[~keep] - before[~keep]).mean() > 0.04


def test_inpaint_bad_inputs_are_refused_and_nothing_lands(storyloom, runtime, scene):
    source = gradient_image("source", 64, 48)
    mask = bpy.data.images.new("mask", 32, 32)
    with pytest.raises(RuntimeError, match="mask is 32x32 but the source image is 64x48"):
        bpy.ops.storyloom.generate_image(
            prompt="x",
            mode="INPAINT",
            source="IMAGE",
            source_image=source.name,
            mask="IMAGE",
            mask_image=mask.name,
            **TINY,
        )
    with pytest.raises(RuntimeError, match="no transparent pixels"):
        bpy.ops.storyloom.generate_image(
            prompt="x", mode="INPAINT", source="IMAGE", source_image=source.name, mask="ALPHA", **TINY
        )
    missing = bpy.data.images.load(str(Path(__file__)), check_existing=False)  # not an image: no pixels
    with pytest.raises(RuntimeError, match="has no pixels"):
        bpy.ops.storyloom.generate_image(
            prompt="x", mode="IMAGE", source="IMAGE", source_image=missing.name, **TINY
        )
    assert not Path(bpy.path.abspath("//storyloom/images")).exists()


def test_seamless_texture_with_derived_maps_on_the_material(storyloom, runtime, scene):
    bpy.ops.mesh.primitive_cube_add()
    cube = bpy.context.active_object
    result = bpy.ops.storyloom.generate_image(
        prompt="mossy cobblestones", seed=3, width=64, height=64, seamless=True, material_maps="PBR", **TINY
    )
    assert result == {"FINISHED"}
    tree = cube.active_material.node_tree
    shader = next(n for n in tree.nodes if n.bl_idname == "ShaderNodeBsdfPrincipled")
    colour = shader.inputs["Base Color"].links[0].from_node.image
    assert shader.inputs["Roughness"].links[0].from_node.image.colorspace_settings.name == "Non-Color"
    assert shader.inputs["Normal"].links[0].from_node.bl_idname == "ShaderNodeNormalMap"
    assert seam_error(pixels_of(colour)) < 0.15


# -- Render restyle ------------------------------------------------------------------------------


def test_restyle_animation_lands_an_image_sequence_strip(storyloom, runtime, top_down):
    scene = bpy.context.scene
    glow = bpy.data.materials.new("glow")
    if glow.node_tree is None:  # 4.5 materials start without nodes
        glow.use_nodes = True
    glow.node_tree.nodes["Principled BSDF"].inputs["Emission Strength"].default_value = 1.0
    glow.node_tree.nodes["Principled BSDF"].inputs["Emission Color"].default_value = (1, 0.5, 0.2, 1)
    top_down.data.materials.append(glow)
    scene.frame_start, scene.frame_end = 1, 3
    top_down.location.x = 0
    top_down.keyframe_insert("location", frame=1)
    top_down.location.x = 1
    top_down.keyframe_insert("location", frame=3)
    result = bpy.ops.storyloom.restyle_render(
        prompt="watercolour", seed=4, strength=0.5, animation=True, **TINY
    )
    assert result == {"FINISHED"}
    [strip] = [s for s in scene.sequence_editor.strips_all if s.get("storyloom") == "restyle"]
    assert len(strip.elements) == 3 and strip.frame_final_duration == 3 and strip.frame_start == 1
    folder = Path(bpy.path.abspath(strip.directory))
    frames = [file_pixels(folder / element.filename) for element in strip.elements]
    assert all(frame.shape[:2] == (64, 64) for frame in frames)
    assert np.abs(frames[0] - frames[2]).mean() > 0.01  # the animation shows through the restyle
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no temp folders left


def animated_plane(scene, plane) -> list[int]:
    """The plane glows and slides across the frame over frames 1..3: each frame's render differs."""
    glow = bpy.data.materials.new("slide")
    if glow.node_tree is None:  # 4.5 materials start without nodes
        glow.use_nodes = True
    glow.node_tree.nodes["Principled BSDF"].inputs["Emission Strength"].default_value = 1.0
    glow.node_tree.nodes["Principled BSDF"].inputs["Emission Color"].default_value = (1, 0.5, 0.2, 1)
    plane.data.materials.append(glow)
    scene.frame_start, scene.frame_end = 1, 3
    plane.location.x = -0.5
    plane.keyframe_insert("location", frame=1)
    plane.location.x = 0.5
    plane.keyframe_insert("location", frame=3)
    return [1, 2, 3]


def test_restyle_renders_one_frame_per_step_and_the_frames_appear_together(storyloom, top_down, tmp_path):
    restyle = importlib.import_module(storyloom.__name__ + ".addon.blender.restyle")
    scene = bpy.context.scene
    frames = animated_plane(scene, top_down)
    scene.frame_set(2)  # the artist's playhead
    folder = tmp_path / "renders"
    steps = restyle.render_frame_steps(scene, frames, folder)
    for done in frames:
        assert next(steps) == done
        # One more frame per step, all in a temp folder: the renders folder is not there yet.
        assert len(list(tmp_path.glob(".renders.*/render_*.png"))) == done
        assert not folder.exists()
        assert scene.frame_current == 2  # between two steps the playhead is where the artist left it
    with pytest.raises(StopIteration) as end:
        next(steps)
    paths = end.value.value
    assert paths == [folder / f"render_{frame:04d}.png" for frame in frames]
    assert sorted(folder.iterdir()) == paths and not list(tmp_path.glob(".renders.*"))
    # The same pictures as rendering each frame in one go, as the operator did before.
    for frame, path in zip(frames, paths, strict=True):
        scene.frame_set(frame)
        expected = render(scene, tmp_path / f"direct_{frame}.png")
        assert np.abs(file_pixels(path)[..., :3] - expected[..., :3]).max() < 1.5 / 255
    assert np.abs(file_pixels(paths[0]) - file_pixels(paths[2])).mean() > 0.01  # the frames differ

    # Esc between two frames: closing the steps leaves nothing, not even a temp folder.
    scene.frame_set(2)
    steps = restyle.render_frame_steps(scene, frames, tmp_path / "cancelled")
    next(steps)
    steps.close()
    assert not (tmp_path / "cancelled").exists() and not list(tmp_path.glob(".cancelled*"))
    assert scene.frame_current == 2


def test_a_depth_render_leaves_the_artists_last_render_as_it_was(storyloom, layout, tmp_path):
    scene = bpy.context.scene
    depth = depth_module(storyloom)
    image_io = importlib.import_module(storyloom.__name__ + ".addon.blender.image_io")
    scene.render.engine, scene.cycles.samples = "CYCLES", 1
    scene.render.resolution_x, scene.render.resolution_y, scene.render.resolution_percentage = 64, 48, 100
    # No render yet: the depth pass must not become "the last render".
    depth.render_depth(scene, tmp_path / "depth0.png", (64, 48))
    assert bpy.data.images.get("Render Result") is None
    bpy.ops.render.render()  # the artist's render
    before = file_pixels(image_io.save_render_result(scene, tmp_path / "before.png"))
    depth_map = file_pixels(depth.render_depth(scene, tmp_path / "depth.png", (64, 48)).path)
    after = file_pixels(image_io.save_render_result(scene, tmp_path / "after.png"))
    assert np.abs(depth_map[..., :3] - before[..., :3]).max() > 0.2  # the two renders differ...
    np.testing.assert_array_equal(after, before)  # ...and the last render is still the artist's
