"""The magnet test and the open-notional check of the interval backtest.

**Magnet.** At each map time the largest cluster within ``magnet_pct`` of price (signed relative
distance ``d``) is "reached" within ``h`` if price traded through it. It is compared with

* the *mirror* level at ``-d`` (same distance, other side) at the same times, and
* the *base rate*: for each time, the share of ALL scored times of the window at which price
  moved at least ``d`` in that direction within ``h`` (a level at that distance and direction
  chosen without the map); averaged over the cluster times.

A magnet shows as hit rate > mirror and > base, with intervals excluding 0. Resampled by UTC day.

**Open notional.** The map's estimated open notional per side (USD on the map plus out of
range) against the open-interest proxy known at that time; the share of maps where the larger
side exceeds it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from liqmap.accuracy.interval_metrics import percentile_interval

if TYPE_CHECKING:
    from liqmap.accuracy.interval_result import IntervalResult, MagnetRow

__all__ = ["base_rate", "magnet_scores", "notional_scores"]

FloatArray = NDArray[np.float64]
_DAY = 86_400_000


def base_rate(d: FloatArray, up: FloatArray, down: FloatArray) -> FloatArray:
    """For each signed distance ``d[i]``: share of rows whose move reached it (``up >= d`` for
    ``d > 0``, ``down <= d`` for ``d < 0``).

    Example: ``up = [0.01, 0.03]``, ``down = [-0.02, 0]``, ``d = [0.02, -0.01]`` -> ``[0.5, 0.5]``.
    """
    ups, downs = np.sort(up), np.sort(down)
    n = len(up)
    above = 1.0 - np.searchsorted(ups, d, side="left") / n
    below = np.searchsorted(downs, d, side="right") / n
    return np.where(d > 0, above, below)


def _rates(rows: list[MagnetRow]) -> tuple[float, float, float, int]:
    if not rows:
        return math.nan, math.nan, math.nan, 0
    d = np.array([r.d for r in rows])
    up = np.array([r.up for r in rows])
    down = np.array([r.down for r in rows])
    has = np.isfinite(d)
    if not has.any():
        return math.nan, math.nan, math.nan, 0
    hit = np.array([r.hit for r in rows])[has]
    mir = np.array([r.mirror for r in rows])[has]
    base = base_rate(d[has], up, down)
    return float(hit.mean()), float(mir.mean()), float(base.mean()), int(has.sum())


def _j(x: float) -> float | None:
    return round(x, 4) if math.isfinite(x) else None


def magnet_scores(
    results: Sequence[IntervalResult], h: int, n_boot: int, seed: int
) -> dict[str, Any]:
    """Hit / mirror / base rates, pooled over results, with day-bootstrap intervals."""
    rows = [r for res in results for r in res.magnets if r.h == h]
    hit, mir, base, n = _rates(rows)
    days = sorted({r.t // _DAY for r in rows})
    by_day = {d: [r for r in rows if r.t // _DAY == d] for d in days}
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(n_boot if len(days) >= 5 else 0):  # as interval_result.MIN_DAYS
        pick = rng.integers(0, len(days), len(days))
        s = [r for j in pick for r in by_day[days[j]]]
        a, b, c, _ = _rates(s)
        samples.append((a, b, c, a - b, a - c))
    arr = np.array(samples) if samples else np.zeros((0, 5))
    vals = (hit, mir, base, hit - mir, hit - base)
    names = ("hit", "mirror", "base", "hit_minus_mirror", "hit_minus_base")
    out: dict[str, Any] = {"n_times": len(rows), "n_with_cluster": n, "days": len(days)}
    for k, (name, v) in enumerate(zip(names, vals, strict=True)):
        lo, hi = percentile_interval(arr[:, k]) if len(arr) else (math.nan, math.nan)
        out[name] = {"value": _j(v), "lo": _j(lo), "hi": _j(hi)}
    return out


def notional_scores(results: Sequence[IntervalResult]) -> dict[str, Any]:
    """Maps whose larger side's open notional exceeds the OI proxy known at that time."""
    rows = [r for res in results for r in res.notional]
    known = [(lo, sh, oi) for _, lo, sh, oi in rows if math.isfinite(oi) and oi > 0]
    if not known:
        return {"maps": len(rows), "with_oi": 0, "share_above_oi": None, "median_ratio": None}
    ratio = np.array([max(lo, sh) / oi for lo, sh, oi in known])
    return {
        "maps": len(rows),
        "with_oi": len(known),
        "share_above_oi": _j(float(np.mean(ratio > 1.0))),
        "median_ratio": _j(float(np.median(ratio))),
        "max_ratio": _j(float(ratio.max())),
    }
