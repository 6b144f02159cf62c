"""Lay a timed plan out on the Video Sequencer: picture, transitions, titles, captions, voice,
sound effects, ambience and music.

Every strip Storyloom makes carries ``strip["storyloom"]``, so a rebuild removes exactly
those and leaves the artist's own strips alone. Channels are named for what they hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import bpy

from ..core.captions import CaptionRules, Cue, visual_order
from ..core.sound_design import BED_LEVEL, SoundCue
from ..core.sync import ShotTiming
from ..core.voices import LINE_GAP
from . import compat, transitions
from .caption_strips import lay_captions

OWNER_KEY = "storyloom"
# Pictures alternate between two channels (an A/B roll) so transitions can overlap them; text
# sits above every picture and effect. Sound channels' order does not matter to the mix.
CHANNELS = {
    "dip": 1,
    "picture": 2,
    "picture_b": 3,
    "transitions": 4,
    "blur": 5,
    "dialogue": 7,
    "music": 8,
    "sfx": 9,
    "master": 10,
    "ambience": 11,
    "titles": 12,
    "captions": 13,
    "highlight": 14,
}
OVERFLOW_CHANNEL = 20  # sound cues that overlap on their own channel go from here up
CHANNEL_NAMES = {
    "dip": "Storyloom Dips",
    "picture": "Storyloom Picture A",
    "picture_b": "Storyloom Picture B",
    "transitions": "Storyloom Transitions",
    "blur": "Storyloom Whip Blur",
    "dialogue": "Storyloom Dialogue",
    "music": "Storyloom Music",
    "sfx": "Storyloom SFX",
    "master": "Storyloom Master (render only)",
    "ambience": "Storyloom Ambience",
    "titles": "Storyloom Titles",
    "captions": "Storyloom Captions",
    "highlight": "Storyloom Caption Highlight",
}
FIRST_FRAME = 1
# A model paints at its own size (512-1024 px); the sequencer scales it to the frame with this
# filter, the smoothest one Blender's strip transform has, until the post layer upscales.
PICTURE_FILTER = "CUBIC_MITCHELL"
FITS = ("FILL", "FIT")
TITLE_LOW, TITLE_HIGH = 0.23, 0.64  # where the title's baseline sits, as a fraction of the height

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
    words: list[dict] = field(default_factory=list)  # the voice's word timings (sidecar)


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


def free_channel(scene: bpy.types.Scene, start: int, end: int, lowest: int = 1) -> int:
    """The lowest channel from ``lowest`` up with nothing between ``start`` and ``end``."""
    taken = {
        strip.channel
        for strip in compat.all_strips(scene)
        if strip.frame_final_start < end and strip.frame_final_end > start
    }
    return next(channel for channel in range(lowest, 129) if channel not in taken)


def clear_owned(scene: bpy.types.Scene) -> int:
    """Remove Storyloom's strips (and only those); returns how many.

    Removing a strip also removes the effects that use it (a crossfade goes with its shots), so
    each strip is looked up again by name before it is removed.
    """
    names = [strip.name for strip in compat.all_strips(scene) if strip.get(OWNER_KEY)]
    removed = 0
    for name in names:
        strip = compat.all_strips(scene).get(name)
        if strip is not None:
            compat.strips(scene).remove(strip)
        removed += 1
    return removed


def _own(strip):
    strip[OWNER_KEY] = 1
    return strip


def _animate_camera(strip, move: str, first: int, last: int, width: int, height: int) -> None:
    scale_a, scale_b, offset_a, offset_b = CAMERA_MOVES[move]
    # Where the move starts and ends across (a whip-pan adds its own motion on top of it).
    strip["storyloom_camera_x"] = [offset_a[0] * width, offset_b[0] * width]
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


@dataclass
class EditExtras:
    """The sync layer's additions to the edit: captions, sound effects and beds."""

    captions: list[Cue] = field(default_factory=list)
    caption_rules: CaptionRules | None = None  # None: no burned-in captions
    sounds: list[tuple[SoundCue, Path]] = field(default_factory=list)


