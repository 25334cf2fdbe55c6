"""Reach probability and the per-case loss of the calibration objective (hand-checkable math).

A liquidation level at distance ``d`` (fraction of the price) below the price is hit within a
horizon exactly when the largest fall over that horizon is at least ``d``. Over a stretch of bars,
the empirical distribution of those falls (and rises, for shorts) gives the probability ``R_h(d)``
that price reaches a level, which :mod:`liqmap.accuracy.calibrate_objective` uses to weight each
bin's comparison (``reach='probability'``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from liqmap.domain.market import Candles

__all__ = ["case_loss", "excursions", "reach_probability"]

FloatArray = NDArray[np.float64]


def excursions(
    candles: Candles, horizon_ms: int, *, min_coverage: float = 0.9
) -> tuple[FloatArray, FloatArray]:
    """Largest fall and rise (fractions of the start close) over the ``horizon_ms`` after each bar.

    The start price is bar ``i``'s close (time ``t = ts_i + interval``); the horizon's bars open in
    ``[t, t + horizon - interval]``. Starts whose horizon holds fewer than ``min_coverage`` of its
    bars are left out. Returns ``(falls, rises)``, each ``>= 0``.
    """
    iv = candles.interval_ms
    k = max(horizon_ms // iv, 1)
    ts, n = candles.ts_ms, len(candles)
    lo = np.full(n, np.inf)
    hi = np.full(n, -np.inf)
    count = np.zeros(n)
    for off in range(1, k + 1):
        j = np.arange(n) + off
        ok = j < n
        jj = np.where(ok, j, n - 1)
        ok &= ts[jj] <= ts + k * iv
        lo = np.where(ok, np.minimum(lo, candles.low[jj]), lo)
        hi = np.where(ok, np.maximum(hi, candles.high[jj]), hi)
        count += ok
    keep = count >= min_coverage * k
    c = candles.close[keep]
    return np.maximum(1.0 - lo[keep] / c, 0.0), np.maximum(hi[keep] / c - 1.0, 0.0)


def reach_probability(excursion: FloatArray, distance: FloatArray) -> FloatArray:
    """Empirical ``P(excursion >= d)`` at each distance ``d`` (1 for ``d <= 0``).

    Example: excursions ``[0.01, 0.02, 0.03, 0.04]`` give 0.75 at ``d = 0.015`` and 0.25 at 0.04.
    """
    e = np.sort(np.asarray(excursion, dtype=np.float64))
    d = np.asarray(distance, dtype=np.float64)
    if len(e) == 0:
        return np.where(d <= 0, 1.0, 0.0)
    out = 1.0 - np.searchsorted(e, d, side="left") / len(e)
    return np.where(d <= 0, 1.0, out)


def case_loss(
    pred: FloatArray, rho: FloatArray, actual: FloatArray, eta: float
) -> tuple[float, float, float]:
    """``(KL(q || pi), M, A)`` of one case over its support of ``n`` bins.

    ``M = sum(pred * rho)`` is the predicted USD weighted by reach, ``A = sum(actual)``,
    ``q = actual / A`` and ``pi = (1 - eta) * pred * rho / M + eta / n`` (``1 / n`` when ``M`` is 0).
    The KL divergence is 0 when nothing was liquidated. Example (``eta = 0``): ``pred = [1, 1]``,
    ``actual = [1, 0]``: with ``rho = [1, 1]`` (no reach correction) half the map sits where
    nothing was liquidated, ``ln 2``; with ``rho = [1, 0.1]`` (the far bin is reached one time in
    ten) ``ln 1.1``; conditional on the visit (support = the near bin only) 0.
    """
    pr = pred * rho
    m, a = float(pr.sum()), float(actual.sum())
    base = np.full(len(rho), 1.0 / len(rho))
    pi = base if m <= 0.0 else (1.0 - eta) * pr / m + eta * base
    if a <= 0.0:
        return 0.0, m, a
    q = actual / a
    hit = q > 0.0
    return float(np.sum(q[hit] * np.log(q[hit] / pi[hit]))), m, a
