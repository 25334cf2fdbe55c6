"""Cluster detection: dense, tall runs of liquidation levels on each side of the price.

The rules are derived in ``docs/model.md`` section 3; in short, per side:

1. Only bins on the side's own side of the price count: longs in bins whose centre is below the
   price, shorts in bins whose centre is above it. Levels on the wrong side (about 0 in a correct
   map) are ignored. Negative values are treated as 0.
2. Density is USD per 1 % of price, ``usd_i / (width_i / price * 100)``, so the bin width does
   not matter. It is smoothed with a Gaussian of ``smooth_pct`` (% of price; converted to bins
   with the median bin width), so 200 and 2,000 bins give the same clusters.
3. A local maximum of the smoothed density is *dense* when it reaches ``density_ratio`` times
   the side's mean density over the central ``1 - 2 * active_quantile`` of its USD.
4. Dense peaks are taken tallest first. A cluster spans the contiguous bins around its peak whose
   smoothed density is at least ``edge_ratio`` times the peak's, stopping at bins already taken.
5. Clusters holding less than ``min_share`` of the side's USD are dropped; at most
   ``max_per_side`` are kept per side (at most ``4 * max_per_side`` peaks are examined).
6. Both sides are ranked together by ``score = usd / (1 + |distance_pct| / d0_pct)``.

``usd``, ``price`` and ``usd_by_tier`` come from the raw (unsmoothed) bins in the extent;
``share_of_side`` divides by the side's total over all bins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from liqmap.core.results import Cluster
from liqmap.errors import ParameterError

__all__ = ["ClusterConfig", "cluster_score", "detect_clusters", "usd_near_price"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
SideName = Literal["long", "short"]


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """Parameters of cluster detection and ranking (defaults documented in ``docs/model.md`` section 3).

    Attributes
    ----------
    smooth_pct
        Standard deviation of the Gaussian that smooths the density, in % of price (0 = none).
    density_ratio
        A peak is dense when its smoothed density is at least this multiple of the side's mean
        density over its active range.
    active_quantile
        The active range of a side runs from this quantile of its USD to ``1 - active_quantile``.
    edge_ratio
        A cluster extends while the smoothed density is at least this share of its peak's.
    min_share
        Clusters holding less than this share of their side's total USD are dropped.
    max_per_side
        Most clusters kept per side.
    d0_pct
        Distance scale of the ranking score ``usd / (1 + |distance_pct| / d0_pct)``.
    """

    smooth_pct: float = 0.15
    density_ratio: float = 1.25
    active_quantile: float = 0.01
    edge_ratio: float = 0.5
    min_share: float = 0.02
    max_per_side: int = 5
    d0_pct: float = 2.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not (isinstance(value, int | float) and math.isfinite(value)):
                raise ParameterError(f"cluster {f.name} must be a finite number, got {value!r}")
        checks = (
            ("smooth_pct", self.smooth_pct >= 0, ">= 0"),
            ("density_ratio", self.density_ratio >= 0, ">= 0"),
            ("active_quantile", 0 <= self.active_quantile < 0.5, "in [0, 0.5)"),
            ("edge_ratio", 0 < self.edge_ratio <= 1, "in (0, 1]"),
            ("min_share", 0 <= self.min_share <= 1, "in [0, 1]"),
            ("max_per_side", self.max_per_side >= 1, "an integer >= 1"),
            ("d0_pct", self.d0_pct > 0, "> 0"),
        )
        for name, ok, accepted in checks:
            if not ok:
                raise ParameterError(
                    f"cluster {name} must be {accepted}, got {getattr(self, name)}"
                )
        if not isinstance(self.max_per_side, int) or isinstance(self.max_per_side, bool):
            raise ParameterError(
                f"cluster max_per_side must be an integer >= 1, got {self.max_per_side!r}"
            )


DEFAULT_CLUSTER_CONFIG = ClusterConfig()


def cluster_score(usd: float, distance_pct: float, d0_pct: float = 2.0) -> float:
    """Ranking score: ``usd / (1 + |distance_pct| / d0_pct)``.

    A cluster at ``d0_pct`` from price counts half its USD, at ``3 * d0_pct`` a quarter.
    Example: $20M at -1 % scores 13.3M and beats $25M at -6 % (6.25M).
    """
    return usd / (1.0 + abs(distance_pct) / d0_pct)


def _validate(edges: FloatArray, long_usd: FloatArray, short_usd: FloatArray, price: float) -> None:
    if edges.ndim != 1 or edges.size < 2:
        raise ValueError(f"edges must be 1-D with at least 2 values, got shape {edges.shape}")
    if not (np.isfinite(edges).all() and (np.diff(edges) > 0).all()):
        raise ValueError("edges must be finite and strictly increasing")
    shape = (long_usd.shape[0] if long_usd.ndim == 2 else -1, edges.size - 1)
    if long_usd.shape != shape or short_usd.shape != shape:
        raise ValueError(
            f"long_usd and short_usd must have shape (n_tiers, {edges.size - 1}), "
            f"got {long_usd.shape} and {short_usd.shape}"
        )
    if not (np.isfinite(long_usd).all() and np.isfinite(short_usd).all()):
        raise ValueError("long_usd and short_usd must be finite")
    if not (math.isfinite(price) and price > 0):
        raise ValueError(f"price must be finite and > 0, got {price}")


def _smooth(density: FloatArray, sigma_bins: float) -> FloatArray:
    """Gaussian smoothing in bin space (zero padding), truncated at 4 sigma."""
    if sigma_bins < 1e-3:
        return density
    r = min(math.ceil(4.0 * sigma_bins), density.size)
    j = np.arange(-r, r + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (j / sigma_bins) ** 2)
    kernel /= kernel.sum()
    return np.asarray(np.convolve(density, kernel, mode="full")[r : r + density.size])


_NEGLIGIBLE_USD = 1e-6  # a side holding less than this in all is empty (keeps the maths finite)


def _dense_level(s: FloatArray, edges: FloatArray, price: float, cfg: ClusterConfig) -> float:
    """``density_ratio`` x mean smoothed density (USD per 1 % of price) over the active range.

    The active range runs between the ``q`` and ``1 - q`` quantiles of the smoothed USD
    (linear within a bin), ``q = active_quantile``.
    """
    mass = s * (np.diff(edges) / price * 100.0)
    cum = np.concatenate(([0.0], np.cumsum(mass)))
    total = float(cum[-1])
    if not (math.isfinite(total) and total > _NEGLIGIBLE_USD):
        return math.inf  # (almost) nothing on this side: no level is dense, no cluster
    q = cfg.active_quantile
    lo, hi = np.interp([q * total, (1.0 - q) * total], cum, edges)
    width_pct = max(float(hi - lo), 1e-12 * price) / price * 100.0
    return cfg.density_ratio * (1.0 - 2.0 * q) * total / width_pct


def _extent(s: FloatArray, peak: int, level: float, blocked: BoolArray) -> tuple[int, int]:
    """Bins ``[lo, hi)`` around ``peak`` with ``s >= level`` and not blocked."""
    stop = (s < level) | blocked
    left = np.flatnonzero(stop[:peak])
    right = np.flatnonzero(stop[peak + 1 :])
    lo = int(left[-1]) + 1 if left.size else 0
    hi = peak + 1 + int(right[0]) if right.size else s.size
    return lo, hi


def _peaks(s: FloatArray, level: float) -> NDArray[np.intp]:
    """Local maxima of ``s`` at or above ``level`` (and > 0), tallest first (stable order)."""
    pad = np.concatenate(([-np.inf], s, [-np.inf]))
    is_max = (s >= pad[:-2]) & (s >= pad[2:]) & (s >= level) & (s > 0)
    idx = np.flatnonzero(is_max)
    return idx[np.argsort(-s[idx], kind="stable")]


def _side_runs(
    x: FloatArray, s: FloatArray, level: float, min_usd: float, cfg: ClusterConfig
) -> list[tuple[int, int]]:
    """Cluster extents of one side, tallest peak first."""
    taken = np.zeros(s.size, dtype=np.bool_)
    runs: list[tuple[int, int]] = []
    tries = 0
    for p in _peaks(s, level):
        if len(runs) == cfg.max_per_side or tries == 4 * cfg.max_per_side:
            break
        if taken[p]:
            continue
        tries += 1
        lo, hi = _extent(s, int(p), cfg.edge_ratio * float(s[p]), taken)
        taken[lo:hi] = True
        usd = float(x[lo:hi].sum())
        if usd > 0 and usd >= min_usd:
            runs.append((lo, hi))
    return runs


def _make_cluster(
    side: SideName,
    run: tuple[int, int],
    *,
    tiers: FloatArray,
    edges: FloatArray,
    price: float,
    side_total: float,
    cfg: ClusterConfig,
) -> Cluster:
    lo, hi = run
    by_tier = tiers[:, lo:hi].sum(axis=1)
    x = tiers[:, lo:hi].sum(axis=0)
    usd = float(x.sum())
    centres = 0.5 * (edges[lo:hi] + edges[lo + 1 : hi + 1])
    centre = float(np.dot(x, centres) / usd)
    # = (centre / price - 1) * 100, as a mean of same-signed terms so its sign is exact
    distance = float(np.dot(x, (centres / price - 1.0) * 100.0) / usd)
    return Cluster(
        side=side,
        price_low=float(edges[lo]),
        price_high=float(edges[hi]),
        price=centre,
        usd=usd,
        usd_by_tier=tuple(float(u) for u in by_tier),
        distance_pct=distance,
        share_of_side=min(1.0, usd / side_total),
        score=cluster_score(usd, distance, cfg.d0_pct),
        rank=0,
    )


def _detect_side(
    side: SideName, usd: FloatArray, edges: FloatArray, price: float, cfg: ClusterConfig
) -> list[Cluster]:
    """Clusters of one side, unranked."""
    tiers = np.maximum(usd, 0.0)
    side_total = float(tiers.sum())
    if side_total <= 0:
        return []
    centres = 0.5 * (edges[:-1] + edges[1:])
    distance = centres / price - 1.0
    on_side = distance < 0 if side == "long" else distance > 0
    tiers = np.where(on_side, tiers, 0.0)
    x = tiers.sum(axis=0)
    if not x.any():
        return []
    width_pct = np.diff(edges) / price * 100.0
    s = _smooth(x / width_pct, cfg.smooth_pct / float(np.median(width_pct)))
    s = np.where(on_side, s, 0.0)
    level = _dense_level(s, edges, price, cfg)
    runs = _side_runs(x, s, level, cfg.min_share * side_total, cfg)
    return [
        _make_cluster(
            side, r, tiers=tiers, edges=edges, price=price, side_total=side_total, cfg=cfg
        )
        for r in runs
    ]


def _rank(clusters: list[Cluster]) -> tuple[Cluster, ...]:
    """Sort by score (ties: nearer first, then longs, then lower price) and number 1..k."""
    ordered = sorted(clusters, key=lambda c: (-c.score, abs(c.distance_pct), c.side, c.price))
    return tuple(
        Cluster(
            side=c.side,
            price_low=c.price_low,
            price_high=c.price_high,
            price=c.price,
            usd=c.usd,
            usd_by_tier=c.usd_by_tier,
            distance_pct=c.distance_pct,
            share_of_side=c.share_of_side,
            score=c.score,
            rank=i,
        )
        for i, c in enumerate(ordered, start=1)
    )


def detect_clusters(
    edges: FloatArray,
    long_usd: FloatArray,
    short_usd: FloatArray,
    price: float,
    *,
    config: ClusterConfig | None = None,
) -> tuple[Cluster, ...]:
    """Dense liquidation clusters of both sides, ranked (rank 1 = most important).

    Parameters
    ----------
    edges
        ``n + 1`` strictly increasing bin edges.
    long_usd, short_usd
        ``(n_tiers, n)`` USD of long / short liquidation levels per tier and bin.
    price
        Current price; longs are looked for below it, shorts above it.
    config
        Detection and ranking parameters (``ClusterConfig()`` when omitted).

    Returns
    -------
    tuple[Cluster, ...]
        Ranked by :func:`cluster_score`; empty for an empty map.
    """
    cfg = config or DEFAULT_CLUSTER_CONFIG
    e = np.asarray(edges, dtype=np.float64)
    lu = np.asarray(long_usd, dtype=np.float64)
    su = np.asarray(short_usd, dtype=np.float64)
    _validate(e, lu, su, price)
    found = _detect_side("long", lu, e, price, cfg) + _detect_side("short", su, e, price, cfg)
    return _rank(found)


def usd_near_price(
    edges: FloatArray, long_usd: FloatArray, short_usd: FloatArray, price: float, pct: float
) -> tuple[float, float]:
    """Long USD within ``pct`` % below ``price`` and short USD within ``pct`` % above it.

    USD is taken as uniform within a bin, so a bin partly inside the range counts in proportion.
    Feed the result to ``compose_reading(..., near_usd=...)``.
    """
    e = np.asarray(edges, dtype=np.float64)
    lu = np.asarray(long_usd, dtype=np.float64)
    su = np.asarray(short_usd, dtype=np.float64)
    _validate(e, lu, su, price)
    if not (math.isfinite(pct) and pct >= 0):
        raise ValueError(f"pct must be finite and >= 0, got {pct}")
    lo, hi = e[:-1], e[1:]
    width = hi - lo

    def inside(a: float, b: float) -> FloatArray:
        return np.asarray(np.clip(np.minimum(hi, b) - np.maximum(lo, a), 0.0, None) / width)

    span = price * pct / 100.0
    below = float(np.dot(np.maximum(lu, 0.0).sum(axis=0), inside(price - span, price)))
    above = float(np.dot(np.maximum(su, 0.0).sum(axis=0), inside(price, price + span)))
    return below, above
