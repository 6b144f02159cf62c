"""Render settings and outputs for a delivery preset: video, frame sequences, WAV, MP3, stills.

Files are rendered under a temporary name in the target folder and renamed when complete,
so a failed or cancelled render never leaves a half-written deliverable.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import bpy

from ..core.atomic import atomic_folder
from ..core.presets import DeliveryPreset
from . import compat

EXR_SETTINGS = {"color_depth": "16", "exr_codec": "ZIP", "color_mode": "RGBA"}  # half float


def configure(scene: bpy.types.Scene, preset: DeliveryPreset) -> None:
    render = scene.render
    render.resolution_x, render.resolution_y, render.resolution_percentage = preset.width, preset.height, 100
    render.fps, render.fps_base = preset.fps, preset.fps_base
    # Generated pictures are display-referred (sRGB) already: AgX would tone-map them again.
    scene.view_settings.view_transform = "Standard"
    scene.view_settings.look = "None"
    render.use_sequencer = True
    scene.render.use_compositing = False  # the look is already in the graded stills
    if preset.kind == "frames":
        _frames_output(scene, preset)
        return
    compat.set_video_output(scene)
    ffmpeg = render.ffmpeg
    ffmpeg.format = preset.container
    ffmpeg.codec = preset.codec
    if preset.codec == "H264":
        ffmpeg.constant_rate_factor = "HIGH"
        ffmpeg.ffmpeg_preset = "REALTIME"
        ffmpeg.gopsize = preset.fps
    if preset.prores_profile:
        ffmpeg.ffmpeg_prores_profile = preset.prores_profile
    # ProRes 4444 carries alpha when the picture is RGBA (where no strip covers, it is clear);
    # the codec and profile decide which colour modes exist, so this comes after them.
    render.image_settings.color_mode = "RGBA" if preset.alpha else "RGB"
    ffmpeg.audio_codec = preset.audio_codec
    ffmpeg.audio_mixrate = 48000
    ffmpeg.audio_channels = "STEREO"
    if preset.audio_codec == "AAC":
        # 320 kb/s: at 192 Blender's AAC adds errors that lift the decoded peak by ~1.5 dB.
        ffmpeg.audio_bitrate = 320


def _frames_output(scene: bpy.types.Scene, preset: DeliveryPreset) -> None:
    compat.set_image_output(scene, preset.container)
    settings = scene.render.image_settings
    if preset.container == "OPEN_EXR":
        # EXR holds scene-linear values: Blender writes float formats without the view transform.
        for name, value in EXR_SETTINGS.items():
            setattr(settings, name, value)
    else:
        settings.color_mode, settings.color_depth, settings.compression = "RGB", "8", 15


@contextmanager
def frames_output(scene: bpy.types.Scene, preset: DeliveryPreset) -> Iterator[None]:
    """Write ``preset``'s frames (EXR or PNG) from a scene set up for video, for a while."""
    settings = scene.render.image_settings
    names = ("file_format", "color_mode", "color_depth", "exr_codec", "compression")
    saved = {name: getattr(settings, name) for name in names}
    try:
        _frames_output(scene, preset)
        yield
    finally:
        if saved["file_format"] == "FFMPEG":
            compat.set_video_output(scene)
        else:
            compat.set_image_output(scene, saved["file_format"])
        for name in names[1:]:
            try:
                setattr(settings, name, saved[name])
            except TypeError:  # a depth the restored format does not offer
                pass


def _temp_beside(target: Path) -> Path:
    return target.with_name(f".{target.stem}.{uuid.uuid4().hex[:8]}.part{target.suffix}")


def render_video(scene: bpy.types.Scene, target: Path) -> Path:
    """Render the scene's sequencer to ``target`` (atomically)."""
    temp = _temp_beside(target)
    scene.render.filepath = str(temp)
    try:
        with bpy.context.temp_override(scene=scene):
            bpy.ops.render.render(animation=True, scene=scene.name)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return target


def render_frames(scene: bpy.types.Scene, folder: Path) -> Path:
    """Every frame into ``folder`` (``frame_0001.exr``...) in the scene's image format; the folder
    appears only when the last frame is written."""
    with atomic_folder(folder) as temp:
        saved = scene.render.filepath
        scene.render.filepath = str(temp / "frame_")
        try:
            with bpy.context.temp_override(scene=scene):
                bpy.ops.render.render(animation=True, scene=scene.name)
        finally:
            scene.render.filepath = saved
    return folder


def mixdown(scene: bpy.types.Scene, target: Path, container: str = "WAV") -> Path:
    """The scene's audio as a 48 kHz 16-bit WAV, or a 320 kb/s MP3 (atomically)."""
    temp = _temp_beside(target)
    options = {"codec": "PCM", "format": "S16"} if container == "WAV" else {"codec": "MP3", "bitrate": 320}
    try:
        with bpy.context.temp_override(scene=scene):
            bpy.ops.sound.mixdown(
                filepath=str(temp), container=container, mixrate=48000, check_existing=False, **options
            )
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return target


def render_png_sequence(scene: bpy.types.Scene, folder: Path) -> Path:
    """Every frame as PNG into ``folder`` (frames are each written by Blender in one go)."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = scene.render.image_settings
    saved = (settings.file_format, scene.render.filepath)
    compat.set_image_output(scene, "PNG")
    scene.render.filepath = str(folder / "frame_")
    try:
        with bpy.context.temp_override(scene=scene):
            bpy.ops.render.render(animation=True, scene=scene.name)
    finally:
        compat.set_video_output(scene) if saved[0] == "FFMPEG" else compat.set_image_output(scene, saved[0])
        scene.render.filepath = saved[1]
    return folder
