"""The zero-download backends, in the runtime Python: cards, music, mastering."""

from __future__ import annotations

import numpy as np
import pyloudnorm
from PIL import Image

from addon.runtime.backends.loudness import limit, master, read_wav
from addon.runtime.backends.music_procedural import SAMPLE_RATE, beat_grid, compose, write_wav
from addon.runtime.backends.previz_card import encode_png, render_card


class Context:
    def __init__(self):
        self.artifacts = []

    def artifact(self, path, **info):
        self.artifacts.append(str(path))


def test_card_is_a_valid_png_at_the_film_size(tmp_path):
    pixels = render_card(1080, 1920, ["#112233", "#ddeeff"], 7, "Title", "A café at dawn, 🌅 steam rising")
    path = tmp_path / "card.png"
    path.write_bytes(encode_png(pixels))
    image = Image.open(path)
    assert image.size == (1080, 1920) and image.mode == "RGB"
    assert np.array_equal(np.asarray(image), pixels)  # the PNG holds exactly what was drawn
    assert pixels[:, :, 0].std() > 5  # not a flat fill: gradient, light and text


def test_music_is_deterministic_and_on_its_beat_grid():
    a, grid = compose(8.0, 120, "A", "minor", 0.8, seed=3)
    b, _ = compose(8.0, 120, "A", "minor", 0.8, seed=3)
    assert np.array_equal(a, b) and a.shape == (8 * SAMPLE_RATE, 2)
    assert grid == beat_grid(8.0, 120) and grid[:3] == [0.0, 0.5, 1.0]
    assert 0.7 < np.abs(a).max() <= 0.8 + 1e-6


def test_limiter_never_passes_the_ceiling():
    rng = np.random.default_rng(0)
    loud = rng.standard_normal((SAMPLE_RATE, 2)).astype(np.float32) * 0.9
    limited = limit(loud, SAMPLE_RATE, ceiling_db=-1.0)
    assert np.abs(limited).max() <= 10 ** (-1 / 20) + 1e-6


def test_master_hits_the_loudness_target(tmp_path):
    samples, _ = compose(10.0, 100, "C", "major", 0.7, seed=1)
    write_wav(tmp_path / "mix.wav", samples * 0.2)
    context = Context()
    result = master(
        {"path": str(tmp_path / "mix.wav"), "output": str(tmp_path / "master.wav"), "target_lufs": -14.0},
        context,
    )
    mastered, rate = read_wav(str(tmp_path / "master.wav"))
    assert abs(pyloudnorm.Meter(rate).integrated_loudness(mastered.astype(np.float64)) + 14.0) < 0.5
    assert result["peak_dbfs"] <= -1.0 + 0.01 and context.artifacts == [str(tmp_path / "master.wav")]


def test_card_text_stays_inside_every_camera_move_and_accents_keep_their_letter():
    """Text drawn only where a 12 % push-in with a 5 % pan still shows it, in 16:9 and 9:16."""
    for width, height in ((1920, 1080), (1080, 1920)):
        title = "Boulanger de Lyon qui se lève avant l'aube, une histoire de pain"
        card = render_card(width, height, ["#000000", "#000000"], 3, title, "CLOSE-UP OF A BAKER " * 6)
        ink = np.argwhere(card.max(axis=2) > 200)  # the white text on a black card
        left_crop = int(width * (1 - 1 / 1.12) / 2 + 0.05 * width)
        assert ink[:, 1].min() >= left_crop and ink[:, 1].max() < width - left_crop
    plain, accented = (render_card(320, 180, ["#000000"], 1, "", text) for text in ("LEVE", "lève"))
    np.testing.assert_array_equal(plain, accented)
