"""Known positions binned at their liquidation prices: the truth profile of a liquidation map.

One function serves every map built from positions rather than estimated: the simulator's truth
(:func:`liqmap.sim.true_liquidation_profile`, ``liqmap.api.true_map``) and the real Hyperliquid
map of sampled accounts (``liqmap.exchanges.hyperliquid.positions.positions_map``).

Each position's USD goes to the leverage tier nearest its leverage on a log scale (75x between
50x and 100x goes to 100x; ties to the lower tier) and to the price bin ``[edges[i], edges[i+1])``
holding its liquidation price, on its side. Positions outside the edges are summed per side as
out-of-range USD, never dropped silently.

Worked example: edges ``[90, 100, 110]``, tiers ``(10, 100)``; a long of $5 at 95 with 12x goes to
``long_usd[0, 0]``; a short of $7 at 104 with 80x to ``short_usd[1, 1]``; a long at 120 is $3
out of range.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from liqmap.domain.market import FloatArray, IntArray
from liqmap.errors import ParameterError

__all__ = ["PositionBins", "bin_positions", "nearest_tiers"]


@dataclass(frozen=True, slots=True)
class PositionBins:
    """USD per ``(tier, price bin)`` for each side, and what fell outside the edges."""

    long_usd: FloatArray
    short_usd: FloatArray
    out_of_range_long_usd: float
    out_of_range_short_usd: float


def nearest_tiers(leverage: ArrayLike, tiers: ArrayLike) -> IntArray:
    """Index of the tier nearest each leverage on a log scale (3x goes to 5x, not 1x)."""
    lev = np.log(np.asarray(leverage, dtype=np.float64))
    log_tiers = np.log(np.asarray(tiers, dtype=np.float64))
    return np.asarray(np.argmin(np.abs(lev[:, None] - log_tiers[None, :]), axis=1), np.int64)


def bin_positions(
    edges: ArrayLike,
    leverages: tuple[float, ...],
    *,
    side: ArrayLike,
    leverage: ArrayLike,
    liquidation_price: ArrayLike,
    usd: ArrayLike,
) -> PositionBins:
    """Bin positions (``side`` > 0: long) by liquidation price and nearest leverage tier.

    Returns arrays of shape ``(len(leverages), len(edges) - 1)``, like a ``LiquidationMap``.
    """
    e = np.asarray(edges, dtype=np.float64)
    tiers = np.asarray(leverages, dtype=np.float64)
    if len(e) < 2 or np.any(np.diff(e) <= 0):
        raise ParameterError("edges must be >= 2 increasing prices", field="edges")
    if len(tiers) == 0 or np.any(tiers <= 0):
        raise ParameterError("give at least one leverage > 0", field="leverages")
    sides = np.asarray(side, dtype=np.float64)
    px = np.asarray(liquidation_price, dtype=np.float64)
    amount = np.asarray(usd, dtype=np.float64)
    n_bins = len(e) - 1
    out = np.zeros((2, len(tiers), n_bins))
    if len(px) == 0:
        return PositionBins(out[0], out[1], 0.0, 0.0)
    b = np.searchsorted(e, px, side="right") - 1
    ok = (b >= 0) & (b < n_bins)
    s = np.where(sides > 0, 0, 1)
    t = nearest_tiers(leverage, tiers)
    np.add.at(out, (s[ok], t[ok], b[ok]), amount[ok])
    long_out = float(amount[~ok & (sides > 0)].sum())
    short_out = float(amount[~ok & (sides <= 0)].sum())
    return PositionBins(out[0], out[1], long_out, short_out)
