"""Blender operators, one module per area."""

from ..addon.registration import register_modules_factory
from . import (
    audio,
    doctor,
    film,
    generate_image,
    lip_sync,
    plan,
    post,
    restyle,
    runtime,
    scene_images,
    staging,
    video,
)

register, unregister = register_modules_factory(
    (
        doctor,
        generate_image,
        scene_images,
        restyle,
        video,
        post,
        audio,
        lip_sync,
        runtime,
        film,
        plan,
        staging,
    )
)
