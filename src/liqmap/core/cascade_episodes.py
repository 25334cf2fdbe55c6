"""Real shocks in a bar series and the scores the cascade validation uses (pure numerics).

A **shock** starts at bar :math:`t_0` when price moves at least ``min_move`` from the bar's open
within ``window`` bars (the extreme low for a fall, high for a rise, whichever side is reached
first). Its **initial shock** :math:`s_0` is that extreme move within the window; its **final
extent** :math:`s_H` the extreme move from the same open within ``horizon`` bars; the
**extension** :math:`s_H / s_0 \\ge 1`. After a shock the search resumes past its horizon, so
episodes never overlap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from liqmap.domain.market import Candles

__all__ = [
    "Shock",
    "baseline_p",
    "brier",
    "extension_baseline",
    "find_shocks",
    "log_corr",
    "overlaps",
    "p_diffusion_reaches",
    "reliability",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Shock:
    """One episode; moves are signed fractions (negative = fall)."""

    ts_ms: int
    direction: int
    open: float
    initial: float
    final: float
    window_ms: int
    horizon_ms: int

    @property
    def extension(self) -> float:
        """Final extent / initial shock (>= 1)."""
        return self.final / self.initial


def _extreme(c: Candles, i: int, n: int, direction: int) -> float:
    sl = slice(i, min(i + n, len(c.ts_ms)))
    return float(c.low[sl].min() if direction < 0 else c.high[sl].max())


def _contiguous(c: Candles, i: int, n: int) -> bool:
    j = min(i + n, len(c.ts_ms)) - 1
    return j - i + 1 == n and int(c.ts_ms[j] - c.ts_ms[i]) == (n - 1) * c.interval_ms


def find_shocks(
    c: Candles, *, min_move: float = 0.01, window: int = 3, horizon: int = 24,
    start_ms: int | None = None, end_ms: int | None = None,
) -> list[Shock]:  # fmt: skip
    """Every shock in ``c`` (see the module docstring); bars with a gap inside the horizon are
    skipped (no extent across missing data)."""
    out: list[Shock] = []
    n, i = len(c.ts_ms), 0
    while i < n:
        t = int(c.ts_ms[i])
        if (start_ms is not None and t < start_ms) or (end_ms is not None and t >= end_ms):
            i += 1
            continue
        o = float(c.open[i])
        lo, hi = _extreme(c, i, window, -1) / o - 1, _extreme(c, i, window, 1) / o - 1
        d = -1 if -lo >= min_move and -lo >= hi else (1 if hi >= min_move else 0)
        if d == 0 or not _contiguous(c, i, horizon):
            i += 1
            continue
        init = lo if d < 0 else hi
        final = _extreme(c, i, horizon, d) / o - 1
        out.append(Shock(t, d, o, init, final, window * c.interval_ms, horizon * c.interval_ms))
        i += horizon
    return out


def p_diffusion_reaches(gap: FloatArray, sigma_h: float) -> FloatArray:
    """P(the running extreme of a driftless random walk with standard deviation ``sigma_h`` over
    the horizon goes at least ``gap`` further), by the reflection principle: :math:`2(1 -
    \\Phi(g/\\sigma))` for :math:`g > 0`, 1 otherwise."""
    g = np.asarray(gap, np.float64)
    x = np.maximum(g, 0.0) / max(sigma_h, 1e-12)
    erfc = np.vectorize(math.erfc)(x / math.sqrt(2.0))
    return np.asarray(np.where(g > 0, erfc, 1.0), np.float64)


def brier(p: FloatArray, y: FloatArray) -> float:
    """Mean squared error of probabilities ``p`` for outcomes ``y`` in {0, 1}."""
    return float(np.mean((np.asarray(p) - np.asarray(y)) ** 2))


def reliability(p: FloatArray, y: FloatArray, bins: int = 5) -> list[tuple[float, float, int]]:
    """(mean forecast, observed rate, count) per equal-width probability bin with data."""
    p, y = np.asarray(p, np.float64), np.asarray(y, np.float64)
    idx = np.minimum((p * bins).astype(int), bins - 1)
    return [
        (float(p[idx == b].mean()), float(y[idx == b].mean()), int((idx == b).sum()))
        for b in range(bins)
        if (idx == b).any()
    ]


def extension_baseline(
    shocks: list[Shock], edges: tuple[float, ...] = (0.015, 0.025), k: float = 2.0
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Map-free baseline: the historical rate of ``extension >= k`` per initial-shock size bucket
    (``edges`` split |initial|), with a +1/+2 (Laplace) prior. Returns ``(edges, rates)``."""
    size = np.array([abs(s.initial) for s in shocks])
    hit = np.array([s.extension >= k for s in shocks], np.float64)
    b = np.searchsorted(np.array(edges), size, side="right")
    rates = tuple(
        float((hit[b == j].sum() + 1) / ((b == j).sum() + 2)) for j in range(len(edges) + 1)
    )
    return edges, rates


def baseline_p(edges: tuple[float, ...], rates: tuple[float, ...], initial: float) -> float:
    """The baseline's probability for a shock of ``initial`` (signed fraction)."""
    return rates[int(np.searchsorted(np.array(edges), abs(initial), side="right"))]


def log_corr(pred: FloatArray, actual: FloatArray) -> tuple[float, int]:
    """Pearson correlation of ln(pred) and ln(actual) over pairs where both are > 0."""
    p, a = np.asarray(pred, np.float64), np.asarray(actual, np.float64)
    ok = (p > 0) & (a > 0)
    if ok.sum() < 3:
        return math.nan, int(ok.sum())
    return float(np.corrcoef(np.log(p[ok]), np.log(a[ok]))[0, 1]), int(ok.sum())


def overlaps(t0_ms: int, t1_ms: int, silences: tuple[tuple[int, int], ...]) -> bool:
    """Whether ``[t0_ms, t1_ms)`` meets any ``(last, next)`` silence of a tape (its outages and
    recorder drops, :mod:`liqmap.accuracy.data`): the tape's USD over it is missing truth, never
    "nothing was liquidated"."""
    return any(a < t1_ms and b > t0_ms for a, b in silences)
