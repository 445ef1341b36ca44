"""Periodicities of the onsets: the onset-strength envelope, its autocorrelation, and the
candidate tempi a comb over it proposes (with the related tempi of the strongest).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .onsets import Onsets

    FloatArray = npt.NDArray[np.float64]

__all__ = ["FRAME_RATE", "acf_at", "comb", "envelope_acf", "tempo_candidates"]

FRAME_RATE = 100.0  # envelope frames per second


def envelope_acf(ev: Onsets) -> FloatArray:
    """Autocorrelation (unbiased, normalised) of the onset-strength envelope."""
    import numpy as np

    t0 = float(ev.t[0])
    pos = (ev.t - t0) * FRAME_RATE
    n = int(pos[-1]) + 8
    env = np.zeros(n)
    i = np.floor(pos).astype(np.int64)
    frac = pos - i
    np.add.at(env, i, ev.w * (1.0 - frac))
    np.add.at(env, i + 1, ev.w * frac)
    kernel = np.exp(-0.5 * (np.arange(-4, 5) / 1.5) ** 2)
    env = np.convolve(env, kernel / kernel.sum(), mode="same")
    env -= env.mean()
    size = 1 << math.ceil(math.log2(2 * n))
    spec = np.fft.rfft(env, size)
    acf = np.fft.irfft(spec * np.conj(spec), size)[:n]
    acf /= np.maximum(n - np.arange(n), n / 4.0)
    if acf[0] > 0:
        acf /= acf[0]
    return acf


def acf_at(acf: FloatArray, lag_frames: FloatArray) -> FloatArray:
    import numpy as np

    return np.interp(lag_frames, np.arange(acf.size), acf, right=0.0)


def comb(acf: FloatArray, bpm: FloatArray) -> FloatArray:
    """Periodicity of the envelope at each tempo: the ACF at 1..4 beats."""
    lag = 60.0 * FRAME_RATE / bpm
    total = acf_at(acf, lag) + 0.0
    for k, weight in ((2, 0.8), (3, 0.5), (4, 0.7)):
        total = total + weight * acf_at(acf, k * lag)
    return total / 3.0


def tempo_candidates(acf: FloatArray, min_bpm: float, max_bpm: float) -> list[float]:
    import numpy as np

    grid = min_bpm * np.exp(np.arange(0.0, math.log(max_bpm / min_bpm) + 1e-9, 0.004))
    score = comb(acf, grid)
    peaks = [
        i for i in range(1, grid.size - 1) if score[i] >= score[i - 1] and score[i] > score[i + 1]
    ]
    peaks.sort(key=lambda i: -score[i])
    found: list[float] = [float(grid[i]) for i in peaks[:6]]
    if not found:
        found = [float(grid[int(np.argmax(score))])]
    best = found[0]
    for ratio in (0.5, 2.0, 2.0 / 3.0, 1.5, 1.0 / 3.0, 3.0, 0.75, 4.0 / 3.0):
        found.append(best * ratio)
    out: list[float] = []
    for bpm in found:
        if min_bpm <= bpm <= max_bpm and all(abs(bpm / o - 1.0) > 0.015 for o in out):
            out.append(bpm)
    return out
