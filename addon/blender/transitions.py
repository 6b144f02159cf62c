"""How shots meet on the Sequencer: cut, crossfade, dip to black or white, wipe, whip-pan.

Pictures alternate between two channels (an A/B roll) so that a transition can overlap them:
the outgoing shot runs on past the cut and the incoming one starts before it, each by half the
transition, and an effect strip above mixes the two. The cut itself (and every spoken line)
stays where timing put it: a transition never moves or cuts a line.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.sound_design import transition_seconds
from ..core.sync import ShotTiming
from . import compat

OVERLAPPING = ("crossfade", "wipe", "whip-pan")  # both pictures are seen at once
DIPS = {"dip-black": (0.0, 0.0, 0.0), "dip-white": (1.0, 1.0, 1.0)}
FADE_IN_SECONDS = 0.5
WHIP_BLUR = 60.0  # pixels of blur at the middle of a whip-pan


@dataclass(frozen=True)
class Span:
    """Where a shot's picture strip sits: its first frame (0-based) and its length."""

    start: int
    frames: int
    head: int  # frames before the shot's cut (overlap with the previous shot)
    tail: int  # frames after its end cut (overlap with the next shot)


def _window(shot: dict, fps: int) -> int:
    return round(transition_seconds(shot) * fps) if shot.get("transition") in OVERLAPPING else 0


def picture_spans(shots: list[dict], timings: list[ShotTiming], fps: int) -> list[Span]:
    """Each picture's span with the overlaps its transitions need (half before the cut each side)."""
    spans = []
    for index, timing in enumerate(timings):
        window_in = _window(shots[index], fps) if index else 0
        window_out = _window(shots[index + 1], fps) if index + 1 < len(shots) else 0
        head, tail = window_in // 2, window_out - window_out // 2
        spans.append(Span(timing.start_frame - head, timing.frames + head + tail, head, tail))
    return spans


def channel_for(index: int, picture: int, picture_b: int) -> int:
    return picture if index % 2 == 0 else picture_b


def apply(
    scene, shots: list[dict], timings: list[ShotTiming], strips: list, channels: dict, first: int
) -> list:
    """Effect strips and keys for every transition; returns a record per transition."""
    fps = scene.render.fps
    width = scene.render.resolution_x
    records = []
    for index, shot in enumerate(shots):
        kind = shot.get("transition", "cut")
        if kind == "fade" and index > 0:
            kind = "dip-black"  # a fade between two shots is a fade out and in, through black
        cut = first + timings[index].start_frame
        if kind == "fade" and index == 0:
            frames = max(1, min(round(FADE_IN_SECONDS * fps), timings[0].frames - 1))
            _fade(strips[0], cut, cut + frames, 0.0, 1.0)
            records.append({"shot": shot["id"], "transition": "fade", "frames": frames})
            continue
        if index == 0 or kind == "cut" or kind == "fade":
            continue
        frames = max(2, round(transition_seconds(shot) * fps))
        start = cut - frames // 2
        before, after = strips[index - 1], strips[index]
        if kind in DIPS:
            _dip(scene, shot["id"], DIPS[kind], start, frames, before, after, channels["dip"])
        else:
            effect = "WIPE" if kind == "wipe" else "CROSS"
            mix = compat.new_effect_strip(
                scene,
                f"{shot['id']}-{kind}",
                effect,
                channels["transitions"],
                start,
                frames,
                input1=before,
                input2=after,
            )
            mix["storyloom"] = 1
            if kind == "whip-pan":
                _whip(scene, shot["id"], mix, before, after, start, frames, width, channels["blur"])
        records.append({"shot": shot["id"], "transition": kind, "frames": frames, "at": (cut - first) / fps})
    return records


def _fade(strip, start: int, end: int, alpha_from: float, alpha_to: float) -> None:
    strip.blend_type = "ALPHA_OVER"
    for frame, alpha in ((start, alpha_from), (end, alpha_to)):
        strip.blend_alpha = alpha
        strip.keyframe_insert("blend_alpha", frame=frame)


def _dip(scene, name: str, rgb, start: int, frames: int, before, after, channel: int) -> None:
    """The outgoing shot fades to a colour, the incoming one fades up from it."""
    colour = compat.new_effect_strip(scene, f"{name}-dip", "COLOR", channel, start, frames)
    colour.color = rgb
    colour["storyloom"] = 1
    middle = start + frames // 2
    _fade(before, start, middle - 1, 1.0, 0.0)
    _fade(after, middle, start + frames, 0.0, 1.0)


def _camera_x(strip, frame: int) -> float:
    """The strip's camera-move offset at ``frame`` (linear between its first and last frames)."""
    first_x, last_x = strip.get("storyloom_camera_x", (0.0, 0.0))
    first, last = strip.frame_final_start, strip.frame_final_end - 1
    share = 0.0 if last <= first else min(1.0, max(0.0, (frame - first) / (last - first)))
    return first_x + (last_x - first_x) * share


def _whip(scene, name: str, mix, before, after, start: int, frames: int, width: int, channel: int) -> None:
    """A fast pan: the outgoing picture flies out left, the incoming one in from the right (on
    top of their own camera moves), blurred most at the cut (a whoosh lands there: sound_design)."""
    end = start + frames
    outgoing_last, incoming_first = before.frame_final_end - 1, after.frame_final_start
    for strip, frame_from, frame_to, push_from, push_to in (
        (before, start, outgoing_last, 0.0, -width),
        (after, incoming_first, end, width, 0.0),
    ):
        transform = strip.transform
        for frame, push in ((frame_from, push_from), (frame_to, push_to)):
            transform.offset_x = _camera_x(strip, frame) + push
            transform.keyframe_insert("offset_x", frame=frame)
    blur = compat.new_effect_strip(
        scene, f"{name}-whip-blur", "GAUSSIAN_BLUR", channel, start, frames, input1=mix
    )
    blur["storyloom"] = 1
    for frame, size in ((start, 0.0), (start + frames // 2, WHIP_BLUR), (end, 0.0)):
        blur.size_x = size
        blur.keyframe_insert("size_x", frame=frame)
