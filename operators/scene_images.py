"""Undoable operators that use an existing image in the scene: projection, bakes and plates."""

from __future__ import annotations

import bpy
from bpy.props import BoolProperty, EnumProperty, IntProperty, StringProperty

from ..addon.blender import plates, project, projection
from ..addon.blender.depth import active_camera
from ..addon.blender.errors import USER_ERRORS
from ..addon.core.paths import contained_path
from ..addon.core.validation import BadInput


def _image(name: str) -> bpy.types.Image:
    image = bpy.data.images.get(name) if name else None
    if image is None:
        raise BadInput(
            f"There is no image named '{name}': pick one that is loaded." if name else "Pick an image."
        )
    if image.size[0] == 0 or image.size[1] == 0:
        raise BadInput(f"The image '{image.name}' has no pixels: load or render it first.")
    return image


def _image_names(self, context, edit_text):
    return [image.name for image in bpy.data.images]


class STORYLOOM_OT_project_image(bpy.types.Operator):
    """Project an image from the active camera onto the selected meshes (optionally baked to their UVs)"""

    bl_idname = "storyloom.project_image"
    bl_label = "Project from Camera"
    bl_options = {"REGISTER", "UNDO"}

    image: StringProperty(name="Image", search=_image_names)
    shading: EnumProperty(
        name="Shading",
        items=(
            ("LIT", "Lit", "Base colour, lit by the scene"),
            ("SHADELESS", "Shadeless", "Exactly as painted"),
        ),
    )
    bake: BoolProperty(name="Bake to UVs", description="Bake to each mesh's UVs so it survives camera moves")
    bake_size: IntProperty(name="Bake Size", default=1024, soft_min=64, soft_max=8192, subtype="PIXEL")

    def execute(self, context: bpy.types.Context) -> set[str]:
        try:
            image = _image(self.image)
            camera = active_camera(context.scene)
            meshes = projection.check_meshes(list(context.selected_objects), need_uvs=self.bake)
            if self.bake and not 16 <= self.bake_size <= 16384:
                raise BadInput(f"The bake size must be between 16 and 16384 pixels, got {self.bake_size}.")
            folder = contained_path(project.media_folder(create=True).path, "bakes") if self.bake else None
            projection.project(context.scene, camera, meshes, image, self.shading)
            if self.bake:
                projection.bake(context.scene, meshes, self.bake_size, folder)
        except USER_ERRORS as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        baked = " and baked to UVs" if self.bake else ""
        self.report({"INFO"}, f"Projected {image.name} from {camera.name} onto {len(meshes)} mesh(es){baked}")
        return {"FINISHED"}


class STORYLOOM_OT_set_plate(bpy.types.Operator):
    """Use an image behind the 3D scene: world background, camera background or compositor plate"""

    bl_idname = "storyloom.set_plate"
    bl_label = "Set Plate"
    bl_options = {"REGISTER", "UNDO"}

    image: StringProperty(name="Image", search=_image_names)
    target: EnumProperty(
        name="Target",
        items=(
            ("WORLD", "World", "Seen by the camera behind everything"),
            ("CAMERA", "Camera Background", "Viewport reference for layout (not rendered)"),
            ("COMPOSITOR", "Compositor", "Behind the render, with a transparent film"),
        ),
    )

    def execute(self, context: bpy.types.Context) -> set[str]:
        try:
            image = _image(self.image)
            if self.target == "CAMERA":
                active_camera(context.scene)
            plates.set_plate(context.scene, image, self.target)
        except USER_ERRORS as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        self.report({"INFO"}, f"{image.name} is now the {self.target.lower()} plate")
        return {"FINISHED"}


classes = (STORYLOOM_OT_project_image, STORYLOOM_OT_set_plate)

register, unregister = bpy.utils.register_classes_factory(classes)
