"""Accuracy metrics of a liquidation map against observed liquidations (pure numpy).

Two families, both defined in ``docs/accuracy.md``:

* **Where** (one evaluation, per price bin, restricted to the bins price actually visited):
  :func:`spearman_visited` and :func:`top_share`.
* **How much** (across evaluations): :func:`log_corr`, :func:`partial_corr` and
  :func:`calibration_buckets`.

Undefined values are NaN, decided explicitly and never by a numpy warning: a correlation with a
constant input, too few points, or no actual notional to share out. Bin-level inputs must be
finite (a map never holds NaN, so a NaN there is a caller bug and raises ``ValueError``);
cross-evaluation inputs may hold NaN/inf for evaluations where a quantity is undefined, and those
rows are ignored.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "MIN_BINS",
    "MIN_POINTS",
    "calibration_buckets",
    "log_corr",
    "partial_corr",
    "pearson",
    "rankdata",
    "spearman_visited",
    "top_share",
]

FloatArray = NDArray[np.float64]
MIN_BINS = 3  # a rank correlation on fewer visited bins is undefined (NaN)
MIN_POINTS = 3  # a correlation across fewer evaluations is undefined (NaN)
_NAN = math.nan


def rankdata(x: ArrayLike) -> FloatArray:
    """1-based ranks, ties given their average rank (as ``scipy.stats.rankdata``)."""
    a = np.asarray(x, dtype=np.float64)
    order = np.argsort(a, kind="mergesort")
    xs = a[order]
    new = np.concatenate(([True], xs[1:] != xs[:-1])) if a.size else np.zeros(0, np.bool_)
    starts = np.flatnonzero(new)
    ends = np.concatenate((starts[1:], [a.size]))
    avg = (starts + ends - 1) / 2.0 + 1.0
    out = np.empty(a.size)
    out[order] = avg[np.cumsum(new) - 1]
    return out


def _bins(pred: ArrayLike, actual: ArrayLike, visited: ArrayLike) -> tuple[FloatArray, FloatArray]:
    p = np.asarray(pred, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    v = np.asarray(visited, dtype=np.bool_)
    if not (p.ndim == a.ndim == v.ndim == 1 and p.shape == a.shape == v.shape):
        raise ValueError(
            f"pred, actual and visited must be 1-D of one length, got {p.shape}, {a.shape}, "
            f"{v.shape}"
        )
    if not (np.isfinite(p).all() and np.isfinite(a).all()):
        raise ValueError("pred and actual must be finite in every bin")
    return p[v], a[v]


def pearson(x: ArrayLike, y: ArrayLike) -> float:
    """Pearson correlation of two equal-length vectors; NaN if either is constant or n < 2.

    No finite check: callers pass finite data (the public metrics filter first).
    """
    a = np.asarray(x, dtype=np.float64)
    b = np.asarray(y, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"x and y must be 1-D of one length, got {a.shape} and {b.shape}")
    if a.size < 2:
        return _NAN
    da = a - a.mean()
    db = b - b.mean()
    sa = float(np.sqrt(np.dot(da, da)))
    sb = float(np.sqrt(np.dot(db, db)))
    # "constant" up to rounding: a spread below 1e-12 of the scale is no spread at all
    if sa <= 1e-12 * max(1.0, float(np.abs(a).max())) or sb <= 1e-12 * max(
        1.0, float(np.abs(b).max())
    ):
        return _NAN
    return float(np.clip(np.dot(da, db) / (sa * sb), -1.0, 1.0))


def spearman_visited(pred: ArrayLike, actual: ArrayLike, visited: ArrayLike) -> float:
    """Spearman rank correlation of predicted vs actual USD over the visited bins only.

    Ties get average ranks (the usual Spearman with ties = Pearson correlation of the ranks).
    NaN when fewer than :data:`MIN_BINS` bins were visited or either side is constant there
    (a constant map ranks nothing; no liquidation in any visited bin gives nothing to rank).

    Example: pred ``[4, 3, 2, 1]``, actual ``[10, 0, 5, 1]``: ranks ``[4, 3, 2, 1]`` and
    ``[4, 1, 3, 2]``, ``d = [0, 2, -1, -1]``, ``rho = 1 - 6 * 6 / (4 * 15) = 0.4``.
    """
    p, a = _bins(pred, actual, visited)
    if p.size < MIN_BINS:
        return _NAN
    return pearson(rankdata(p), rankdata(a))


def top_share(pred: ArrayLike, actual: ArrayLike, visited: ArrayLike, q: float = 0.2) -> float:
    """Share of the actual USD of the visited bins that lies in the top ``q`` of them by prediction.

    The top ``q * n`` of the ``n`` visited bins, ``q * n`` taken as a real number: bins are taken
    in decreasing order of prediction and the last group needed is counted in part. Bins with
    equal predictions form one group, counted pro rata (the expectation over a random order of
    the ties), so a constant map scores exactly ``q``, whatever the actual distribution.
    NaN when no bin was visited or the visited bins hold no actual USD.

    Example: pred ``[4, 3, 2, 1, 0]``, actual ``[0, 6, 2, 1, 1]``, ``q = 0.2``: the top bin
    (pred 4) holds 0 of 10 -> 0.0; with ``q = 0.4``: bins 4 and 3 -> 0.6.
    """
    if not (0.0 < q <= 1.0):
        raise ValueError(f"q must be in (0, 1], got {q}")
    p, a = _bins(pred, actual, visited)
    total = float(a.sum())
    if p.size == 0 or total <= 0.0:
        return _NAN
    # groups of equal prediction, best first
    keys, inverse = np.unique(-p, return_inverse=True)
    sizes = np.bincount(inverse, minlength=len(keys)).astype(np.float64)
    sums = np.bincount(inverse, weights=a, minlength=len(keys))
    need = q * p.size
    before = np.concatenate(([0.0], np.cumsum(sizes)[:-1]))
    taken = np.clip((need - before) / sizes, 0.0, 1.0)
    return float(np.dot(taken, sums) / total)


def _finite_rows(*cols: ArrayLike) -> list[FloatArray]:
    arrs = [np.asarray(c, dtype=np.float64) for c in cols]
    n = arrs[0].shape
    if any(a.ndim != 1 or a.shape != n for a in arrs):
        raise ValueError(f"inputs must be 1-D of one length, got {[a.shape for a in arrs]}")
    ok = np.ones(n, dtype=np.bool_)
    for a in arrs:
        ok &= np.isfinite(a)
    return [a[ok] for a in arrs]


def log_corr(pred_usd: ArrayLike, actual_usd: ArrayLike) -> float:
    """Pearson correlation of ``ln(pred)`` and ``ln(actual)`` across evaluations.

    Only pairs where both are finite and > 0 count (a log of 0 is undefined: an evaluation in
    which the map predicted nothing, or nothing was liquidated, says nothing about scale). NaN
    with fewer than :data:`MIN_POINTS` such pairs or a constant side.
    """
    p, a = _finite_rows(pred_usd, actual_usd)
    ok = (p > 0) & (a > 0)
    if int(ok.sum()) < MIN_POINTS:
        return _NAN
    return pearson(np.log(p[ok]), np.log(a[ok]))


def partial_corr(x: ArrayLike, y: ArrayLike, control: ArrayLike) -> float:
    """First-order partial correlation of ``x`` and ``y`` controlling for ``control``.

    ``r_xy.z = (r_xy - r_xz r_yz) / sqrt((1 - r_xz^2)(1 - r_yz^2))``: the correlation of the
    parts of ``x`` and ``y`` that a linear function of ``control`` does not explain. Rows with a
    non-finite value are ignored. NaN with fewer than ``MIN_POINTS + 1`` rows, a constant input,
    or ``control`` perfectly correlated with ``x`` or ``y``. Pass logs for a log-scale answer.
    """
    a, b, c = _finite_rows(x, y, control)
    if a.size < MIN_POINTS + 1:
        return _NAN
    r_xy, r_xz, r_yz = pearson(a, b), pearson(a, c), pearson(b, c)
    if math.isnan(r_xy) or math.isnan(r_xz) or math.isnan(r_yz):
        return _NAN
    den = (1.0 - r_xz * r_xz) * (1.0 - r_yz * r_yz)
    if den <= 1e-12:
        return _NAN
    return float(np.clip((r_xy - r_xz * r_yz) / math.sqrt(den), -1.0, 1.0))


def calibration_buckets(
    pred: ArrayLike, actual: ArrayLike, n: int = 10
) -> tuple[FloatArray, FloatArray, NDArray[np.int64]]:
    """Mean predicted and mean actual value in ``n`` quantile buckets of the prediction.

    Rows are put in buckets by the rank of ``pred`` (``bucket = floor((rank - 1) * n / N)``, with
    average ranks, so equal predictions always share a bucket); rows with a non-finite value are
    ignored. Returns ``(pred_mean, actual_mean, counts)`` for the non-empty buckets, in increasing
    order of prediction. A calibrated map has ``actual_mean ~= pred_mean`` in every bucket.
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    p, a = _finite_rows(pred, actual)
    if p.size == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64)
    bucket = np.minimum(((rankdata(p) - 1.0) * n / p.size).astype(np.int64), n - 1)
    counts = np.bincount(bucket, minlength=n)
    keep = counts > 0
    c = counts[keep]
    pm = np.bincount(bucket, weights=p, minlength=n)[keep] / c
    am = np.bincount(bucket, weights=a, minlength=n)[keep] / c
    return pm, am, c.astype(np.int64)
