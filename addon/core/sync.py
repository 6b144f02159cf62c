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


@dataclass(frozen=True)
class Edges:
    """How a shot's speech meets its picture: the voice's offset from the shot's first frame
    (negative for a J cut), the seconds the shot needs, and whether that is its exact length."""

    lead: float
    need: float
    exact: bool = False


def shot_edges(
    spoken: float,
    carried: float,
    cuts: tuple[float, float, float],
    gaps: tuple[float, float],
    settings: SyncSettings,
) -> Edges:
    """Where a shot's lines sit under J and L cuts.

    ``cuts``: (this shot's J cut, the next shot's J cut, this shot's L cut) in seconds; ``gaps``:
    (the turn gap before this shot's first line, before the next shot's). A J cut starts the first
    line before the picture; the shot before holds until that line starts plus a turn gap. An L
    cut ends the picture that long before the last line ends (the shot is exactly as long as
    that). ``carried``: how far the previous shot's line runs into this one; this shot's first
    line waits for it, whatever J cut was asked, so two lines never overlap.
    """
    j_cut, j_next, l_cut = cuts
    gap, gap_next = gaps
    wait = carried + gap if carried > 0 else 0.0
    hold_for_next = j_next + gap_next if j_next > 0 else 0.0
    if spoken <= 0:
        return Edges(max(settings.lead_in, wait), wait + hold_for_next if wait or hold_for_next else 0.0)
    if j_cut > 0:
        lead = max(-j_cut, wait) if wait > 0 else -j_cut
    else:
        lead = max(settings.lead_in, wait)
    if l_cut > 0:
        return Edges(lead, max(settings.min_shot, lead + spoken - l_cut), exact=True)
    return Edges(lead, max(settings.min_shot, lead + spoken + max(settings.lead_out, hold_for_next)))


def time_shots(
    speech: list[float],
    hints: list[float],
    fps: int,
    settings: SyncSettings = SyncSettings(),
    j_cuts: list[float] | None = None,
    l_cuts: list[float] | None = None,
    gaps: list[float] | None = None,
) -> tuple[list[ShotTiming], list[int]]:
    """Lay shots end to end, each lasting its plan's duration hint unless its speech needs longer.

    Returns the timings and the indices of shots that run past their hint (a line is never cut
    off). Cuts are placed on the running total of the lengths, so every shot is within one frame
    of its length and rounding never accumulates along the film. ``j_cuts``/``l_cuts`` (seconds
    per shot) overlap a shot's speech with the picture before or after it, ``gaps`` are the turn
    gaps before each shot's first line (see ``shot_edges``).
    """
    count = len(speech)
    j_cuts = [0.0, *(j_cuts or [0.0] * count)[1:]]  # the first shot has no picture before it
    l_cuts = [*(l_cuts or [0.0] * count)[:-1], 0.0]  # nor the last one after it
    gaps = gaps or [settings.turn_gap] * count
    timings: list[ShotTiming] = []
    overruns: list[int] = []
    start_frame = 0
    running = 0.0  # seconds from the film's start to the end of the current shot
    carried = 0.0  # seconds the previous shot's last line runs into this one
    for index, (spoken, hint) in enumerate(zip(speech, hints, strict=True)):
        following = min(index + 1, count - 1)
        cuts = (j_cuts[index], j_cuts[following] if index + 1 < count else 0.0, l_cuts[index])
        edges = shot_edges(spoken, carried, cuts, (gaps[index], gaps[following]), settings)
        if spoken > 0 and not edges.exact and edges.need > hint + 1e-9:
            overruns.append(index)
        running += edges.need if edges.exact else max(hint, edges.need)
        end_frame = max(start_frame + 1, round(running * fps))
        # Rounding to frames must not make the shot shorter than its line needs.
        while not edges.exact and (end_frame - start_frame) / fps < edges.need - 1e-9:
            end_frame += 1
        running = max(running, end_frame / fps - 0.5 / fps)
        voice_start = start_frame / fps + edges.lead
        timings.append(ShotTiming(start_frame, end_frame, voice_start, voice_start + spoken))
        carried = (
            max(0.0, voice_start + spoken - end_frame / fps)
            if spoken > 0
            else max(0.0, carried - (end_frame - start_frame) / fps)
        )
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
