"""The estimator's fast kernel (numba). Semantics are documented in ``docs/model.md`` section 2 and
mirrored line for line by the readable reference in :mod:`liqmap.core._reference`; a test keeps the
two equal.

State (mutated in place, so a live map can resume it bar by bar):

``stored[s, t, b]``
    Liquidation USD of side ``s`` (0 long, 1 short), tier ``t``, bin ``b``, *divided by*
    ``scale[s, t]``. Decay and pro-rata closes multiply ``scale`` (O(1) per bar) instead of every bin.
``ptr[0, t]``
    Highest bin that may hold long levels (-1: none). Long levels are cleared from the top down.
``ptr[1, t]``
    Lowest bin that may hold short levels (``n``: none). Short levels are cleared from the bottom up.
``total[s, t]``
    Live USD per side and tier (true units).
``acc``
    Accumulators, see the ``ACC_*`` indices.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numpy.typing import NDArray

from liqmap.core._kernel_book import (
    ACC_CLOSED_OI,
    ACC_LIQ_LONG,
    ACC_LIQ_SHORT,
    ACC_OOR_LONG,
    ACC_OOR_SHORT,
    ACC_OPEN_LONG,
    ACC_OPEN_SHORT,
    ACC_SIZE,
    ACC_UNMATCHED,
    clear_longs,
    clear_shorts,
    decay_all,
    flows,
    open_all,
    subtract_event,
    write_column,
)

__all__ = [
    "ACC_CLOSED_OI",
    "ACC_LIQ_LONG",
    "ACC_LIQ_SHORT",
    "ACC_OOR_LONG",
    "ACC_OOR_SHORT",
    "ACC_OPEN_LONG",
    "ACC_OPEN_SHORT",
    "ACC_SIZE",
    "ACC_UNMATCHED",
    "ema",
    "run_bars",
]


@nb.njit(cache=True, nogil=True, error_model="numpy")
def run_bars(
    stored: NDArray[np.float64],
    scale: NDArray[np.float64],
    ptr: NDArray[np.int64],
    total: NDArray[np.float64],
    acc: NDArray[np.float64],
    high: NDArray[np.float64],
    low: NDArray[np.float64],
    entry_lo: NDArray[np.float64],
    entry_hi: NDArray[np.float64],
    new_long: NDArray[np.float64],
    new_short: NDArray[np.float64],
    oi_delta: NDArray[np.float64],
    oi_prev: NDArray[np.float64],
    dt_hours: NDArray[np.float64],
    oi_target: NDArray[np.float64],
    long_share: NDArray[np.float64],
    weights: NDArray[np.float64],
    lam_per_hour: NDArray[np.float64],
    f_long_lo: NDArray[np.float64],
    f_short_lo: NDArray[np.float64],
    f_long_hi: NDArray[np.float64],
    f_short_hi: NDArray[np.float64],
    lo: float,
    inv_w: float,
    ev_bar: NDArray[np.int64],
    ev_side: NDArray[np.int64],
    ev_price: NDArray[np.float64],
    ev_usd: NDArray[np.float64],
    snap_bar: NDArray[np.int64],
    out_long: NDArray[np.float64],
    out_short: NDArray[np.float64],
    liq_out: NDArray[np.float64],
) -> None:
    """Advance the state over every bar; per bar: decay, gap events, cross, OI close, open, snapshot.

    Where ``oi_target[i]`` is known (an OI level, or one implied from volume), the live notional
    is brought to it: above it every level closes pro rata down to it, below it the gap opens
    new positions split by ``long_share[i]`` (stock-flow rule, docs/model.md 2.12). Elsewhere the
    bar opens ``new_long/new_short`` and OI decreases close pro rata. ``liq_out[i]`` (if it has
    a row per bar) receives the (long, short) USD cleared in bar ``i``.
    """
    n = stored.shape[2]
    n_t = stored.shape[1]
    e = 0
    c = 0
    last_dt = -1.0
    decay = np.ones(n_t)
    spans = np.empty((4, n_t))  # rows: long lo, short lo, long hi, short hi (one array per call)
    spans[0, :] = f_long_lo
    spans[1, :] = f_short_lo
    spans[2, :] = f_long_hi
    spans[3, :] = f_short_hi
    keep_liq = liq_out.shape[0] == high.shape[0]
    for i in range(high.shape[0]):
        # 1. decay since the previous bar
        if dt_hours[i] != last_dt:
            last_dt = dt_hours[i]
            for t in range(n_t):
                decay[t] = math.exp(-lam_per_hour[t] * last_dt)
        decay_all(stored, scale, total, decay)
        # 2. observed liquidations that happened in the gap before this bar (no bar saw them)
        while e < ev_bar.shape[0] and ev_bar[e] <= i:
            if ev_bar[e] == i:
                s = 0 if ev_side[e] > 0 else 1
                acc[ACC_UNMATCHED] += subtract_event(
                    stored, scale, total, s, ev_price[e], ev_usd[e], lo, inv_w, n
                )
            e += 1
        # 3. levels crossed by this bar's low (longs) and high (shorts)
        liq_l = 0.0 + clear_longs(stored, scale, ptr, total, low[i], lo, inv_w, n)
        liq_s = 0.0 + clear_shorts(stored, scale, ptr, total, high[i], lo, inv_w, n)
        acc[ACC_LIQ_LONG] += liq_l
        acc[ACC_LIQ_SHORT] += liq_s
        liq_bar = liq_l + liq_s
        if keep_liq:
            liq_out[i, 0] = liq_l
            liq_out[i, 1] = liq_s
        flow = (oi_target[i], long_share[i], oi_delta[i], oi_prev[i], new_long[i], new_short[i])
        nl, ns = flows(scale, total, stored, acc, liq_bar, flow)
        # 5. new positions: entries uniform over [entry_lo, entry_hi], each tier at its ratio
        open_all(
            stored, scale, ptr, total, acc, (nl, ns),
            (entry_lo[i], entry_hi[i]), weights, spans, lo, inv_w,
        )  # fmt: skip
        # 6. heatmap column
        while c < snap_bar.shape[0] and snap_bar[c] == i:
            write_column(stored, scale, out_long, out_short, c)
            c += 1


@nb.njit(cache=True, nogil=True, error_model="numpy")
def ema(
    values: NDArray[np.float64], alpha: NDArray[np.float64], init: float
) -> NDArray[np.float64]:
    """Exponential moving average ``m_i = m_{i-1} + alpha_i (v_i - m_{i-1})``; NaN values are
    skipped (the average is carried); ``init`` NaN starts at the first finite value."""
    out = np.empty(values.shape[0])
    m = init
    for i in range(values.shape[0]):
        v = values[i]
        if not math.isnan(v):
            m = v if math.isnan(m) else m + alpha[i] * (v - m)
        out[i] = m
    return out
