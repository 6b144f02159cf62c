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
    turn_gap: float = 0.35  # silence between one shot's last line and the next shot's first
    min_shot: float = 0.5  # a J or L cut never squeezes a shot below this


def speech_need(spoken: float, settings: SyncSettings = SyncSettings()) -> float:
    """Seconds a shot needs to hold ``spoken`` seconds of speech (0 for a silent shot)."""
    return settings.lead_in + spoken + settings.lead_out if spoken > 0 else 0.0


def _edges(index: int, spoken: float, hint: float, carried: float, j_cuts, l_cuts, settings):
    """(voice offset from the shot's start, seconds the shot needs) under J and L cuts.

    A J cut starts the shot's first line before its picture (a negative offset); the shot
    before it then holds until the line starts plus a turn gap. An L cut lets the last line run
    on over the next shot's picture, so this shot ends before its line does; ``carried`` is how
    far the previous shot's line runs into this one, which this shot's first line must wait for.
    """
    last = index + 1 == len(j_cuts)
    j = j_cuts[index] if index > 0 and spoken > 0 else 0.0
    j_next = 0.0 if last else j_cuts[index + 1]
    l_cut = 0.0 if last or spoken <= 0 else l_cuts[index]
    lead = -j if j > 0 else max(settings.lead_in, carried + settings.turn_gap if carried > 0 else 0.0)
    if l_cut > 0 and j <= 0:  # the line ends l_cut after the cut however long the shot holds
        lead = max(lead, hint - spoken + l_cut)
    if spoken <= 0:  # a silent shot still holds a line running into it and the next one's J cut
        return lead, carried + j_next + settings.turn_gap if carried or j_next else 0.0
    tail = -l_cut if l_cut > 0 else max(settings.lead_out, j_next + settings.turn_gap if j_next else 0.0)
    return lead, max(settings.min_shot, lead + spoken + tail)


def time_shots(
    speech: list[float],
    hints: list[float],
    fps: int,
    settings: SyncSettings = SyncSettings(),
    j_cuts: list[float] | None = None,
    l_cuts: list[float] | None = None,
) -> tuple[list[ShotTiming], list[int]]:
    """Lay shots end to end, each lasting its plan's duration hint unless its speech needs longer.

    Returns the timings and the indices of shots that run past their hint (a line is never cut
    off). Cuts are placed on the running total of the lengths, so every shot is within one frame
    of its length and rounding never accumulates along the film. ``j_cuts``/``l_cuts`` (seconds
    per shot) overlap a shot's speech with the picture before or after it (see ``_edges``).
    """
    j_cuts = j_cuts or [0.0] * len(speech)
    l_cuts = l_cuts or [0.0] * len(speech)
    timings: list[ShotTiming] = []
    overruns: list[int] = []
    start_frame = 0
    running = 0.0  # seconds from the film's start to the end of the current shot
    carried = 0.0  # seconds the previous shot's last line runs into this one
    for index, (spoken, hint) in enumerate(zip(speech, hints, strict=True)):
        lead, need = _edges(index, spoken, hint, carried, j_cuts, l_cuts, settings)
        if spoken > 0 and need > hint + 1e-9:
            overruns.append(index)
        running += max(hint, need)
        end_frame = max(start_frame + 1, round(running * fps))
        # Rounding to frames must not make the shot shorter than its line needs.
        while (end_frame - start_frame) / fps < need - 1e-9:
            end_frame += 1
        running = max(running, end_frame / fps - 0.5 / fps)
        voice_start = start_frame / fps + lead
        timings.append(ShotTiming(start_frame, end_frame, voice_start, voice_start + spoken))
        carried = max(0.0, voice_start + spoken - end_frame / fps) if spoken > 0 else 0.0
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
