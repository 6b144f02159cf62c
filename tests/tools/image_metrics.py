"""Picture measurements the tests assert on (numpy only, so both Pythons can use them)."""

from __future__ import annotations

import numpy as np


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a = a.ravel() - a.mean()
    b = b.ravel() - b.mean()
    return float((a * b).sum() / (np.sqrt((a * a).sum() * (b * b).sum()) + 1e-12))


def seam_error(rgb: np.ndarray) -> float:
    """How much less alike the two sides of the wrap-around seam are than ordinary neighbours.

    Tile the picture and look at the joins: the correlation between the last and first column
    (and last and first row) against the mean correlation of adjacent columns (rows) inside.
    Correlation, not plain difference, because zero padding also shifts edge brightness.
    About 0 for a seamless texture; about the neighbour correlation itself when the tiled
    edges are unrelated.
    """
    pixels = np.asarray(rgb, dtype=np.float64)[..., :3]
    errors = []
    for axis in (0, 1):
        lines = np.moveaxis(pixels, axis, 0)  # lines[i] is row i (axis 0) or column i (axis 1)
        inner = np.mean([_correlation(lines[i], lines[i + 1]) for i in range(len(lines) - 1)])
        errors.append(inner - _correlation(lines[-1], lines[0]))
    return float(np.mean(errors))
