"""Lay a timed plan out on the Video Sequencer: picture, titles, subtitles, voice, music.

Every strip Storyloom makes carries ``strip["storyloom"]``, so a rebuild removes exactly
those and leaves the artist's own strips alone. Channels are named for what they hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import bpy

from ..core.sync import ShotTiming
from ..core.voices import LINE_GAP
from . import compat

OWNER_KEY = "storyloom"
CHANNELS = {"picture": 2, "titles": 4, "subtitles": 5, "dialogue": 7, "music": 8, "master": 10}
CHANNEL_NAMES = {
    "picture": "Storyloom Picture",
    "titles": "Storyloom Titles",
    "subtitles": "Storyloom Subtitles",
    "dialogue": "Storyloom Dialogue",
    "music": "Storyloom Music",
    "master": "Storyloom Master (render only)",
}
FIRST_FRAME = 1
# A model paints at its own size (512-1024 px); the sequencer scales it to the frame with this
# filter, the smoothest one Blender's strip transform has, until the post layer upscales.
PICTURE_FILTER = "CUBIC_MITCHELL"
FITS = ("FILL", "FIT")
FADE_IN_FRAMES = 12

# camera move -> (scale start, scale end, offset start, offset end) with offsets as a fraction
# of the frame (x, y). Scales above 1 keep the frame filled while it moves.
CAMERA_MOVES = {
    "static": (1.0, 1.0, (0, 0), (0, 0)),
    "push-in": (1.0, 1.12, (0, 0), (0, 0)),
    "pull-out": (1.12, 1.0, (0, 0), (0, 0)),
    "pan-left": (1.12, 1.12, (0.05, 0), (-0.05, 0)),
    "pan-right": (1.12, 1.12, (-0.05, 0), (0.05, 0)),
    "tilt-up": (1.12, 1.12, (0, -0.05), (0, 0.05)),
    "tilt-down": (1.12, 1.12, (0, 0.05), (0, -0.05)),
}


@dataclass
class LineMedia:
    """One spoken line: its WAV, who says it, and where it starts within its shot's speech."""

    path: Path
    speaker: str
    text: str
    duration: float
    offset: float = 0.0  # seconds after the shot's voice start


@dataclass
class ShotMedia:
    picture: Path
    lines: list[LineMedia]
    subtitle: str
    # A generated clip's frame files, one per film frame (already retimed); None: the still.
    frames: list[Path] | None = None


def space_lines(lines: list[LineMedia], gap: float = LINE_GAP) -> float:
    """Place a shot's lines one after another with a natural pause; returns the speech's length."""
    cursor = 0.0
    for index, line in enumerate(lines):
        line.offset = cursor
        cursor += line.duration + (gap if index + 1 < len(lines) else 0.0)
    return cursor


def clear_owned(scene: bpy.types.Scene) -> int:
    """Remove Storyloom's strips (and only those); returns how many."""
    owned = [strip for strip in compat.all_strips(scene) if strip.get(OWNER_KEY)]
    for strip in owned:
        compat.strips(scene).remove(strip)
    return len(owned)


def _own(strip):
    strip[OWNER_KEY] = 1
    return strip


def _animate_camera(strip, move: str, first: int, last: int, width: int, height: int) -> None:
    scale_a, scale_b, offset_a, offset_b = CAMERA_MOVES[move]
    # The strip's fit (FILL/FIT) is its starting scale: the move scales on top of it.
    base_x, base_y = strip.transform.scale_x, strip.transform.scale_y
    for frame, scale, (dx, dy) in ((first, scale_a, offset_a), (last, scale_b, offset_b)):
        transform = strip.transform
        transform.scale_x, transform.scale_y = base_x * scale, base_y * scale
        transform.offset_x, transform.offset_y = dx * width, dy * height
        for path in ("scale_x", "scale_y", "offset_x", "offset_y"):
            transform.keyframe_insert(path, frame=frame)


def _text(
    scene, name: str, text: str, channel: int, start: int, length: int, size: float, y: float, anchor: str
):
    """A text strip: ``anchor`` says which edge of the wrapped block sits at ``y`` (a subtitle's
    bottom stays inside the frame however many lines it wraps to)."""
    strip = _own(compat.new_effect_strip(scene, name, "TEXT", channel, start, max(1, length)))
    strip.text = text
    strip.font_size = size
    strip.location = (0.5, y)
    strip.anchor_y = anchor
    strip.wrap_width = 0.9
    strip.use_shadow = True
    return strip