def layout(
    scene: bpy.types.Scene,
    plan: dict,
    timings: list[ShotTiming],
    shots: list[ShotMedia],
    music: Path | None,
    music_keys: list[tuple[float, float]],
    fit: str = "FILL",
    extras: EditExtras | None = None,
) -> dict:
    """Build the edit; returns a summary (strip counts, the film's frame range, transitions).

    ``fit``: how a picture of another size meets the frame: FILL (cover it, cropping the
    overflow) or FIT (all of the picture, bars where the aspect differs).
    """
    extras = extras or EditExtras()
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
    spans = transitions.picture_spans(plan["shots"], timings, fps)
    pictures = [
        _picture(scene, shot, span, media, index, fit)
        for index, (shot, span, media) in enumerate(zip(plan["shots"], spans, shots, strict=True))
    ]
    for shot, timing, media in zip(plan["shots"], timings, shots, strict=True):
        for number, line in enumerate(media.lines, start=1):
            line_start = FIRST_FRAME + round((timing.voice_start + line.offset) * fps)
            sound = _own(
                compat.strips(scene).new_sound(
                    f"{shot['id']}-line{number}", str(line.path), CHANNELS["dialogue"], line_start
                )
            )
            sound["storyloom_speaker"] = line.speaker
    placed = transitions.apply(scene, plan["shots"], timings, pictures, CHANNELS, FIRST_FRAME)
    rules = extras.caption_rules
    if rules is not None and extras.captions:
        lay_captions(
            scene, extras.captions, rules, FIRST_FRAME, (CHANNELS["captions"], CHANNELS["highlight"])
        )
    _title(scene, film["title"], min(total, round(2.5 * fps)), rules)
    _sounds(scene, extras.sounds, fps)
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
    return {
        "frames": total,
        "strips": sum(1 for s in compat.all_strips(scene) if s.get(OWNER_KEY)),
        "transitions": placed,
    }


def _picture(scene, shot: dict, span, media: ShotMedia, index: int, fit: str):
    """A shot's picture over its span (with transition overlaps), on the A or B channel."""
    film_width, film_height = scene.render.resolution_x, scene.render.resolution_y
    start = FIRST_FRAME + span.start
    channel = transitions.channel_for(index, CHANNELS["picture"], CHANNELS["picture_b"])
    first = media.frames[0] if media.frames else media.picture
    picture = _own(compat.strips(scene).new_image(shot["id"], str(first), channel, start, fit_method=fit))
    if abs(picture.transform.scale_x - 1.0) > 1e-3:  # a model's picture scaled up to the frame
        picture.transform.filter = PICTURE_FILTER
    if media.frames:
        for frame in media.frames[1 : span.frames]:
            picture.elements.append(frame.name)
    picture.frame_final_duration = span.frames
    if not media.frames:  # a generated clip moves by itself: no virtual camera move on it
        _animate_camera(picture, shot["camera"], start, start + span.frames - 1, film_width, film_height)
    return picture


def _title(scene, title: str, length: int, rules: CaptionRules | None) -> None:
    """The film's title: in the lower third, inside the title-safe area, unless the captions
    take that place (9:16 keeps them high, above the platform's buttons); then above the middle
    (clear of a storyboard card's text band too). Never over another text: nothing is drawn into
    a staged picture, and a stand-in's label is part of the 3D set."""
    size = min(scene.render.resolution_x, scene.render.resolution_y)
    captions_top = rules.bottom + 2.6 * rules.size * size / scene.render.resolution_y if rules else 0.0
    height = TITLE_LOW if captions_top + 0.02 < TITLE_LOW else TITLE_HIGH
    _text(
        scene,
        "title",
        visual_order(title),
        CHANNELS["titles"],
        FIRST_FRAME,
        length,
        size * 0.08,
        height,
        "BOTTOM",
    )


def _sounds(scene, sounds: list[tuple[SoundCue, Path]], fps: int) -> None:
    """Sound effects on their cues; ambience beds under their shots, faded in and out."""
    for number, (cue, wav) in enumerate(sounds, start=1):
        channel = CHANNELS["ambience"] if cue.bed else CHANNELS["sfx"]
        start = FIRST_FRAME + round(cue.start * fps)
        strip = _own(
            compat.strips(scene).new_sound(f"{cue.shot}-{cue.sound}{number}", str(wav), channel, start)
        )
        strip["storyloom_sfx"] = cue.sound
        if not cue.bed:
            continue
        length = strip.frame_final_duration
        fade = max(2, min(round(0.5 * fps), length // 4))
        for frame, gain in ((0, 0.0), (fade, BED_LEVEL), (length - fade, BED_LEVEL), (length, 0.0)):
            strip.volume = gain
            strip.keyframe_insert("volume", frame=start + frame)


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
