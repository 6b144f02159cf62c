"""Timing of the edit: shot lengths from the plan and its speech, music ducked under voice.

Pure arithmetic on seconds and frames, so every rule here is tested in milliseconds.
"""

from __future__ import annotations

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
    lead_in: float = 0.4  # seconds of picture before a shot's first line starts
    lead_out: float = 0.6  # seconds of picture after its last line ends


def speech_need(spoken: float, settings: SyncSettings = SyncSettings()) -> float:
    """Seconds a shot needs to hold ``spoken`` seconds of speech (0 for a silent shot)."""
    return settings.lead_in + spoken + settings.lead_out if spoken > 0 else 0.0


def time_shots(
    speech: list[float],
    hints: list[float],
    fps: int,
    settings: SyncSettings = SyncSettings(),
) -> tuple[list[ShotTiming], list[int]]:
    """Lay shots end to end, each lasting its plan's duration hint unless its speech needs longer.

    Returns the timings and the indices of shots that run past their hint (a line is never cut
    off). Cuts are placed on the running total of the lengths, so every shot is within one frame
    of its length and rounding never accumulates along the film.
    """
    timings: list[ShotTiming] = []
    overruns: list[int] = []
    start_frame = 0
    running = 0.0  # seconds from the film's start to the end of the current shot
    for index, (spoken, hint) in enumerate(zip(speech, hints, strict=True)):
        need = speech_need(spoken, settings)
        if need > hint + 1e-9:
            overruns.append(index)
        running += max(hint, need)
        end_frame = max(start_frame + 1, round(running * fps))
        # Rounding to frames must not make the shot shorter than its line needs.
        while (end_frame - start_frame) / fps < need - 1e-9:
            end_frame += 1
        running = max(running, end_frame / fps - 0.5 / fps)
        voice_start = start_frame / fps + settings.lead_in
        timings.append(ShotTiming(start_frame, end_frame, voice_start, voice_start + spoken))
        start_frame = end_frame
    return timings, overruns


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
