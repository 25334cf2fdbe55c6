"""Fresh positions: what is opened *and* liquidated while price travels (docs/model.md 2.17).

A map as of ``t`` holds the positions open at ``t``. If price then trades down to ``low`` and up
to ``high`` within a horizon ``h``, more is liquidated than the map's levels in that range:
traders keep opening positions along the way, and the high-leverage ones among them are
liquidated by the same move (a long opened at ``x`` with liquidation distance ``d`` is hit once
price trades at or below ``x (1 - d)`` after its entry).

Their size: new positions are opened at ``fresh_share`` x the traded USD per hour ``r`` (the
mean over the 24 hours before ``t``; without volume, the open notional x ``turnover_per_day``
/ 24, section 2.13), split evenly between longs and shorts and over the leverage cells by the
law's weights ``w_k``. Those of cell ``k`` opened within ``h`` and still held at its end (half-life
``h_k``) are ``r_k (h_k / ln 2) (1 - 2^(-h / h_k))``. Entries are uniform over the range
``[low, high]``; each is liquidated if its distance is at most the adverse excursion from its
entry to the range's far end. Positions spread uniformly in liquidation distance over each
cell's span, as the kernel deposits them. ``fresh_share`` folds together the share of turnover
that opens leveraged positions, the share of entries that see the far end after them and how
often an hour's path re-trades its range: it is fitted on the development window
(``liqmap.accuracy.fresh_fit``).

Pure numerics, no I/O; vectorised over cells and a fixed midpoint rule over entries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

__all__ = ["ENTRY_POINTS", "LOOKBACK_MS", "FreshFlow", "flow_rate", "fresh_usd", "span_distances"]

FloatArray = NDArray[np.float64]
ENTRY_POINTS = 64
"""Midpoint-rule nodes over the entry range (the error is far below the model's)."""

_NODES = (np.arange(ENTRY_POINTS, dtype=np.float64) + 0.5) / ENTRY_POINTS
_HOUR_MS = 3_600_000.0
LOOKBACK_MS = 86_400_000
"""The traded USD per hour is the mean over this long before the map's time."""


@dataclass(frozen=True, slots=True)
class FreshFlow:
    """What a map needs to price its fresh positions (:meth:`LiquidationMap.usd_if`).

    Attributes
    ----------
    rate_usd_per_hour
        Traded USD per hour the new positions are a share of.
    source
        ``"volume"`` (the bars' volume over :data:`LOOKBACK_MS`) or ``"turnover"`` (open
        notional x ``turnover_per_day`` / 24, where the bars carry no volume).
    distances
        :func:`span_distances` of the map's leverage cells.
    """

    rate_usd_per_hour: float
    source: Literal["volume", "turnover"]
    distances: FloatArray

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary (the distances are the cells' spans, implied by the params)."""
        return {"rate_usd_per_hour": self.rate_usd_per_hour, "source": self.source}


def flow_rate(
    ts_ms: NDArray[np.int64],
    volume_usd: FloatArray,
    interval_ms: int,
    as_of_ms: int,
    lookback_ms: int = LOOKBACK_MS,
) -> float:
    """Mean traded USD per hour over the bars that closed within ``lookback_ms`` before
    ``as_of_ms``; bars without volume (NaN) are left out; NaN when none has volume."""
    lo = int(np.searchsorted(ts_ms, as_of_ms - lookback_ms, side="left"))
    hi = int(np.searchsorted(ts_ms, as_of_ms - interval_ms, side="right"))
    v = volume_usd[lo:hi]
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return math.nan
    return float(v.sum() / (len(v) * interval_ms / _HOUR_MS))


def span_distances(f_long: FloatArray, f_short: FloatArray) -> FloatArray:
    """``(4, n_cells)`` liquidation distances of the cells' spans from their entries.

    Rows: long near, long far, short near, short far (fractions of the entry price), from the
    liquidation/entry ratios ``(n_cells, 2)`` of :func:`liqmap.core.estimator.tier_spans`.
    """
    dl = np.sort(1.0 - np.asarray(f_long, np.float64), axis=1)
    ds = np.sort(np.asarray(f_short, np.float64) - 1.0, axis=1)
    return np.stack((dl[:, 0], dl[:, 1], ds[:, 0], ds[:, 1]))


def _reached_share(excursion: FloatArray, near: FloatArray, far: FloatArray) -> FloatArray:
    """Per cell, the mean over entries of the share of its span within ``excursion``."""
    u = excursion[None, :]
    a, b = near[:, None], far[:, None]
    width = b - a
    safe = np.where(width > 0.0, width, 1.0)
    spread = np.clip((u - a) / safe, 0.0, 1.0)
    point = (u >= a).astype(np.float64)
    share: FloatArray = np.where(width > 0.0, spread, point).mean(axis=1)
    return share


def fresh_usd(
    flow: FreshFlow,
    weights: tuple[float, ...],
    half_life_hours: tuple[float, ...],
    low: float,
    high: float,
    side: str,
    horizon_ms: float,
    share: float,
) -> float:
    """Expected USD of positions opened within ``horizon_ms`` and liquidated by the same move.

    Parameters
    ----------
    flow
        The map's :class:`FreshFlow`.
    weights, half_life_hours
        Per leverage cell, its share of new positions and its holding half-life.
    low, high
        The range price trades over within the horizon (``low <= high``).
    side
        ``"long"`` (hit by the move down to ``low``) or ``"short"`` (up to ``high``).
    horizon_ms
        How long the move takes.
    share
        ``fresh_share`` (0 turns the term off).
    """
    rate = flow.rate_usd_per_hour
    if share <= 0.0 or not high > low > 0.0 or horizon_ms <= 0.0 or not rate > 0.0:
        return 0.0
    x = low + (high - low) * _NODES
    d = flow.distances
    if side == "long":
        excursion, near, far = 1.0 - low / x, d[0], d[1]
    elif side == "short":
        excursion, near, far = high / x - 1.0, d[2], d[3]
    else:
        raise ValueError(f"side must be 'long' or 'short', got {side!r}")
    hl = np.asarray(half_life_hours, dtype=np.float64)
    held = hl / math.log(2.0) * (1.0 - np.exp2(-(horizon_ms / _HOUR_MS) / hl))  # hours' worth
    opened = 0.5 * share * rate * np.asarray(weights, dtype=np.float64) * held
    return float((opened * _reached_share(excursion, near, far)).sum())
