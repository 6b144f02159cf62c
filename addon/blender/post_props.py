"""The film's post and delivery settings as Blender properties, shared by the Sequencer panel's
settings (saved with the .blend) and the Build Film operator, and read into a FilmRequest."""

from __future__ import annotations

import bpy
from bpy.props import BoolProperty, EnumProperty, StringProperty

from ..core.post import FPS_FIT_LABELS
from .film_post import PostSettings

FPS_FIT_ITEMS = [(name, name.title(), label) for name, label in FPS_FIT_LABELS.items()]
MATCH_ITEMS = (
    ("off", "Off", "Each shot keeps its own colour"),
    ("first", "First Shot", "Every shot's colour matched to the first shot's before the grade"),
    ("frame", "Reference Frame", "Every shot's colour matched to a chosen picture"),
)
ASPECT_FIT_ITEMS = (
    ("pad", "Pad", "Letterbox or pillarbox the film inside the other frame"),
    ("crop", "Crop", "Fill the other frame, cutting the film's edges"),
    ("refuse", "Refuse", "Stop with a message instead of changing the picture's shape"),
)
NAMES = (
    "fps_fit", "interpolator", "deflicker", "match_colour", "colour_reference", "upscale", "upscaler",
    "deliver", "aspect_fit", "mp3", "stems", "poster",
)  # fmt: skip


class PostProperties:
    """Mix into an Operator or a PropertyGroup (Blender collects annotations from bases)."""

    fps_fit: EnumProperty(name="Frame-Rate Fit", items=FPS_FIT_ITEMS, default="flow")
    interpolator: StringProperty(
        name="Interpolator",
        subtype="FILE_PATH",
        description="RIFE 4.6 .safetensors (default: the models folder's)",
    )
    deflicker: BoolProperty(name="Deflicker", description="Even out generated clips' brightness flicker")
    match_colour: EnumProperty(name="Colour Match", items=MATCH_ITEMS, default="off")
    colour_reference: StringProperty(name="Reference Frame", subtype="FILE_PATH")
    upscale: BoolProperty(
        name="Upscale", default=True, description="Upscale pictures the model made smaller than the frame"
    )
    upscaler: StringProperty(
        name="Learned Upscaler",
        subtype="FILE_PATH",
        description="An upscaler's .safetensors (empty: Lanczos)",
    )
    deliver: StringProperty(
        name="Also Deliver", description="Other presets, comma-separated (e.g. square, portrait, exr)"
    )
    aspect_fit: EnumProperty(name="Other Shapes", items=ASPECT_FIT_ITEMS, default="pad")
    mp3: BoolProperty(name="MP3", description="Also write the master as MP3")
    stems: BoolProperty(name="Stems", description="Also write dialogue, music and effects stems as WAV")
    poster: BoolProperty(name="Poster", default=True, description="A poster frame (PNG) and thumbnail (JPEG)")


def copy_post_settings(source, target) -> None:
    for name in NAMES:
        setattr(target, name, getattr(source, name))


def request_fields(owner) -> dict:
    """The FilmRequest fields of an operator or settings group with :class:`PostProperties`."""
    match = owner.match_colour
    if match == "frame":
        match = (
            bpy.path.abspath(owner.colour_reference)
            if owner.colour_reference
            else "(no reference frame chosen)"
        )
    return {
        "post": PostSettings(
            fps_fit=owner.fps_fit,
            deflicker=owner.deflicker,
            match_colour=match,
            upscale=owner.upscale,
            upscaler=bpy.path.abspath(owner.upscaler) if owner.upscaler else "",
            interpolator=bpy.path.abspath(owner.interpolator) if owner.interpolator else "",
        ),
        "deliver": [name.strip() for name in owner.deliver.split(",") if name.strip()],
        "aspect_fit": owner.aspect_fit,
        "mp3": owner.mp3,
        "stems": owner.stems,
        "poster": owner.poster,
    }


def draw_post_settings(layout: bpy.types.UILayout, settings) -> None:
    column = layout.column(heading="Post")
    column.prop(settings, "fps_fit")
    if settings.fps_fit == "model":
        column.prop(settings, "interpolator")
    column.prop(settings, "match_colour")
    if settings.match_colour == "frame":
        column.prop(settings, "colour_reference")
    row = column.row(align=True)
    row.prop(settings, "deflicker", toggle=True)
    row.prop(settings, "upscale", toggle=True)
    if settings.upscale:
        column.prop(settings, "upscaler")
    column = layout.column(heading="Deliver")
    column.prop(settings, "deliver")
    column.prop(settings, "aspect_fit")
    row = column.row(align=True)
    for name in ("mp3", "stems", "poster"):
        row.prop(settings, name, toggle=True)
