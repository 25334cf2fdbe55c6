"""Records and scores of the interval backtest (:mod:`liqmap.accuracy.intervals`).

:meth:`IntervalResult.evaluate` turns the rows into every metric of ``docs/accuracy.md`` with
day-block bootstrap 95% intervals, for each method and for each model-minus-baseline
difference (paired: the same resampled days for both). Several results (e.g. BTC, ETH, SOL of
one window) are pooled by :func:`evaluate_pooled`: a metric is the row-weighted mean of its
per-symbol values, and the bootstrap resamples the same days for every symbol. With fewer than
:data:`MIN_DAYS` days there are no intervals (a bootstrap over 2 days says nothing).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from liqmap.accuracy import interval_metrics as im
from liqmap.accuracy.metrics import MIN_POINTS, partial_corr, pearson, rankdata

__all__ = [
    "BASELINES",
    "METHODS",
    "METRICS",
    "IntervalConfig",
    "IntervalResult",
    "MagnetRow",
    "ScoreRow",
    "evaluate_pooled",
]

FloatArray = NDArray[np.float64]
HOUR = 3_600_000
METHODS = ("model", "range", "oi_range", "ladder", "uniform")
BASELINES = METHODS[1:]
SIDES = ("long", "short", "all")
MIN_DAYS = 5  # fewer days: no bootstrap interval
METRICS = ("spearman", "partial_spearman", "partial_log_corr", "top_decile_hit")


@dataclass(frozen=True, slots=True)
class IntervalConfig:
    """Walk settings (defaults: the product's 24h window and 400 bins, hourly maps)."""

    window_ms: int = 24 * HOUR
    every_ms: int = HOUR
    horizons_ms: tuple[int, ...] = (HOUR, 4 * HOUR, 24 * HOUR)
    bins: int = 400
    magnet_pct: float = 2.0
    magnet_horizons_ms: tuple[int, ...] = (4 * HOUR, 24 * HOUR)
    min_bar_coverage: float = 0.9
    oi_max_age_ms: int = 2 * HOUR


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """One interval ``[t, t + h)``: price path, realised USD, each method's prediction."""

    t: int
    h: int
    price: float
    low: float
    high: float
    actual_long: float
    actual_short: float
    pred_long: dict[str, float]
    pred_short: dict[str, float]
    bands: tuple[float, float, float, float]  # long p10, long p90, short p10, short p90


@dataclass(frozen=True, slots=True)
class MagnetRow:
    """Largest cluster within X% at ``t`` (signed distance ``d``, NaN = none) and what price did
    within ``h``: reached it, reached the mirror level ``-d``, highest up / lowest down move."""

    t: int
    h: int
    d: float
    hit: bool
    mirror: bool
    up: float
    down: float


@dataclass(frozen=True, slots=True)
class IntervalResult:
    """All rows of one walk; :meth:`evaluate` scores them."""

    label: str
    symbol: str
    config: IntervalConfig
    times: int
    rows: tuple[ScoreRow, ...]
    magnets: tuple[MagnetRow, ...]
    notional: tuple[tuple[int, float, float, float], ...]  # t, long, short, OI proxy
    skipped: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def evaluate(self, n_boot: int = 1000, seed: int = 17) -> dict[str, Any]:
        """Every metric with its bootstrap interval (see :func:`evaluate_pooled`)."""
        return evaluate_pooled([self], n_boot=n_boot, seed=seed)


# --- arrays per horizon ------------------------------------------------------------------------


def _arrays(rows: Sequence[ScoreRow], side: str) -> dict[str, FloatArray]:
    """``actual``, ``range`` (control), one array per method, ``p10``/``p90`` for a side."""

    def col(f: Any) -> FloatArray:
        return np.array([f(r) for r in rows], np.float64)

    out: dict[str, FloatArray] = {}
    if side == "long":
        out["actual"] = col(lambda r: r.actual_long)
        for m in METHODS:
            out[m] = col(lambda r, m=m: r.pred_long[m])
        out["p10"], out["p90"] = col(lambda r: r.bands[0]), col(lambda r: r.bands[1])
    elif side == "short":
        out["actual"] = col(lambda r: r.actual_short)
        for m in METHODS:
            out[m] = col(lambda r, m=m: r.pred_short[m])
        out["p10"], out["p90"] = col(lambda r: r.bands[2]), col(lambda r: r.bands[3])
    else:
        lo, sh = _arrays(rows, "long"), _arrays(rows, "short")
        out = {k: lo[k] + sh[k] for k in ("actual", *METHODS)}
        out["p10"] = np.concatenate((lo["p10"], sh["p10"]))  # coverage pools both sides' rows
        out["p90"] = np.concatenate((lo["p90"], sh["p90"]))
        out["band_actual"] = np.concatenate((lo["actual"], sh["actual"]))
    return out


def _metric(name: str, pred: FloatArray, act: FloatArray, rng: FloatArray) -> float:
    if name == "spearman":
        return im.spearman(pred, act)
    if name == "partial_spearman":
        return im.partial_spearman(pred, act, rng)
    if name == "partial_log_corr":
        return im.partial_log_corr(pred, act, rng)
    return im.top_decile_hit(pred, act)


def _group_metrics(g: dict[str, FloatArray], i: NDArray[np.int64]) -> list[float]:
    """Every (method, metric) on the rows ``i`` of one group; the ranks of the realised USD and
    of the range are computed once (same values as the metric functions, checked in tests)."""
    act, rng = g["actual"][i], g["range"][i]
    fast = bool(np.isfinite(act).all() and np.isfinite(rng).all()) and act.size >= MIN_POINTS + 1
    ra, rr = (rankdata(act), rankdata(rng)) if fast else (act, rng)
    out: list[float] = []
    for m in METHODS:
        pred = g[m][i]
        ok = fast and bool(np.isfinite(pred).all())
        rp = rankdata(pred) if ok else pred
        for name in METRICS:
            if m == "range" and name.startswith("partial"):
                out.append(math.nan)  # the range is the control: undefined by construction
            elif ok and name == "spearman":
                out.append(pearson(rp, ra))
            elif ok and name == "partial_spearman":
                out.append(partial_corr(rp, ra, rr))
            else:
                out.append(_metric(name, pred, act, rng))
    return out


def _stat_vector(groups: list[dict[str, FloatArray]], idx: list[FloatArray]) -> list[float]:
    """Per (method, metric): the mean over groups (weighted by rows) of the metric on the rows
    ``idx[g]``; a group where the metric is undefined (e.g. under 10 rows for the top-decile
    hit) is left out of the mean."""
    per = [_group_metrics(g, ix.astype(np.int64)) for g, ix in zip(groups, idx, strict=True)]
    sizes = [len(ix) for ix in idx]
    out: list[float] = []
    for k in range(len(METHODS) * len(METRICS)):
        w = [(v[k], n) for v, n in zip(per, sizes, strict=True) if math.isfinite(v[k])]
        tot = sum(n for _, n in w)
        out.append(sum(v * n for v, n in w) / tot if tot else math.nan)
    return out


def _cell(value: float, samples: FloatArray) -> dict[str, float | None]:
    lo, hi = im.percentile_interval(samples)

    def j(x: float) -> float | None:
        return round(x, 4) if math.isfinite(x) else None

    return {"value": j(value), "lo": j(lo), "hi": j(hi)}


def _joint_blocks(results: Sequence[IntervalResult], h: int) -> tuple[list[int], list[list[FloatArray]]]:  # fmt: skip
    """Days present in any result, and per result the row indices of each day."""
    ts = [np.array([r.t for r in res.rows if r.h == h], np.int64) for res in results]
    days = sorted({int(d) for t in ts for d in np.unique(t // 86_400_000)})
    per = [[np.flatnonzero(t // 86_400_000 == d).astype(np.float64) for d in days] for t in ts]
    return days, per


def _resample(
    groups: list[dict[str, FloatArray]],
    per: list[list[FloatArray]],
    n_days: int,
    n_boot: int,
    seed: int,
    width: int,
) -> FloatArray:
    """``(n_boot, width)`` stat vectors on day-block resamples (the same days for every group)."""
    if n_days < MIN_DAYS or n_boot == 0:
        return np.full((0, width), np.nan)
    draws = np.random.default_rng(seed).integers(0, n_days, size=(n_boot, n_days))
    out = []
    for d in draws:
        idx = [np.concatenate([p[j] for j in d]) for p in per]
        out.append(_stat_vector(groups, idx))
    return np.array(out, np.float64)


def _side_scores(
    results: Sequence[IntervalResult], h: int, side: str, n_boot: int, seed: int
) -> dict[str, Any]:
    groups = []
    for res in results:
        rows = [r for r in res.rows if r.h == h]
        groups.append(_arrays(rows, side))
    days, per = _joint_blocks(results, h)
    n = [len(g["actual"]) for g in groups]
    full = [np.arange(k, dtype=np.float64) for k in n]
    point = _stat_vector(groups, full)
    samples = _resample(groups, per, len(days), n_boot, seed, len(point))
    k = len(METRICS)
    out: dict[str, Any] = {"n": int(sum(n)), "days": len(days), "methods": {}, "diff": {}}
    for mi, m in enumerate(METHODS):
        out["methods"][m] = {
            name: _cell(point[mi * k + j], samples[:, mi * k + j] if len(samples) else np.zeros(0))
            for j, name in enumerate(METRICS)
        }
    for bi, b in enumerate(METHODS[1:], start=1):
        out["diff"][b] = {}
        for j, name in enumerate(METRICS):
            d = point[j] - point[bi * k + j]
            s = samples[:, j] - samples[:, bi * k + j] if len(samples) else np.zeros(0)
            out["diff"][b][name] = _cell(d, s)
    out["zero"] = _zero(groups)
    out["band_coverage"] = _coverage(groups, side)
    out["band_miss"] = _band_miss(groups, side)
    return out


def _zero(groups: list[dict[str, FloatArray]]) -> dict[str, dict[str, float | None]]:
    res: dict[str, dict[str, float | None]] = {}
    for m in ("model", "ladder", "uniform", "oi_range"):
        pred = np.concatenate([g[m] for g in groups])
        act = np.concatenate([g["actual"] for g in groups])
        rng = np.concatenate([g["range"] for g in groups])
        share, usd = im.zero_share(pred, act, rng)
        res[m] = {
            "hours": round(share, 4) if math.isfinite(share) else None,
            "usd": round(usd, 4) if math.isfinite(usd) else None,
        }
    return res


def _coverage(groups: list[dict[str, FloatArray]], side: str) -> float | None:
    key = "band_actual" if side == "all" else "actual"
    act = np.concatenate([g[key] for g in groups])
    lo = np.concatenate([g["p10"] for g in groups])
    hi = np.concatenate([g["p90"] for g in groups])
    v = im.band_coverage(act, lo, hi)
    return round(v, 4) if math.isfinite(v) else None


def _band_miss(groups: list[dict[str, FloatArray]], side: str) -> dict[str, float | None]:
    """Where the outcomes outside the band fall: share below p10, share above p90."""
    key = "band_actual" if side == "all" else "actual"
    act = np.concatenate([g[key] for g in groups])
    lo = np.concatenate([g["p10"] for g in groups])
    hi = np.concatenate([g["p90"] for g in groups])
    ok = np.isfinite(act) & np.isfinite(lo) & np.isfinite(hi)
    if not ok.any():
        return {"below": None, "above": None}
    return {
        "below": round(float(np.mean(act[ok] < lo[ok])), 4),
        "above": round(float(np.mean(act[ok] > hi[ok])), 4),
    }


def evaluate_pooled(
    results: Sequence[IntervalResult], n_boot: int = 1000, seed: int = 17
) -> dict[str, Any]:
    """Scores of one or several results (per-symbol metrics averaged; joint day bootstrap).

    The control of the partial correlations is the ``range`` method's column (the interval's
    relative price distance on that side).
    """
    from liqmap.accuracy.interval_magnet import magnet_scores, notional_scores

    cfg = results[0].config
    out: dict[str, Any] = {"horizons": {}, "magnet": {}, "notional": notional_scores(results)}
    for h in cfg.horizons_ms:
        out["horizons"][str(h)] = {s: _side_scores(results, h, s, n_boot, seed) for s in SIDES}
    for h in cfg.magnet_horizons_ms:
        out["magnet"][str(h)] = magnet_scores(results, h, n_boot, seed)
    return out
