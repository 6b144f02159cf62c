"""Procedural sound effects and ambience beds: numpy and scipy DSP, nothing to download.

Each cue of core/sounds.py is a short recipe of filtered noise, envelopes, chirps,
resonators and grains. The same seed gives the same samples. Intensity scales the level
only, so a cue keeps its character when the artist turns it down. One-shots peak near full
scale; beds sit well under dialogue and fade in and out so they can be looped or cut anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import signal

from ...core.audio import SAMPLE_RATE
from ...core.sounds import AMBIENCES, check_sfx_params, onset_of
from ...core.validation import MAX_SEED, check_int_range, check_text
from . import JobContext
from .audio_io import write_wav

ONE_SHOT_PEAK = 0.95  # under the 0.98 ceiling, so 16-bit rounding never clips
BED_PEAK = 0.25  # a bed sits about 12 dB under a one-shot: it must not fight the dialogue
# Room tone is near-silence by definition; a steady tone and bright chirps sound louder
# than noise at the same peak.
BED_PEAKS = {"room-tone": 0.06, "hum": 0.15, "birds": 0.2}
BED_FADE_S = 0.25
TAIL_FADE_S = 0.005  # a cut-off waveform clicks; 5 ms of fade is inaudible as a fade

Synth = Callable[[int, np.random.Generator], np.ndarray]


# -- building blocks ----------------------------------------------------------------------------
def _time(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.float64) / SAMPLE_RATE


def _filter(
    x: np.ndarray, kind: str, freq: float | tuple[float, float], order: int = 4, rate: int = SAMPLE_RATE
) -> np.ndarray:
    sos = signal.butter(order, freq, btype=kind, fs=rate, output="sos")
    return signal.sosfilt(sos, x)


def _unit(x: np.ndarray) -> np.ndarray:
    """``x`` at an RMS of 1, so a recipe mixes its layers by the ratios it writes."""
    rms = float(np.sqrt(np.mean(np.square(x))))
    return x / rms if rms > 0 else x


def _peak(x: np.ndarray) -> np.ndarray:
    """``x`` at a peak of 1: for sparse layers (crackles), whose RMS says little about loudness."""
    peak = float(np.max(np.abs(x)))
    return x / peak if peak > 0 else x


def _pink(rng: np.random.Generator, n: int) -> np.ndarray:
    # Paul Kellet's IIR approximation of a -3 dB/octave slope, accurate within 0.5 dB.
    b = [0.049922035, -0.095993537, 0.050612699, -0.004408786]
    a = [1.0, -2.494956002, 2.017265875, -0.522189400]
    return signal.lfilter(b, a, rng.standard_normal(n))


def _brown(rng: np.random.Generator, n: int) -> np.ndarray:
    # A leaky integrator: -6 dB/octave like brown noise, but it cannot drift away.
    return signal.lfilter([1.0], [1.0, -0.997], rng.standard_normal(n))


def _slow_random(
    rng: np.random.Generator, n: int, period: float, low: float, high: float, rate: int = SAMPLE_RATE
) -> np.ndarray:
    """A smooth random control curve (gusts, swells): a new level every ``period`` s, eased.

    Eased on a 1 ms grid, then stretched linearly to the samples: a control curve needs no
    more detail, and a cosine per sample made long beds slow.
    """
    step = rate // 1000
    position = np.arange(n // step + 2) * step / (period * rate)
    knots = rng.uniform(low, high, int(position[-1]) + 2)
    index = position.astype(int)
    ease = (1 - np.cos(np.pi * (position - index))) / 2
    coarse = knots[index] * (1 - ease) + knots[index + 1] * ease
    return np.interp(np.arange(n), np.arange(len(coarse)) * step, coarse)


def _sweep_band(x: np.ndarray, centre: Callable[[np.ndarray], np.ndarray], octaves: float) -> np.ndarray:
    """Band-pass ``x`` around a centre that moves with time (``centre(0..1)`` in Hz).

    A Gaussian gain in log-frequency per STFT frame: a moving filter without a per-sample loop.
    """
    frame = min(1024, 2 ** int(np.log2(max(len(x), 16))))  # 21 ms, or less for a tiny clip
    freqs, times, spectrum = signal.stft(x, fs=SAMPLE_RATE, nperseg=frame)
    centres = centre(np.clip(times / (len(x) / SAMPLE_RATE), 0, 1))
    distance = np.log2(np.maximum(freqs, 1.0)[:, None] / centres[None, :])
    gain = np.exp(-0.5 * (distance / octaves) ** 2)
    _, y = signal.istft(spectrum * gain, fs=SAMPLE_RATE, nperseg=frame)
    return np.pad(y, (0, max(0, len(x) - len(y))))[: len(x)]


def _resonate(impulses: np.ndarray, freq: float, decay: float) -> np.ndarray:
    """Ring each impulse as a damped sine at ``freq`` (a two-pole resonator): droplets, crackles."""
    r = np.exp(-1.0 / (decay * SAMPLE_RATE))
    w = 2 * np.pi * freq / SAMPLE_RATE
    return signal.lfilter([1 - r], [1.0, -2 * r * np.cos(w), r * r], impulses)


def _impulses(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """Random-time impulses at ``rate`` per second, sizes heavy-tailed (few large, many small)."""
    track = np.zeros(n)
    count = rng.poisson(rate * n / SAMPLE_RATE)
    # Capped, so one freak drop cannot set the peak and push the whole bed down.
    sizes = np.minimum(rng.exponential(1.0, count), 4.0) * rng.choice((-1.0, 1.0), count)
    np.add.at(track, rng.integers(0, n, count), sizes)
    return track


def _add(track: np.ndarray, grain: np.ndarray, start: int) -> None:
    end = min(len(track), start + len(grain))
    if 0 <= start < end:
        track[start:end] += grain[: end - start]


def _tone(freqs: np.ndarray) -> np.ndarray:
    """A sine following a frequency contour (Hz per sample): chirps, drops, bird calls."""
    return np.sin(2 * np.pi * np.cumsum(freqs) / SAMPLE_RATE)


# -- one-shots ----------------------------------------------------------------------------------
def whoosh(n: int, rng: np.random.Generator) -> np.ndarray:
    """Noise in a band that sweeps up to ~2.8 kHz and back (doppler-like), under a bell."""
    mid = onset_of("whoosh", 1.0)
    bell = np.exp(-0.5 * ((np.linspace(0, 1, n) - mid) / 0.16) ** 2)
    band = _sweep_band(
        rng.standard_normal(n), lambda u: 350 * 8 ** np.exp(-0.5 * ((u - mid) / 0.2) ** 2), 0.6
    )
    return _unit(band) * bell


def riser(n: int, rng: np.random.Generator) -> np.ndarray:
    """A three-octave rising tone and a noise band rising with it, swelling to the very end."""
    t, seconds = _time(n), n / SAMPLE_RATE
    tone = sum(signal.chirp(t, 110 * k, seconds, 880 * k, method="logarithmic") / k for k in (1, 2, 3))
    noise = _sweep_band(rng.standard_normal(n), lambda u: 300 * 20**u, 1.0)
    swell = np.linspace(0, 1, n) ** 2.5  # slow at first, steep at the end: tension, then the cut
    return (0.6 * _unit(tone) + _unit(noise)) * swell


def impact(n: int, rng: np.random.Generator) -> np.ndarray:
    """A boom falling from ~95 to 35 Hz, a noise burst, a low rumble tail; 2 ms attack."""
    t = _time(n)
    boom = _tone(35 + 60 * np.exp(-t / 0.08)) * np.exp(-t / 0.3)
    burst = _unit(_filter(rng.standard_normal(n), "lowpass", 3000)) * np.exp(-t / 0.03)
    rumble = _unit(_filter(_brown(rng, n), "lowpass", 120)) * np.exp(-t / 0.5)
    return (boom + 0.5 * burst + 0.25 * rumble) * np.minimum(1, t / 0.002)


def hit(n: int, rng: np.random.Generator) -> np.ndarray:
    """A bright crack (1.2-7 kHz noise, 12 ms decay) over a short falling body."""
    t = _time(n)
    crack = _unit(_filter(rng.standard_normal(n), "bandpass", (1200, 7000))) * np.exp(-t / 0.012)
    body = _tone(140 + 80 * np.exp(-t / 0.02)) * np.exp(-t / 0.07)
    return (crack + 0.8 * body) * np.minimum(1, t / 0.0005)


def click(n: int, rng: np.random.Generator) -> np.ndarray:
    """A ~3 kHz ping and a tick, both gone within a few milliseconds."""
    t = _time(n)
    ping = np.sin(2 * np.pi * rng.uniform(2500, 3500) * t) * np.exp(-t / 0.002)
    tick = _unit(_filter(rng.standard_normal(n), "highpass", 2000)) * np.exp(-t / 0.0004)
    return ping + 0.2 * tick


# -- beds ---------------------------------------------------------------------------------------
def room_tone(n: int, rng: np.random.Generator) -> np.ndarray:
    """Soft air (low-passed pink noise) over a low rumble, drifting a little in level."""
    air = _unit(_filter(_pink(rng, n), "lowpass", 3000))
    rumble = _unit(_filter(_brown(rng, n), "lowpass", 150))
    return (0.6 * air + rumble) * _slow_random(rng, n, 4.0, 0.85, 1.0)


def wind(n: int, rng: np.random.Generator) -> np.ndarray:
    """Low-passed noise under slow gusts; a band that whistles only when a gust peaks."""
    gust = _slow_random(rng, n, 2.5, 0.25, 1.0)
    body = _unit(_filter(rng.standard_normal(n), "lowpass", 500, order=6))
    whistle = _unit(_filter(rng.standard_normal(n), "bandpass", (250, 700), order=3))
    return body * gust + 0.5 * whistle * gust**2


def rain(n: int, rng: np.random.Generator) -> np.ndarray:
    """Droplets (impulses ringing briefly, ~900 a second) over a high hiss.

    Sixteen resonators at random pitches, each damped within 2 ms: few fixed pitches would
    ring as tones, and the ear would hear wind chimes instead of water.
    """
    hiss = _unit(_filter(_pink(rng, n), "highpass", 1500))
    drops = sum(
        _resonate(_impulses(rng, n, 55), freq, 0.002)
        for freq in np.geomspace(1500, 7000, 16) * rng.uniform(0.9, 1.1, 16)
    )
    patter = _resonate(_impulses(rng, n, 40), 900, 0.006)  # the odd big drop on something hollow
    return 0.35 * hiss + _unit(drops) + 0.3 * _peak(patter)


def city(n: int, rng: np.random.Generator) -> np.ndarray:
    """A low rumble, cars passing (swells of mid noise) and the odd distant two-tone horn."""
    rumble = _unit(_filter(_brown(rng, n), "lowpass", 180))
    passes = np.full(n, 0.2)
    t, seconds = _time(n), n / SAMPLE_RATE
    for _ in range(rng.poisson(seconds / 3) + 1):
        centre, width = rng.uniform(0, seconds), rng.uniform(1.5, 4.0)
        lo, hi = (max(0, int((centre + s * 3 * width) * SAMPLE_RATE)) for s in (-1, 1))
        passes[lo:hi] += rng.uniform(0.3, 1.0) * np.exp(-0.5 * ((t[lo:hi] - centre) / width) ** 2)
    traffic = _unit(_filter(rng.standard_normal(n), "bandpass", (80, 1500), order=2)) * passes
    horns = np.zeros(n)
    for _ in range(rng.poisson(seconds / 8)):
        length = int(rng.uniform(0.25, 0.7) * SAMPLE_RATE)
        pitch, u = rng.uniform(330, 480), _time(length)
        note = sum(np.sin(2 * np.pi * pitch * ratio * k * u) / k for ratio in (1, 1.26) for k in range(1, 6))
        fade = np.minimum(1, np.minimum(u, u[-1] - u) / 0.02)
        _add(horns, note * fade * rng.uniform(0.3, 1.0), int(rng.uniform(0, seconds) * SAMPLE_RATE))
    distant = _filter(horns, "lowpass", 2000) / 3  # far off: dull and quiet
    return 0.6 * rumble + traffic + 0.35 * distant


def _voice(rng: np.random.Generator, n: int, rate: int) -> np.ndarray:
    """One murmuring voice: a buzzing source through two formants, spoken in syllables."""
    pitch = rng.uniform(95, 230) * (1 + 0.08 * _slow_random(rng, n, 0.4, -1, 1, rate))  # intonation
    phase = np.cumsum(pitch) / rate
    source = 2 * (phase % 1.0) - 1 + 0.3 * rng.standard_normal(n)  # a sawtooth: a buzz rich in harmonics
    f1, f2 = rng.uniform(350, 800), rng.uniform(1100, 2400)
    first = _unit(_filter(source, "bandpass", (f1 / 1.3, f1 * 1.3), 2, rate))
    second = _unit(_filter(source, "bandpass", (f2 / 1.2, f2 * 1.2), 2, rate))
    syllable = np.cumsum(rng.uniform(3.0, 5.0) * (1 + 0.3 * _slow_random(rng, n, 0.3, -1, 1, rate))) / rate
    phrases = np.clip(_slow_random(rng, n, 1.5, -0.5, 1.5, rate), 0, 1)  # talk, pause, talk
    # The two formants swell on alternate half-syllables, so the vowel seems to change.
    return (first * np.sin(np.pi * syllable) ** 2 + 0.5 * second * np.cos(np.pi * syllable) ** 2) * phrases


def crowd(n: int, rng: np.random.Generator) -> np.ndarray:
    """Twelve overlapping voices, dulled by distance, over a soft pink-noise room.

    The voices are made at a quarter of the rate and then upsampled: they are cut at 3.5 kHz
    anyway, and twelve full-rate voices made a two-minute bed take seconds longer.
    """
    factor = 4
    rate, low_n = SAMPLE_RATE // factor, -(-n // factor)
    voices = sum(_voice(rng, low_n, rate) * rng.uniform(0.4, 1.0) for _ in range(12))
    voices = signal.resample_poly(_filter(voices, "lowpass", 3500, 4, rate), factor, 1)[:n]
    room = _unit(_filter(_pink(rng, n), "bandpass", (200, 2000), order=2))
    return _unit(voices) + 0.3 * room


def ocean(n: int, rng: np.random.Generator) -> np.ndarray:
    """A wave every 5-9 s: a slow rise, the break, a long wash; the break brightens the surf."""
    t, seconds = _time(n), n / SAMPLE_RATE
    swell = np.full(n, 0.15)
    start = -rng.uniform(0, 6)  # the clip opens somewhere inside a wave, not on its start
    while start < seconds:
        period, level = rng.uniform(5, 9), rng.uniform(0.6, 1.0)
        crest = start + 0.6 * period
        lo, mid, hi = (int(np.clip(x * SAMPLE_RATE, 0, n)) for x in (start, crest, start + 2 * period))
        swell[lo:mid] += level * ((t[lo:mid] - start) / (crest - start)) ** 2
        swell[mid:hi] += level * np.exp(-(t[mid:hi] - crest) / (0.35 * period))
        start += period
    low = _unit(_filter(rng.standard_normal(n), "lowpass", 400))
    high = _unit(_filter(rng.standard_normal(n), "bandpass", (600, 5000)))
    return low * swell + 0.7 * high * swell**2


def fire(n: int, rng: np.random.Generator) -> np.ndarray:
    """A flickering low roar, crackles (ringing impulses) and pops (short noise grains)."""
    roar = _unit(_filter(_brown(rng, n), "lowpass", 300)) * _slow_random(rng, n, 0.3, 0.6, 1.0)
    bursts = _slow_random(rng, n, 0.5, 0.0, 1.0) ** 3  # crackles come in bursts, not evenly
    crackles = sum(_resonate(_impulses(rng, n, 40) * bursts, f, 0.0015) for f in (1800, 3000, 4500))
    pops = np.zeros(n)
    for _ in range(rng.poisson(1.5 * n / SAMPLE_RATE)):
        length = int(rng.uniform(0.005, 0.015) * SAMPLE_RATE)
        grain = rng.standard_normal(length) * np.exp(-np.arange(length) / (length / 4))
        _add(pops, grain * rng.uniform(0.5, 1.5), int(rng.integers(0, n)))
    pops = _filter(pops, "bandpass", (500, 3000), order=2)
    return 0.25 * roar + _peak(crackles) + 0.6 * _peak(pops)


def _bird_phrase(rng: np.random.Generator) -> np.ndarray:
    """Two to five chirps of one bird: swept sines, some with a trill."""
    base, sweep = rng.uniform(2500, 5500), rng.uniform(0.6, 1.6)
    trill = rng.choice((0.0, rng.uniform(20, 40)))
    chirps = []
    for _ in range(rng.integers(2, 6)):
        t = _time(int(rng.uniform(0.04, 0.14) * SAMPLE_RATE))
        u = t / t[-1]
        freqs = base * sweep**u * (1 + 0.08 * np.sin(2 * np.pi * trill * t))
        gap = np.zeros(int(rng.uniform(0.03, 0.08) * SAMPLE_RATE))
        chirps += [_tone(freqs) * np.sin(np.pi * u) ** 2, gap]
    return np.concatenate(chirps)


def birds(n: int, rng: np.random.Generator) -> np.ndarray:
    """Phrases of chirps at random times over the faint air of leaves."""
    song = np.zeros(n)
    time = rng.exponential(0.6)
    while time * SAMPLE_RATE < n:
        phrase = _bird_phrase(rng)
        _add(song, phrase * rng.uniform(0.3, 1.0), int(time * SAMPLE_RATE))
        time += len(phrase) / SAMPLE_RATE + rng.exponential(0.5)
    leaves = _unit(_filter(_pink(rng, n), "highpass", 2000))
    return song + 0.03 * leaves


def hum(n: int, rng: np.random.Generator) -> np.ndarray:
    """50 or 60 Hz mains and its harmonics (the 2nd strongest, as in a transformer), wobbling."""
    mains, t = rng.choice((50.0, 60.0)), _time(n)
    levels = (0.5, 1.0, 0.45, 0.2, 0.25, 0.1, 0.08)
    phases = rng.uniform(0, 2 * np.pi, len(levels))
    tone = sum(
        level * np.sin(2 * np.pi * mains * k * t + phase)
        for k, (level, phase) in enumerate(zip(levels, phases, strict=True), 1)
    )
    wobble = 1 + 0.05 * _slow_random(rng, n, 1.5, -1, 1)
    return tone * wobble + 0.03 * _unit(_pink(rng, n))


SYNTHS: dict[str, Synth] = {
    "whoosh": whoosh,
    "riser": riser,
    "impact": impact,
    "hit": hit,
    "room-tone": room_tone,
    "wind": wind,
    "rain": rain,
    "city": city,
    "crowd": crowd,
    "ocean": ocean,
    "fire": fire,
    "birds": birds,
    "hum": hum,
    "click": click,
}


# -- level and the job --------------------------------------------------------------------------
def _level(sound: str, samples: np.ndarray, intensity: float) -> np.ndarray:
    """Peak-normalise to the sound's level times intensity; fade beds in and out, cut tails clean."""
    samples = _filter(samples, "highpass", 20, order=2)  # no DC or sub-audio drift from the noises
    peak = float(np.max(np.abs(samples)))
    is_bed = sound in AMBIENCES
    target = (BED_PEAKS.get(sound, BED_PEAK) if is_bed else ONE_SHOT_PEAK) * intensity
    samples = samples * (target / peak) if peak > 0 else samples
    fade_in = min(len(samples) // 4, int(BED_FADE_S * SAMPLE_RATE)) if is_bed else 0
    fade_out = fade_in if is_bed else min(len(samples) // 4, int(TAIL_FADE_S * SAMPLE_RATE))
    if fade_in:
        samples[:fade_in] *= np.linspace(0, 1, fade_in)
    if fade_out:
        samples[-fade_out:] *= np.linspace(1, 0, fade_out)
    return samples.astype(np.float32)


def render(sound: str, duration: float, intensity: float, seed: int) -> np.ndarray:
    """Mono float32 samples at 48 kHz of a cue; arguments as :func:`check_sfx_params` returns them."""
    n = max(1, round(duration * SAMPLE_RATE))
    return _level(sound, SYNTHS[sound](n, np.random.default_rng(seed)), intensity)


def sfx(job: dict, ctx: JobContext) -> dict:
    """Task ``sfx``: a procedural cue as a 48 kHz mono WAV, and where its energy lands."""
    sound, duration, intensity = check_sfx_params(
        job.get("sound"), job.get("duration"), job.get("intensity", 0.7)
    )
    seed = check_int_range(job.get("seed", 0), "seed", 0, MAX_SEED)
    output = Path(check_text(job.get("output"), "output path", required=True))
    ctx.check_cancelled()
    samples = render(sound, duration, intensity, seed)
    ctx.progress(1, 2)
    ctx.check_cancelled()  # a long bed was cancelled while it rendered: land nothing
    write_wav(output, samples)
    seconds = len(samples) / SAMPLE_RATE
    ctx.artifact(output, duration=seconds)
    ctx.progress(2, 2)
    return {
        "output": str(output),
        "duration": seconds,
        "sound": sound,
        "onset": onset_of(sound, seconds),
        "intensity": intensity,
    }
