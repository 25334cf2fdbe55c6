"""Metrics across intervals (one row per interval: predicted USD, realised USD, price range).

All are defined in ``docs/accuracy.md``. Rows holding a non-finite value are ignored; a metric
that cannot be defined (too few rows, a constant input) is NaN, decided explicitly.

* :func:`spearman`: rank correlation of predicted and realised USD;
* :func:`partial_spearman`: the same, controlling for the range (rank partial correlation);
* :func:`partial_spearman_given`: the same, controlling for several columns at once;
* :func:`partial_log_corr`: Pearson partial correlation of log USD given ``log`` range;
* :func:`top_decile_hit`: of the intervals a predictor ranks in its top 10%, the share that
  are in the realised top 10%;
* :func:`zero_share`: of the intervals with liquidations inside a range that traded, the share
  predicted at (about) $0, and the share of realised USD they hold;
* :func:`band_coverage`: share of intervals whose realised USD lies in ``[p10, p90]``;
* :func:`day_blocks` + :func:`bootstrap` + :func:`percentile_interval`: block bootstrap by UTC
  day (hours of one day are resampled together, which keeps their dependence);
  :func:`log_corr_interval` composes them for :func:`~liqmap.accuracy.metrics.log_corr`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from liqmap.accuracy.metrics import MIN_POINTS, log_corr, partial_corr, pearson, rankdata

__all__ = [
    "ZERO_USD",
    "band_coverage",
    "bootstrap",
    "day_blocks",
    "log_corr_interval",
    "partial_log_corr",
    "partial_spearman",
    "partial_spearman_given",
    "percentile_interval",
    "spearman",
    "top_decile_hit",
    "zero_share",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
_DAY_MS = 86_400_000
ZERO_USD = 1.0  # a prediction below one dollar counts as "$0 predicted"


def _finite(*cols: ArrayLike) -> list[FloatArray]:
    arrs = [np.asarray(c, dtype=np.float64) for c in cols]
    if len({a.shape for a in arrs}) != 1 or arrs[0].ndim != 1:
        raise ValueError(f"inputs must be 1-D of one length, got {[a.shape for a in arrs]}")
    ok = np.logical_and.reduce([np.isfinite(a) for a in arrs])
    return [a[ok] for a in arrs]


def spearman(pred: ArrayLike, actual: ArrayLike) -> float:
    """Spearman rank correlation (ties get their average rank); NaN below 3 rows or constant."""
    p, a = _finite(pred, actual)
    if p.size < MIN_POINTS:
        return math.nan
    return pearson(rankdata(p), rankdata(a))


def partial_spearman(pred: ArrayLike, actual: ArrayLike, control: ArrayLike) -> float:
    """Rank partial correlation of ``pred`` and ``actual`` given ``control``.

    The first-order partial correlation (:func:`~liqmap.accuracy.metrics.partial_corr`) of the
    three rank vectors: what ``pred`` says about ``actual`` that the ranking by ``control``
    (the interval's range) does not. NaN when ``pred`` is a monotone function of ``control``.
    """
    p, a, c = _finite(pred, actual, control)
    if p.size < MIN_POINTS + 1:
        return math.nan
    return partial_corr(rankdata(p), rankdata(a), rankdata(c))


def partial_spearman_given(pred: ArrayLike, actual: ArrayLike, *controls: ArrayLike) -> float:
    """Rank partial correlation of ``pred`` and ``actual`` given every one of ``controls``: the
    correlation of the residuals of their ranks after a least-squares fit on the controls'
    ranks (and a constant). With one control it equals :func:`partial_spearman`. NaN below
    ``MIN_POINTS + len(controls)`` rows or when a residual is zero."""
    p, a, *cs = _finite(pred, actual, *controls)
    if p.size < MIN_POINTS + len(cs):
        return math.nan
    x = np.column_stack([np.ones(p.size), *(rankdata(c) for c in cs)])

    def resid(v: FloatArray) -> FloatArray:
        r = rankdata(v)
        return np.asarray(r - x @ np.linalg.lstsq(x, r, rcond=None)[0], dtype=np.float64)

    u, w = resid(p), resid(a)
    den = math.sqrt(float(u @ u) * float(w @ w))
    return float(u @ w) / den if den > 1e-12 else math.nan


def _log_pred(x: FloatArray) -> FloatArray:
    """``log(x + c)`` with ``c`` 1% of the median positive value: scale-free, defined at 0."""
    pos = x[x > 0]
    c = 0.01 * float(np.median(pos)) if pos.size else 1.0
    return np.asarray(np.log(x + c), dtype=np.float64)


def partial_log_corr(pred: ArrayLike, actual: ArrayLike, range_pct: ArrayLike) -> float:
    """Partial Pearson correlation of ``log(pred + c)`` and ``log1p(actual USD)`` given
    ``log(range)``, with ``c`` 1% of the median positive prediction (so the answer does not
    depend on the predictor's unit: USD, or a bare range). Rows with a range of 0 are ignored
    (their log is undefined)."""
    p, a, r = _finite(pred, actual, range_pct)
    keep = r > 0
    return partial_corr(_log_pred(p[keep]), np.log1p(a[keep]), np.log(r[keep]))


def top_decile_hit(pred: ArrayLike, actual: ArrayLike, q: float = 0.1) -> float:
    """Share of the predictor's top-``q`` intervals that are in the realised top ``q``.

    ``k = ceil(q n)``; the predictor's top ``k`` are its ``k`` largest values (ties at the cut
    broken by the larger realised rank LAST, i.e. against the predictor, so a constant
    predictor scores the realised top share of its worst ties, not a lucky order); the
    realised top ``q`` holds every interval whose USD is at least the ``k``-th largest.
    A random predictor scores about ``q``. NaN below 10 rows.
    """
    p, a = _finite(pred, actual)
    if p.size < 10:
        return math.nan
    k = max(1, math.ceil(q * p.size))
    order = np.lexsort((a, -p))  # by pred descending, ties by actual ascending (pessimistic)
    cut = np.sort(a)[-k]
    return float(np.mean(a[order[:k]] >= cut))


def zero_share(
    pred: ArrayLike, actual: ArrayLike, range_pct: ArrayLike, floor: float = ZERO_USD
) -> tuple[float, float]:
    """``(share of intervals, share of realised USD)`` predicted below ``floor`` dollars among
    the intervals whose range is above 0 and that had liquidations (NaN if there are none)."""
    p, a, r = _finite(pred, actual, range_pct)
    live = (a > 0) & (r > 0)
    if not live.any():
        return math.nan, math.nan
    zero = live & (p < floor)
    return float(zero.sum() / live.sum()), float(a[zero].sum() / a[live].sum())


def band_coverage(actual: ArrayLike, low: ArrayLike, high: ArrayLike) -> float:
    """Share of intervals with ``low <= actual <= high`` (NaN with no finite rows)."""
    a, lo, hi = _finite(actual, low, high)
    if a.size == 0:
        return math.nan
    return float(np.mean((a >= lo) & (a <= hi)))


def day_blocks(ts_ms: ArrayLike) -> list[IntArray]:
    """Row indices grouped by UTC day of ``ts_ms`` (each group in row order)."""
    t = np.asarray(ts_ms, dtype=np.int64)
    day = t // _DAY_MS
    return [np.flatnonzero(day == d) for d in np.unique(day)]


def bootstrap(
    stat: Callable[[IntArray], Sequence[float]],
    blocks: list[IntArray],
    n_boot: int = 1000,
    seed: int = 17,
) -> FloatArray:
    """``(n_boot, k)`` values of ``stat`` on block-bootstrap resamples of the rows.

    Each resample draws ``len(blocks)`` blocks with replacement and concatenates their rows;
    ``stat`` gets the row indices and returns ``k`` numbers (e.g. a metric for every method,
    so paired differences are taken on the same resample). Fixed ``seed``: reproducible.
    """
    if not blocks:
        return np.zeros((0, 0))
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(blocks), size=(n_boot, len(blocks)))
    return np.array([stat(np.concatenate([blocks[j] for j in d])) for d in draws], np.float64)


def percentile_interval(samples: ArrayLike, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap samples (NaN samples ignored; NaN if under half are
    finite, since then the statistic is undefined on most resamples)."""
    s = np.asarray(samples, dtype=np.float64)
    s = s[np.isfinite(s)]
    n_all = np.asarray(samples).size
    if s.size == 0 or s.size < 0.5 * n_all:
        return math.nan, math.nan
    a = (1.0 - level) / 2.0
    lo, hi = np.quantile(s, [a, 1.0 - a])
    return float(lo), float(hi)


def log_corr_interval(
    pred_usd: ArrayLike, actual_usd: ArrayLike, ts_ms: ArrayLike, *, n_boot: int = 2000,
    seed: int = 17, level: float = 0.95, min_days: int = 5,
) -> tuple[float, float]:  # fmt: skip
    """Day-block bootstrap interval of :func:`~liqmap.accuracy.metrics.log_corr`: rows of one
    UTC day of ``ts_ms`` are resampled together (they share a market and are not independent).
    NaN bounds with fewer than ``min_days`` days."""
    p, a = np.asarray(pred_usd, np.float64), np.asarray(actual_usd, np.float64)
    blocks = day_blocks(ts_ms)
    if len(blocks) < min_days:
        return math.nan, math.nan
    boot = bootstrap(lambda i: [log_corr(p[i], a[i])], blocks, n_boot=n_boot, seed=seed)
    return percentile_interval(boot[:, 0], level)
