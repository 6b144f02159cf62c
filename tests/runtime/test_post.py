"""The post layer's engines on synthetic pictures with known answers: interpolation, upscaling,
deflicker, colour matching and true-peak limiting (each checked on the files it writes)."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest

from addon.core.models import ModelError
from addon.core.post import check_ratio, check_upscale, output_times
from addon.core.validation import BadInput
from addon.runtime.backends import JobCancelled, JobContext
from addon.runtime.backends.colour_match import colour_match, delta_e_2000, to_lab
from addon.runtime.backends.deflicker import deflicker
from addon.runtime.backends.interpolate import interpolate
from addon.runtime.backends.loudness import OVERSAMPLE, limit, true_peak_db
from addon.runtime.backends.post_frames import read_frame, write_frame
from addon.runtime.backends.upscale import upscale, upscale_image, upscale_tiled

RATE = 48_000


def context() -> JobContext:
    events = []
    return JobContext("post", lambda kind, job_id, **data: events.append((kind, data)))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(1.0 / np.mean((a - b) ** 2)))


def texture(height: int, width: int, seed: int, blur: float) -> np.ndarray:
    noise = cv2.GaussianBlur(
        np.random.default_rng(seed).random((height, width, 3)).astype(np.float32), (0, 0), blur
    )
    return (noise - noise.min()) / (noise.max() - noise.min())


def moving_scene(index: int, height: int = 180, width: int = 240) -> np.ndarray:
    """A textured backdrop panning one way and a textured square moving the other (occlusions)."""
    backdrop = texture(height * 2, width * 2, 1, 3.0)
    shift = np.float32([[1, 0, -2.5 * index], [0, 1, -0.75 * index]])
    picture = cv2.warpAffine(
        backdrop, shift, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT
    )
    place = np.float32([[1, 0, 150 - 5 * index], [0, 1, 60 + 1.5 * index]])
    square = cv2.warpAffine(texture(60, 60, 2, 1.5), place, (width, height), flags=cv2.INTER_CUBIC)
    cover = cv2.warpAffine(np.ones((60, 60), np.float32), place, (width, height))[..., None]
    return np.clip(picture * (1 - cover) + square * cover, 0, 1)


def write_all(folder, pictures) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        str(write_frame(folder / f"in_{index:04d}.png", picture)) for index, picture in enumerate(pictures)
    ]


def test_flow_beats_repeat_by_3_db_and_blend_by_1_5_db_on_known_middle_frames(tmp_path):
    truth = [moving_scene(index) for index in range(13)]  # rendered at twice the rate
    kept = write_all(tmp_path / "in", truth[::2])
    scores = {}
    for method in ("repeat", "blend", "flow"):
        result = interpolate(
            {
                "frames": kept,
                "source_fps": 12,
                "target_fps": 24,
                "method": method,
                "output_dir": str(tmp_path / method),
            },
            context(),
        )
        assert len(result["frames"]) == 14 and result["fps"] == 24.0  # real-time length kept
        made = [read_frame(tmp_path / method / name) for name in result["frames"]]
        assert psnr(made[4], truth[4]) > 40  # a kept frame comes through as it was
        scores[method] = np.mean([psnr(made[index], truth[index]) for index in range(1, 12, 2)])
    assert scores["flow"] >= scores["repeat"] + 3.0, scores
    assert scores["flow"] >= scores["blend"] + 1.5, scores


@pytest.mark.parametrize(("source", "target", "count"), [(16, 24, 24), (24, 60, 40), (8, 24, 48)])
def test_any_ratio_keeps_the_clip_length(source, target, count):
    frames = 16
    times = output_times(frames, source, target)
    assert len(times) == count and times[0] == 0 and times[-1] == frames - 1
    inside = [time for time in times if time < frames - 1]  # the last frame holds its own duration
    assert all(
        later - earlier == pytest.approx(source / target) for earlier, later in itertools.pairwise(inside)
    )


@pytest.mark.parametrize(("source", "target"), [(24, 12), (8, 72), (0, 24)])
def test_ratios_outside_one_to_eight_are_refused(source, target):
    with pytest.raises(BadInput, match="frame rate|ratio"):
        check_ratio(source, target)


def test_a_one_frame_strip_is_refused_and_nothing_is_written(tmp_path):
    one = write_all(tmp_path / "in", [moving_scene(0)])
    with pytest.raises(BadInput, match="1 frame"):
        interpolate(
            {"frames": one, "source_fps": 12, "target_fps": 24, "output_dir": str(tmp_path / "out")},
            context(),
        )
    assert not (tmp_path / "out").exists()


def test_cancel_mid_sequence_leaves_no_folder(tmp_path):
    frames = write_all(tmp_path / "in", [moving_scene(index) for index in range(6)])
    ctx = context()
    seen = []
    original = ctx.progress

    def progress(step, total, preview=None):
        original(step, total)
        seen.append(step)
        if step == 3:
            ctx.cancelled.set()

    ctx.progress = progress
    with pytest.raises(JobCancelled):
        interpolate(
            {"frames": frames, "source_fps": 12, "target_fps": 24, "output_dir": str(tmp_path / "out")}, ctx
        )
    assert seen == [1, 2, 3] and sorted(path.name for path in tmp_path.iterdir()) == ["in"]


def detail_error(made: np.ndarray, truth: np.ndarray) -> float:
    """How far the picture's edges are from the truth's: mean gradient-magnitude difference."""

    def gradient(picture):
        luma = cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
        return np.hypot(cv2.Sobel(luma, cv2.CV_32F, 1, 0), cv2.Sobel(luma, cv2.CV_32F, 0, 1))

    return float(np.mean(np.abs(gradient(made) - gradient(truth))))


def shapes(height: int = 384, width: int = 512) -> np.ndarray:
    rng = np.random.default_rng(3)
    picture = texture(height, width, 4, 2.0)
    for index in range(24):
        colour = tuple(float(v) for v in rng.random(3))
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        if index % 2:
            cv2.circle(picture, (x, y), int(rng.integers(8, 50)), colour, -1, cv2.LINE_AA)
        else:
            cv2.rectangle(
                picture, (x, y), (x + int(rng.integers(8, 90)), y + int(rng.integers(8, 60))), colour, -1
            )
    return picture


def test_upscale_matches_bicubic_on_psnr_and_beats_it_on_detail():
    truth = shapes()
    small = cv2.resize(truth, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    ours = upscale_image(small, 4)
    bicubic = np.clip(cv2.resize(small, truth.shape[1::-1], interpolation=cv2.INTER_CUBIC), 0, 1)
    assert psnr(ours, truth) >= psnr(bicubic, truth)
    assert detail_error(ours, truth) < 0.95 * detail_error(bicubic, truth)


def test_tiled_and_untiled_agree_and_tile_borders_show_no_seam():
    small = cv2.resize(shapes(), None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    whole, tiled = upscale_image(small, 4), upscale_tiled(small, 4, tile=40, overlap=16)
    assert np.abs(whole - tiled).max() <= 1 / 255
    borders = [40 * 4 * k for k in range(1, small.shape[1] // 40 + 1) if 40 * 4 * k < whole.shape[1]]
    # A seam would be a jump across the border bigger than the jumps beside it.
    jump = np.mean([np.abs(tiled[:, x] - tiled[:, x - 1]).mean() for x in borders])
    beside = np.mean([np.abs(tiled[:, x + 3] - tiled[:, x + 2]).mean() for x in borders])
    assert jump < 1.5 * beside + 1 / 255


def test_upscale_job_writes_the_size_and_refuses_past_8k(tmp_path):
    source = write_frame(tmp_path / "small.png", shapes(96, 128))
    result = upscale({"image": str(source), "factor": 4, "output": str(tmp_path / "big.png")}, context())
    assert read_frame(tmp_path / "big.png").shape == (384, 512, 3) and result["width"] == 512
    with pytest.raises(BadInput, match="over 8K"):
        check_upscale(3000, 2000, 3)


def test_deflicker_halves_flicker_without_moving_edges(tmp_path):
    rng = np.random.default_rng(5)
    base = shapes(180, 240)
    gains = 1 + 0.12 * rng.standard_normal(24)
    flickering = [np.clip(base * np.float32(gain), 0, 1) for gain in gains]
    frames = write_all(tmp_path / "in", flickering)
    result = deflicker({"frames": frames, "output_dir": str(tmp_path / "out")}, context())
    made = [read_frame(tmp_path / "out" / name) for name in result["frames"]]

    def measured(pictures):
        luma = np.stack([cv2.cvtColor(p, cv2.COLOR_RGB2GRAY) for p in pictures])
        return float(np.mean(np.diff(luma, axis=0) ** 2))

    assert measured(made) <= 0.5 * measured(flickering)
    edges = cv2.Canny(np.uint8(base * 255), 50, 150) > 0
    for picture in made[::6]:
        assert np.mean((cv2.Canny(np.uint8(picture * 255), 50, 150) > 0) == edges) > 0.98


def test_colour_match_brings_tinted_shots_within_delta_e_3(tmp_path):
    base = shapes(120, 160)
    tints = [(1.0, 1.0, 1.0), (1.15, 0.95, 0.8), (0.8, 0.95, 1.2), (0.9, 1.1, 0.9)]
    shots = []
    for index, tint in enumerate(tints):
        frames = write_all(
            tmp_path / f"shot{index}", [np.clip(base * np.float32(tint) * (0.9 + 0.05 * index), 0, 1)] * 3
        )
        shots.append({"frames": frames, "output_dir": str(tmp_path / f"matched{index}")})
    result = colour_match({"shots": shots}, context())
    assert max(result["delta_e_before"][1:]) > 5  # the tints were visible
    means = [
        to_lab(read_frame(tmp_path / f"matched{i}" / "frame_0001.png")).reshape(-1, 3).mean(0)
        for i in range(4)
    ]
    assert all(delta_e_2000(mean, means[0]) < 3 for mean in means[1:])


def test_delta_e_2000_matches_the_published_test_pairs():
    # Sharma, Wu and Dalal (2005), table 1: pairs 1, 7 and 34.
    pairs = [
        ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
        ((50, 0, 0), (50, -1, 2), 2.3669),
        ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
    ]
    for first, second, expected in pairs:
        assert delta_e_2000(np.array(first), np.array(second)) == pytest.approx(expected, abs=1e-4)


def test_an_all_black_colour_reference_is_refused(tmp_path):
    black = write_frame(tmp_path / "black.png", np.zeros((32, 32, 3), np.float32))
    shot = write_all(tmp_path / "shot", [shapes(32, 32)])
    with pytest.raises(BadInput, match="black"):
        colour_match(
            {"shots": [{"frames": shot, "output_dir": str(tmp_path / "out")}], "reference_frame": str(black)},
            context(),
        )
    assert not (tmp_path / "out").exists()


def test_true_peak_limiter_holds_inter_sample_peaks_under_the_ceiling():
    # A tone at a quarter of the rate, phased so every sample misses the crest by 45 degrees:
    # the sample peak reads 3 dB under the true peak.
    time = np.arange(RATE) / RATE
    tone = (
        np.sin(2 * np.pi * (RATE / 4) * time + np.pi / 4)[:, None].repeat(2, axis=1).astype(np.float32) * 0.99
    )
    assert true_peak_db(tone) - 20 * np.log10(np.abs(tone).max()) > 2.5
    for ceiling in (-1.0, -2.0):
        limited = limit(tone, RATE, ceiling_db=ceiling)
        assert true_peak_db(limited) <= ceiling + 0.01
    # Measured independently: 8x oversampling by FFT.
    spectrum = np.fft.rfft(limit(tone, RATE, -1.0)[:, 0])
    upsampled = np.fft.irfft(spectrum, n=RATE * 2 * OVERSAMPLE) * 2 * OVERSAMPLE
    assert 20 * np.log10(np.abs(upsampled).max()) <= -1.0 + 0.05


def test_voice_polish_tames_sibilants_and_rumble_and_leaves_vowels_alone():
    from scipy.signal import butter, sosfiltfilt

    from addon.runtime.backends.voice_polish import polish_voice

    rng = np.random.default_rng(1)
    time = np.arange(RATE) / RATE
    vowel = sum(0.2 / k * np.sin(2 * np.pi * 180 * k * time) for k in range(1, 12))  # a voiced 180 Hz
    hiss = sosfiltfilt(butter(4, (5500, 9000), "bandpass", fs=RATE, output="sos"), rng.standard_normal(RATE))
    line = np.where(time < 0.6, vowel, 0.6 * hiss / np.abs(hiss).max()) + 0.2 * np.sin(2 * np.pi * 30 * time)
    polished = polish_voice(line.astype(np.float32), RATE)
    assert np.isfinite(polished).all() and polished.shape == line.shape

    def level(signal, start, end, band):
        filtered = sosfiltfilt(butter(4, band, "bandpass", fs=RATE, output="sos"), signal)
        return 20 * np.log10(np.sqrt(np.mean(filtered[int(start * RATE) : int(end * RATE)] ** 2)))

    assert level(polished, 0.65, 0.95, (5500, 9000)) <= level(line, 0.65, 0.95, (5500, 9000)) - 4  # "s" tamed
    assert (
        abs(level(polished, 0.1, 0.5, (150, 3000)) - level(line, 0.1, 0.5, (150, 3000))) < 0.5
    )  # vowel kept
    assert level(polished, 0.1, 0.5, (20, 45)) <= level(line, 0.1, 0.5, (20, 45)) - 6  # rumble gone


def test_learned_interpolator_tiny_twin_loads_from_safetensors_and_fits_the_timing(tmp_path):
    import torch

    from addon.runtime.backends.interpolate_rife import build_ifnet, convert, load_interpolator

    torch.manual_seed(0)
    twin = build_ifnet((16, 8, 8, 8))  # RIFE 4.6's layout, tiny widths, random weights
    released = tmp_path / "flownet.pkl"  # as released: a DDP pickle with extra keys
    torch.save(
        {**{f"module.{k}": v for k, v in twin.state_dict().items()}, "module.teacher.w": torch.ones(1)},
        released,
    )
    weights = convert(str(released), str(tmp_path / "rife.safetensors"))
    loaded = load_interpolator(str(weights))
    assert [loaded.net.block0.conv0[0][0].out_channels, loaded.net.block3.conv0[1][0].out_channels] == [8, 8]
    frames = write_all(tmp_path / "in", [moving_scene(index, 72, 100) for index in range(0, 8, 2)])  # not /32
    result = interpolate(
        {
            "frames": frames,
            "source_fps": 12,
            "target_fps": 24,
            "method": "model",
            "model_path": str(weights),
            "output_dir": str(tmp_path / "out"),
        },
        context(),
    )
    made = [read_frame(tmp_path / "out" / name) for name in result["frames"]]
    assert len(made) == 8 and all(frame.shape == (72, 100, 3) for frame in made)
    assert np.array_equal(made[2], read_frame(frames[1]))  # a kept frame is the source itself
    middle = made[1]  # what the (random) network made between frames 0 and 1
    assert 0 <= middle.min() and middle.max() <= 1 and not np.array_equal(middle, made[0])


def test_the_learned_interpolator_refuses_pickles(tmp_path):
    import torch

    from addon.runtime.backends.interpolate_rife import build_ifnet, load_interpolator

    state = build_ifnet((16, 8, 8, 8)).state_dict()
    torch.save(state, tmp_path / "weights.pth")
    with pytest.raises(ModelError, match="pickle") as refused:
        load_interpolator(str(tmp_path / "weights.pth"))
    assert refused.value.kind == "unsafe_weights" and "convert flownet.pkl" in str(refused.value)
    (tmp_path / "weights.pth").rename(tmp_path / "disguised.safetensors")  # a pickle by another name
    with pytest.raises(ModelError, match="pickle"):
        load_interpolator(str(tmp_path / "disguised.safetensors"))


def test_learned_upscaler_tiny_twin_through_spandrel_tiled_like_untiled(tmp_path):
    import torch
    from safetensors.torch import save_file
    from spandrel.architectures.ESRGAN import ESRGAN

    torch.manual_seed(0)
    twin = ESRGAN(num_filters=8, num_blocks=1, scale=2)  # Real-ESRGAN's layout, tiny, random weights
    weights = tmp_path / "tiny-esrgan-x2.safetensors"
    save_file({key: value.contiguous() for key, value in twin.state_dict().items()}, str(weights))
    source = write_frame(tmp_path / "small.png", shapes(40, 56))
    job = {"image": str(source), "method": "model", "model_path": str(weights), "device": "cpu"}
    whole = upscale({**job, "output": str(tmp_path / "whole.png"), "tile": 4096}, context())
    tiled = upscale({**job, "output": str(tmp_path / "tiled.png"), "tile": 24}, context())
    assert (tiled["width"], tiled["height"]) == (whole["width"], whole["height"])
    assert (whole["width"], whole["height"], whole["factor"]) == (112, 80, 2) and "ESRGAN" in whole["method"]
    a, b = read_frame(tmp_path / "whole.png"), read_frame(tmp_path / "tiled.png")
    assert a.shape == (80, 112, 3) and np.abs(a - b).max() <= 2 / 255  # 32 px of context per tile
    torch.save(twin.state_dict(), tmp_path / "x2.pth")
    with pytest.raises(ModelError, match="pickle"):
        upscale(
            {**job, "model_path": str(tmp_path / "x2.pth"), "output": str(tmp_path / "no.png")}, context()
        )
    assert not (tmp_path / "no.png").exists()


def test_the_registry_x4_upscaler_runs_on_its_tiny_twin_tiled(tmp_path):
    import subprocess
    import sys

    from addon.core.models import ModelSpec
    from addon.runtime.backends import sd_upscale
    from addon.runtime.devices import choose_placement

    folder = tmp_path / "tiny-sd-upscale"
    subprocess.run([sys.executable, "tests/tools/tiny_models.py", "sd-upscale", str(folder)], check=True)
    spec = ModelSpec(
        id="tiny-up", task="upscale", family="sd-upscale", source=str(folder), defaults={"steps": 2}
    )
    pipe = sd_upscale.load(spec, choose_placement("cpu", "auto", "sd-upscale"), tmp_path, False)
    source = write_frame(tmp_path / "small.png", shapes(40, 60))
    job = {"image": str(source), "settings": {"seed": 3}, "tile": 32}
    first = sd_upscale.upscale(pipe, spec, {**job, "output": str(tmp_path / "a.png")}, context())
    sd_upscale.upscale(pipe, spec, {**job, "output": str(tmp_path / "b.png")}, context())
    assert (first["width"], first["height"], first["factor"]) == (240, 160, 4)
    a, b = read_frame(tmp_path / "a.png"), read_frame(tmp_path / "b.png")
    assert a.shape == (160, 240, 3) and np.array_equal(a, b)  # one seed: the same picture
    with pytest.raises(BadInput, match="over 8K"):
        sd_upscale.upscale_picture(pipe, np.zeros((2100, 100, 3), np.float32), {"steps": 1}, context())


def test_deflicker_keeps_fades_and_cuts(tmp_path):
    base = shapes(90, 120)
    fade = [np.clip(base * np.float32(level), 0, 1) for level in np.linspace(0.0, 1.0, 12)]
    other = np.clip(shapes(90, 120)[::-1, ::-1] * np.float32(0.4), 0, 1)  # another picture, darker
    cut = [other] * 6 + [base] * 6
    for name, pictures in (("fade", fade), ("cut", cut)):
        frames = write_all(tmp_path / name, pictures)
        result = deflicker({"frames": frames, "output_dir": str(tmp_path / f"{name}-out")}, context())
        made = [read_frame(tmp_path / f"{name}-out" / frame) for frame in result["frames"]]
        # No flicker to remove: every frame stays as it was, within rounding.
        assert max(np.abs(a - b).mean() for a, b in zip(made, pictures, strict=True)) < 0.02, name


def test_the_full_size_ifnet_has_the_released_rife_46_keys_and_shapes():
    """The state dict a converted flownet v4.6 holds: 120 tensors, 30 per block (Practical-RIFE)."""
    from addon.runtime.backends.interpolate_rife import build_ifnet

    state = build_ifnet((192, 128, 96, 64)).state_dict()
    assert len(state) == 120
    expected = {
        "block0.conv0.0.0.weight": (96, 7, 3, 3),
        "block0.conv0.1.0.weight": (192, 96, 3, 3),
        "block0.convblock.7.beta": (1, 192, 1, 1),
        "block1.conv0.0.0.weight": (64, 12, 3, 3),
        "block2.convblock.3.conv.weight": (96, 96, 3, 3),
        "block3.lastconv.0.weight": (64, 24, 4, 4),
        "block3.lastconv.0.bias": (24,),
    }
    assert {key: tuple(state[key].shape) for key in expected} == expected
