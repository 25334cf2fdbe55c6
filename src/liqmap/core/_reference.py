"""Readable reference implementation of the estimator's bar loop.

Same semantics as the numba kernel (:mod:`liqmap.core._kernel`) written the obvious way: every bin
is decayed, scanned and cleared eagerly, with no scale factors or pointers. It is slow (O(bins) per
bar) and exists so that tests can check the fast kernel against it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["ReferenceInputs", "ReferenceState", "reference_run"]

FloatArray = NDArray[np.float64]


@dataclass
class ReferenceState:
    """Liquidation USD per side (0 long, 1 short), tier and bin, plus the kernel's accumulators."""

    usd: FloatArray  # (2, n_tiers, n_bins)
    out_of_range: list[float] = field(default_factory=lambda: [0.0, 0.0])
    liquidated: list[float] = field(default_factory=lambda: [0.0, 0.0])
    opened: list[float] = field(default_factory=lambda: [0.0, 0.0])
    unmatched_events: float = 0.0
    closed_by_oi: float = 0.0
    snapshots: list[FloatArray] = field(default_factory=list)  # (2, n_bins) per column
    liquidated_by_bar: list[tuple[float, float]] = field(default_factory=list)


@dataclass(frozen=True)
class ReferenceInputs:
    """Per-bar inputs, exactly as the kernel receives them."""

    high: FloatArray
    low: FloatArray
    entry_lo: FloatArray
    entry_hi: FloatArray
    new_long: FloatArray
    new_short: FloatArray
    oi_delta: FloatArray
    oi_prev: FloatArray
    dt_hours: FloatArray
    oi_target: FloatArray
    long_share: FloatArray
    weights: FloatArray
    lam_per_hour: FloatArray
    f_long: FloatArray  # (n_tiers,) a ratio per tier, or (n_tiers, 2) its span
    f_short: FloatArray
    edges: FloatArray
    ev_bar: NDArray[np.int64]
    ev_side: NDArray[np.int64]
    ev_price: FloatArray
    ev_usd: FloatArray
    snap_bar: NDArray[np.int64]


def _spread_uniform(
    edges: FloatArray, x0: float, x1: float, amount: float
) -> tuple[FloatArray, float]:
    """USD per bin of ``amount`` spread uniformly over ``[x0, x1]``, and the USD outside the grid."""
    n = len(edges) - 1
    out = np.zeros(n)
    width = edges[1] - edges[0]
    if (x1 - x0) / width < 1e-12:
        b = math.floor((x0 - edges[0]) / width)
        if 0 <= b < n:
            out[b] = amount
            return out, 0.0
        return out, amount
    for b in range(n):
        overlap = min(x1, edges[b + 1]) - max(x0, edges[b])
        if overlap > 0:
            out[b] = amount * overlap / (x1 - x0)
    rest = amount - out.sum()
    return out, (rest if rest > 1e-9 * amount else 0.0)


def _fraction_at_or_above(edges: FloatArray, price: float) -> FloatArray:
    """Per bin, the share of a uniform bin lying at or above ``price``."""
    width = edges[1] - edges[0]
    return np.asarray(np.clip((edges[1:] - price) / width, 0.0, 1.0), dtype=np.float64)


def _bar(state: ReferenceState, x: ReferenceInputs, i: int) -> None:
    usd, edges = state.usd, x.edges
    # 1. decay
    for t in range(usd.shape[1]):
        usd[:, t, :] *= math.exp(-x.lam_per_hour[t] * x.dt_hours[i])
    # 2. observed liquidations that happened in the gap before this bar
    for e in np.flatnonzero(x.ev_bar == i):
        s = 0 if x.ev_side[e] > 0 else 1
        width = edges[1] - edges[0]
        k = math.floor((x.ev_price[e] - edges[0]) / width)
        avail = usd[s, :, k].sum() if 0 <= k < usd.shape[2] else 0.0
        take = min(x.ev_usd[e], avail)
        if avail > 0:
            usd[s, :, k] *= 1.0 - take / avail
        state.unmatched_events += x.ev_usd[e] - take
    # 3. crossing: a long level is hit when low <= level; a short level when high >= level
    hit_long = _fraction_at_or_above(edges, x.low[i])
    hit_short = 1.0 - _fraction_at_or_above(edges, x.high[i])
    cleared_long = usd[0] * hit_long
    cleared_short = usd[1] * hit_short
    usd[0] -= cleared_long
    usd[1] -= cleared_short
    state.liquidated[0] += cleared_long.sum()
    state.liquidated[1] += cleared_short.sum()
    state.liquidated_by_bar.append((float(cleared_long.sum()), float(cleared_short.sum())))
    new_long, new_short = _flows(state, x, i, float(cleared_long.sum() + cleared_short.sum()))
    # 5. new positions
    for t in range(usd.shape[1]):
        for s, amount_side, f in ((0, new_long, x.f_long), (1, new_short, x.f_short)):
            amount = amount_side * x.weights[t]
            if amount <= 0:
                continue
            # a tier's levels span its ratios at the cell's two leverage edges (one ratio: a point)
            ends = np.asarray(f, dtype=np.float64).reshape(len(f), -1)[t]
            a, b = float(ends.min()), float(ends.max())
            part, oor = _spread_uniform(edges, x.entry_lo[i] * a, x.entry_hi[i] * b, amount)
            usd[s, t] += part
            state.out_of_range[s] += oor
            state.opened[s] += amount
    # 6. heatmap columns
    for _ in range(int(np.count_nonzero(x.snap_bar == i))):
        state.snapshots.append(usd.sum(axis=1).copy())


def _flows(
    state: ReferenceState, x: ReferenceInputs, i: int, liquidated: float
) -> tuple[float, float]:
    """4. closes, and the (long, short) USD the bar opens."""
    usd = state.usd
    target = x.oi_target[i]
    if not math.isnan(target):
        # stock-flow rule: the live notional is brought to the (known or implied) open interest
        tracked = usd.sum()
        if tracked > target:
            f = 1.0 - target / tracked
            usd *= 1.0 - f
            state.closed_by_oi += f * tracked
        gap = max(target - usd.sum(), 0.0)
        return gap * x.long_share[i], gap * (1.0 - x.long_share[i])
    # open-interest decrease beyond the liquidations closes every level pro rata (only when
    # the OI level is known: with changes alone the closing share is unknown)
    oi_prev = x.oi_prev[i]
    if (
        not math.isnan(x.oi_delta[i])
        and x.oi_delta[i] < 0
        and not math.isnan(oi_prev)
        and oi_prev > 0
    ):
        excess = -x.oi_delta[i] - liquidated
        tracked = usd.sum()
        if excess > 0 and tracked > 0:
            f = min(excess / oi_prev, 1.0)
            usd *= 1.0 - f
            state.closed_by_oi += f * tracked
    return float(x.new_long[i]), float(x.new_short[i])


def reference_run(x: ReferenceInputs) -> ReferenceState:
    """Run every bar from an empty state."""
    state = ReferenceState(usd=np.zeros((2, len(x.weights), len(x.edges) - 1)))
    for i in range(len(x.high)):
        _bar(state, x, i)
    return state