def layout(
    scene: bpy.types.Scene,
    plan: dict,
    timings: list[ShotTiming],
    shots: list[ShotMedia],
    music: Path | None,
    music_keys: list[tuple[float, float]],
    fit: str = "FILL",
) -> dict:
    """Build the edit; returns a summary (strip counts and the film's frame range).

    ``fit``: how a picture of another size meets the frame: FILL (cover it, cropping the
    overflow) or FIT (all of the picture, bars where the aspect differs).
    """
    film = plan["film"]
    fps, width, height = film["fps"], film["width"], film["height"]
    clear_owned(scene)
    scene.render.fps, scene.render.fps_base = fps, 1.0
    scene.render.resolution_x, scene.render.resolution_y = width, height
    scene.render.resolution_percentage = 100
    editor = compat.sequence_editor(scene)
    for key, channel in CHANNELS.items():
        editor.channels[channel].name = CHANNEL_NAMES[key]
    total = timings[-1].end_frame
    for shot, timing, media in zip(plan["shots"], timings, shots, strict=True):
        start = FIRST_FRAME + timing.start_frame
        first = media.frames[0] if media.frames else media.picture
        picture = _own(
            compat.strips(scene).new_image(shot["id"], str(first), CHANNELS["picture"], start, fit_method=fit)
        )
        if abs(picture.transform.scale_x - 1.0) > 1e-3:  # a model's picture scaled up to the frame
            picture.transform.filter = PICTURE_FILTER
        if media.frames:
            for frame in media.frames[1 : timing.frames]:
                picture.elements.append(frame.name)
        picture.frame_final_duration = timing.frames
        if not media.frames:  # a generated clip moves by itself: no virtual camera move on it
            _animate_camera(picture, shot["camera"], start, start + timing.frames - 1, width, height)
        if shot["transition"] == "fade":
            picture.blend_type = "ALPHA_OVER"
            picture.blend_alpha = 0.0
            picture.keyframe_insert("blend_alpha", frame=start)
            picture.blend_alpha = 1.0
            picture.keyframe_insert("blend_alpha", frame=start + min(FADE_IN_FRAMES, timing.frames - 1))
        for number, line in enumerate(media.lines, start=1):
            line_start = FIRST_FRAME + round((timing.voice_start + line.offset) * fps)
            sound = _own(
                compat.strips(scene).new_sound(
                    f"{shot['id']}-line{number}", str(line.path), CHANNELS["dialogue"], line_start
                )
            )
            sound["storyloom_speaker"] = line.speaker
            _text(
                scene,
                f"{shot['id']}-subtitle{number}",
                line.text,
                CHANNELS["subtitles"],
                line_start,
                max(1, round(line.duration * fps)),
                min(width, height) * 0.05,  # the short side: the same text size in 16:9 and 9:16
                0.06,
                "BOTTOM",
            )
    _text(
        scene,
        "title",
        film["title"],
        CHANNELS["titles"],
        FIRST_FRAME,
        min(total, round(2.5 * fps)),
        min(width, height) * 0.08,
        0.25,  # below the storyboard card's header and text band, above the subtitles
        "CENTER",
    )
    if music is not None:
        music_strip = _own(
            compat.strips(scene).new_sound("music", str(music), CHANNELS["music"], FIRST_FRAME)
        )
        if music_strip.frame_final_duration > total:
            music_strip.frame_final_duration = total
        for seconds, gain in music_keys:
            music_strip.volume = gain
            music_strip.keyframe_insert("volume", frame=FIRST_FRAME + seconds * fps)
    scene.frame_start, scene.frame_end = FIRST_FRAME, FIRST_FRAME + total - 1
    return {"frames": total, "strips": sum(1 for s in compat.all_strips(scene) if s.get(OWNER_KEY))}


@contextmanager
def master_audio(scene: bpy.types.Scene, master_wav: Path) -> Iterator[None]:
    """While rendering, play the mastered mix instead of the separate voice and music strips.

    The edit itself keeps its separate, editable strips; they are unmuted again afterwards.
    """
    sounds = [s for s in compat.all_strips(scene) if s.get(OWNER_KEY) and s.type == "SOUND" and not s.mute]
    for strip in sounds:
        strip.mute = True
    master = _own(compat.strips(scene).new_sound("master", str(master_wav), CHANNELS["master"], FIRST_FRAME))
    try:
        yield
    finally:
        compat.strips(scene).remove(master)
        for strip in sounds:
            strip.mute = False
