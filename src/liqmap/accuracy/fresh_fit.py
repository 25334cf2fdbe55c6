"""Fit ``fresh_share`` on walk-forward rows (docs/model.md 2.17; development window only).

Each scored (interval, side) cell predicts ``A (stock + s * fresh_1)``: the map's levels inside
the range traded (``stock``) plus the fresh positions opened and liquidated along the way at
share 1 (``fresh_1``, :mod:`liqmap.core.fresh`). ``A`` is a free scale (the throttled tape holds
an unknown share of all liquidations) and ``s`` is ``fresh_share``. The loss is the hourly fit's
(docs/model.md 2.11): mean ``(log(1 + y/u) - log(1 + A pred/u))^2`` over the cells, ``u`` the
median non-zero realised USD, minimised by Nelder-Mead in ``(log A, log s)``. A 95% interval
comes from a day-block bootstrap (whole UTC days resampled and refitted).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from liqmap.accuracy.interval_result import ScoreRow

__all__ = ["FreshFit", "fit_fresh_share"]

FloatArray = NDArray[np.float64]
_DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class FreshFit:
    """The fitted share, its bootstrap interval and the losses with and without it."""

    share: float
    ci: tuple[float, float]
    scale: float
    loss: float
    loss_without: float
    n: int
    days: int


def _cells(rows: Sequence[ScoreRow], h_ms: int, share: float) -> tuple[FloatArray, ...]:
    y, stock, fresh1, day = [], [], [], []
    for r in rows:
        if r.h != h_ms:
            continue
        for actual, pred in ((r.actual_long, r.pred_long), (r.actual_short, r.pred_short)):
            if not math.isfinite(actual):
                continue
            y.append(actual)
            stock.append(pred["model"] - pred["fresh"])
            fresh1.append(pred["fresh"] / share)
            day.append(r.t // _DAY_MS)
    return tuple(np.asarray(a, np.float64) for a in (y, stock, fresh1, day))


def _fit(y: FloatArray, stock: FloatArray, fresh1: FloatArray, u: float) -> tuple[float, ...]:
    target = np.log1p(y / u)

    def loss(x: FloatArray) -> float:
        a, s = math.exp(x[0]), math.exp(x[1])
        return float(np.mean((target - np.log1p(a * (stock + s * fresh1) / u)) ** 2))

    opt = importlib.import_module("scipy.optimize")  # imported by name: scipy has no type stubs
    starts = [(a, b) for a in (-6.0, -3.0, 0.0) for b in (-4.0, -2.0, 0.0, 2.0)]
    fits = [opt.minimize(loss, np.array(x0), method="Nelder-Mead") for x0 in starts]
    best = min(fits, key=lambda r: float(r.fun))
    return math.exp(best.x[0]), math.exp(best.x[1]), float(best.fun)


def fit_fresh_share(
    rows: Sequence[ScoreRow], h_ms: int, share_used: float, *, draws: int = 100, seed: int = 1
) -> FreshFit:
    """Fit ``fresh_share`` on rows of a walk run with ``fresh_share = share_used > 0``.

    Raises
    ------
    ValueError
        When ``share_used`` is not positive or no row of that horizon carries a fresh part.
    """
    if not share_used > 0.0:
        raise ValueError(f"share_used must be > 0 (the walk's fresh_share), got {share_used}")
    y, stock, fresh1, day = _cells(rows, h_ms, share_used)
    if len(y) == 0 or not np.any(fresh1 > 0) or not np.any(y > 0):
        raise ValueError(
            f"no {h_ms} ms row carries a fresh part: run the walk with fresh_share > 0"
        )
    u = float(np.median(y[y > 0]))
    scale, share, loss = _fit(y, stock, fresh1, u)
    target = np.log1p(y / u)
    without = min(
        float(np.mean((target - np.log1p(math.exp(a) * stock / u)) ** 2))
        for a in np.linspace(-12.0, 4.0, 321)
    )
    rng = np.random.default_rng(seed)
    days = np.unique(day)
    boot = []
    for _ in range(draws):
        idx = np.concatenate([np.flatnonzero(day == d) for d in rng.choice(days, len(days))])
        boot.append(_fit(y[idx], stock[idx], fresh1[idx], u)[1])
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return FreshFit(share, (float(lo), float(hi)), scale, loss, without, len(y), len(days))
