"""Timing of the edit: shot lengths from speech, cuts on beats, music ducked under voice.

Pure arithmetic on seconds and frames, so every rule here is tested in milliseconds.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass


@dataclass(frozen=True)
class ShotTiming:
    start_frame: int
    end_frame: int  # exclusive
    voice_start: float  # seconds from the film's start; where the shot's line begins
    voice_end: float

    @property
    def frames(self) -> int:
        return self.end_frame - self.start_frame


@dataclass(frozen=True)
class SyncSettings:
    lead_in: float = 0.4  # seconds of picture before a line starts
    lead_out: float = 0.6  # seconds of picture after it ends
    min_shot: float = 1.5
    snap_to_beats: bool = True


def time_shots(
    speech: list[float],
    target: float,
    fps: int,
    beats: list[float] | None = None,
    settings: SyncSettings = SyncSettings(),
) -> list[ShotTiming]:
    """Lay shots end to end so each holds its speech plus padding and the film fills ``target``.

    Extra time is shared in proportion to each shot's need. Each cut then moves to the nearest
    beat, unless that beat would cut into the line before it (then the next beat, if it is
    within one beat of the cut; else the cut stays). The last shot ends at ``target`` unless
    the speech needs more, in which case the film runs long: a line is never cut off.
    """
    needs = [max(settings.min_shot, settings.lead_in + s + settings.lead_out) for s in speech]
    total = max(target, sum(needs))
    spare = total - sum(needs)
    desired = [need + spare * need / sum(needs) for need in needs]
    beats = sorted(beats or [])
    beat_length = beats[1] - beats[0] if len(beats) > 1 else 0.0
    timings: list[ShotTiming] = []
    start = 0.0
    for index, (need, length, spoken) in enumerate(zip(needs, desired, speech, strict=True)):
        earliest = start + need
        if index == len(speech) - 1:
            cut = max(total, earliest)
        else:
            cut = max(earliest, start + length)
            if settings.snap_to_beats and beats:
                cut = _snap(start + length, earliest, beats, beat_length)
        start_frame = round(start * fps)
        end_frame = max(start_frame + 1, round(cut * fps))
        # Rounding to frames must not make the shot shorter than its line needs.
        while end_frame / fps < earliest - 1e-9:
            end_frame += 1
        voice_start = start_frame / fps + settings.lead_in
        timings.append(ShotTiming(start_frame, end_frame, voice_start, voice_start + spoken))
        start = end_frame / fps
    return timings


def _snap(desired: float, earliest: float, beats: list[float], beat_length: float) -> float:
    index = bisect.bisect_left(beats, desired)
    candidates = [beats[i] for i in (index - 1, index) if 0 <= i < len(beats)]
    nearest = min(candidates, key=lambda b: abs(b - desired)) if candidates else desired
    if nearest >= earliest:
        return nearest
    later = beats[bisect.bisect_left(beats, earliest)] if earliest <= beats[-1] else None
    if later is not None and later - desired <= beat_length:
        return later
    return max(desired, earliest)


def duck_keyframes(
    voice: list[tuple[float, float]],
    base: float,
    depth_db: float,
    attack: float,
    release: float,
) -> list[tuple[float, float]]:
    """Volume keyframes (seconds, gain) that dip music by ``depth_db`` under each voice span.

    The dip is fully down when a line starts (it begins ``attack`` earlier) and rises over
    ``release`` after the line ends; lines closer than attack + release stay ducked between.
    """
    ducked = base * 10 ** (-depth_db / 20)
    spans: list[list[float]] = []
    for start, end in sorted(voice):
        if spans and start - attack <= spans[-1][1] + release:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    keys: list[tuple[float, float]] = [(0.0, base)]
    for start, end in spans:
        keys += [(max(0.0, start - attack), base), (start, ducked), (end, ducked), (end + release, base)]
    # A span that starts at 0 makes two keys at 0: keep the ducked one.
    cleaned: dict[float, float] = {}
    for time, gain in keys:
        cleaned[round(time, 6)] = gain
    return sorted(cleaned.items())
