"""Generated audio on the timeline: sound strips at the playhead on Storyloom's named channels."""

from __future__ import annotations

import json
import math
import wave
from pathlib import Path

import bpy

from . import compat
from .timeline import CHANNEL_NAMES, CHANNELS, free_channel

LANES = {lane: CHANNELS[lane] for lane in ("dialogue", "music", "sfx")}
LANE_NAMES = {lane: CHANNEL_NAMES[lane] for lane in LANES}


def land_sound(scene, wav: Path, lane: str, start: int, label: str, job: dict):
    """A sound strip for ``wav`` at ``start`` on the lane's channel (or the next free one above)."""
    editor = compat.sequence_editor(scene)
    channel = LANES[lane]
    editor.channels[channel].name = LANE_NAMES[lane]
    with wave.open(str(wav), "rb") as file:
        seconds = file.getnframes() / file.getframerate()
    fps = scene.render.fps / scene.render.fps_base
    channel = free_channel(scene, start, start + math.ceil(seconds * fps), lowest=channel)
    strip = compat.strips(scene).new_sound(label[:60], str(wav), channel, start)
    if bpy.data.filepath:
        try:
            strip.sound.filepath = bpy.path.relpath(str(wav))
        except ValueError:
            pass
    strip["storyloom"] = lane
    strip["storyloom_job"] = json.dumps(job)  # what to regenerate it from: text/prompt, model, seed
    return strip
