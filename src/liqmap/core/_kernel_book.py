"""The level book's per-bar operations, inlined into the estimator's kernel (numba).

Each function is one step of :func:`liqmap.core._kernel.run_bars` on the state described in
:mod:`liqmap.core._kernel` (``stored``, ``scale``, ``ptr``, ``total``, ``acc``): deposit a span of
levels, clear the levels a bar crossed, renormalise, close pro rata, subtract an observed
liquidation, decay, open new positions, write a heatmap column. All are ``inline="always"``:
compiled into ``run_bars`` (and its ahead-of-time build, which hashes this file too), never
called on their own. The ``ACC_*`` indices of the accumulators are defined here.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numpy.typing import NDArray

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
    "clear_longs",
    "clear_shorts",
    "close_pro_rata",
    "decay_all",
    "deposit_span",
    "flows",
    "live_usd",
    "open_all",
    "renormalise",
    "subtract_event",
    "write_column",
]

ACC_OOR_LONG = 0  # USD of long levels that fell outside the price grid when opened
ACC_OOR_SHORT = 1
ACC_LIQ_LONG = 2  # USD of long levels cleared by price (estimated liquidations)
ACC_LIQ_SHORT = 3
ACC_UNMATCHED = 4  # USD of observed liquidation events with no level left to subtract from
ACC_CLOSED_OI = 5  # USD closed pro rata by open-interest decreases
ACC_OPEN_LONG = 6  # USD opened (deposited) on the long side
ACC_OPEN_SHORT = 7
ACC_SIZE = 8

_RENORM_BELOW = 1e-200
_EPS_LEN = 1e-12
_RESIDUE = 1e-9  # relative share of a deposit below which the outside part is rounding


@nb.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def deposit_span(
    x0: float, x1: float, amount: float, lo: float, inv_w: float, n: int
) -> tuple[int, int, float, float, float, float]:
    """Where ``amount`` spread uniformly over prices ``[x0, x1]`` lands: bins ``first..last``
    (``-1, -1``: none), ``head``/``tail`` to the first/last bin, ``dens`` to each bin between,
    ``outside`` off the grid. Scalars only, the caller writes: each array argument of a per-bar
    helper costs numba an atomic reference-count pair per call (3x the kernel's time before)."""
    u0 = (x0 - lo) * inv_w
    u1 = (x1 - lo) * inv_w
    length = u1 - u0
    if length < _EPS_LEN:
        b = math.floor(u0)
        if 0 <= b < n:
            return b, b, 0.0, amount, 0.0, 0.0
        return -1, -1, 0.0, 0.0, 0.0, amount
    first = math.floor(max(u0, 0.0))
    last = math.floor(min(u1, n - 1e-9))
    if last < first:
        return -1, -1, 0.0, 0.0, 0.0, amount
    dens = amount / length  # USD per unit of bin
    inside = dens * (min(u1, last + 1.0) - max(u0, float(first)))
    rest = amount - inside
    # rounding residue of the overlap sum is not "out of range"
    outside = rest if rest > _RESIDUE * amount else 0.0
    if first == last:
        return first, last, dens, inside, 0.0, outside
    head = dens * ((first + 1.0) - max(u0, float(first)))
    tail = dens * (min(u1, last + 1.0) - last)
    return first, last, dens, head, tail, outside


@nb.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def clear_longs(
    stored: NDArray[np.float64],
    scale: NDArray[np.float64],
    ptr: NDArray[np.int64],
    total: NDArray[np.float64],
    low: float,
    lo: float,
    inv_w: float,
    n: int,
) -> float:
    """Clear long levels at or above ``low`` in every tier; returns the USD cleared (true units)."""
    u = (low - lo) * inv_w
    k = math.floor(u) if u > -1.0 else -1
    out = 0.0
    if k >= n:
        return out
    for t in range(stored.shape[1]):
        top = ptr[0, t]
        if top < 0 or k > top:
            continue
        cleared = 0.0
        for b in range(max(k + 1, 0), top + 1):
            cleared += stored[0, t, b]
            stored[0, t, b] = 0.0
        if k >= 0:
            frac = (k + 1.0) - u
            part = stored[0, t, k] * frac
            stored[0, t, k] -= part
            cleared += part
        ptr[0, t] = k
        cleared *= scale[0, t]
        total[0, t] = max(total[0, t] - cleared, 0.0)
        out += cleared
    return out


@nb.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def clear_shorts(
    stored: NDArray[np.float64],
    scale: NDArray[np.float64],
    ptr: NDArray[np.int64],
    total: NDArray[np.float64],
    high: float,
    lo: float,
    inv_w: float,
    n: int,
) -> float:
    """Clear short levels at or below ``high`` in every tier; returns the USD cleared."""
    u = (high - lo) * inv_w
    k = math.floor(u) if u < n + 1.0 else n
    out = 0.0
    if k < 0:
        return out
    for t in range(stored.shape[1]):
        bot = ptr[1, t]
        if bot >= n or k < bot:
            continue
        cleared = 0.0
        for b in range(bot, min(k, n)):
            cleared += stored[1, t, b]
            stored[1, t, b] = 0.0
        if k < n:
            frac = u - k
            part = stored[1, t, k] * frac
            stored[1, t, k] -= part
            cleared += part
        ptr[1, t] = k
        cleared *= scale[1, t]
        total[1, t] = max(total[1, t] - cleared, 0.0)
        out += cleared
    return out


@nb.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def renormalise(stored: NDArray[np.float64], scale: NDArray[np.float64], s: int, t: int) -> None:
    """Fold a vanishing ``scale[s, t]`` into the bins (callers check ``< _RENORM_BELOW`` first,
    so the common path makes no call)."""
    f = scale[s, t]
    for b in range(stored.shape[2]):
        stored[s, t, b] *= f
    scale[s, t] = 1.0


@nb.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def close_pro_rata(
    scale: NDArray[np.float64],
    total: NDArray[np.float64],
    stored: NDArray[np.float64],
    excess: float,
    oi_prev: float,
) -> float:
    """Close ``excess`` USD of open interest pro rata over every live level; returns USD closed.

    The closing share is ``excess / oi_prev``: every open position is equally likely to close.
    Without an OI level (only changes known) the share is unknown and nothing is closed here;
    the half-life decay carries the closes then.
    """
    tracked = live_usd(total)
    if excess <= 0.0 or tracked <= 0.0 or math.isnan(oi_prev) or oi_prev <= 0.0:
        return 0.0
    f = min(excess / oi_prev, 1.0)
    for s in range(2):
        for t in range(scale.shape[1]):
            if f >= 1.0:
                stored[s, t, :] = 0.0
                scale[s, t] = 1.0
            else:
                scale[s, t] *= 1.0 - f
                if scale[s, t] < _RENORM_BELOW:
                    renormalise(stored, scale, s, t)
            total[s, t] *= 1.0 - f
    return float(f * tracked)


@nb.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def subtract_event(
    stored: NDArray[np.float64],
    scale: NDArray[np.float64],
    total: NDArray[np.float64],
    s: int,
    price: float,
    usd: float,
    lo: float,
    inv_w: float,
    n: int,
) -> float:
    """Remove an observed liquidation from the levels in its bin; returns the unmatched USD."""
    k = math.floor((price - lo) * inv_w)
    if k < 0 or k >= n:
        return usd
    avail = 0.0
    for t in range(stored.shape[1]):
        avail += stored[s, t, k] * scale[s, t]
    if avail <= 0.0:
        return usd
    take = min(usd, avail)
    keep = 1.0 - take / avail
    for t in range(stored.shape[1]):
        total[s, t] = max(total[s, t] - stored[s, t, k] * scale[s, t] * (1.0 - keep), 0.0)
        stored[s, t, k] *= keep
    return usd - take


@nb.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def write_column(
    stored: NDArray[np.float64],
    scale: NDArray[np.float64],
    out_long: NDArray[np.float64],
    out_short: NDArray[np.float64],
    c: int,
) -> None:
    n = stored.shape[2]
    for b in range(n):
        out_long[c, b] = 0.0
        out_short[c, b] = 0.0
    for t in range(stored.shape[1]):
        fl = scale[0, t]
        fs = scale[1, t]
        for b in range(n):
            out_long[c, b] += stored[0, t, b] * fl
            out_short[c, b] += stored[1, t, b] * fs


@nb.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def decay_all(
    stored: NDArray[np.float64],
    scale: NDArray[np.float64],
    total: NDArray[np.float64],
    decay: NDArray[np.float64],
) -> None:
    for t in range(stored.shape[1]):
        if decay[t] < 1.0:
            for s in range(2):
                scale[s, t] *= decay[t]
                total[s, t] *= decay[t]
                if scale[s, t] < _RENORM_BELOW:
                    renormalise(stored, scale, s, t)


@nb.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def open_all(
    stored: NDArray[np.float64],
    scale: NDArray[np.float64],
    ptr: NDArray[np.int64],
    total: NDArray[np.float64],
    acc: NDArray[np.float64],
    usd_side: tuple[float, float],
    entry: tuple[float, float],
    weights: NDArray[np.float64],
    spans: NDArray[np.float64],
    lo: float,
    inv_w: float,
) -> None:
    """Deposit a bar's new long and short notional: tier ``t`` of side ``s`` uniformly over
    ``[entry_lo * spans[s, t], entry_hi * spans[2 + s, t]]``, the lower and upper ratios of its
    span of leverages (equal for a point leverage; docs/model.md 2.11)."""
    n = stored.shape[2]
    for t in range(stored.shape[1]):
        for s in range(2):
            usd = usd_side[s] * weights[t]
            if usd <= 0.0:
                continue
            b0, b1, dens, head, tail, oor = deposit_span(
                entry[0] * spans[s, t], entry[1] * spans[2 + s, t], usd / scale[s, t], lo, inv_w, n
            )
            if b0 >= 0:
                stored[s, t, b0] += head
                if b1 > b0:
                    stored[s, t, b1] += tail
                    for b in range(b0 + 1, b1):  # whole bins: one add each (vectorised)
                        stored[s, t, b] += dens
                if s == 0:
                    ptr[0, t] = max(ptr[0, t], b1)
                else:
                    ptr[1, t] = min(ptr[1, t], b0)
            oor *= scale[s, t]
            acc[ACC_OOR_LONG + s] += oor
            acc[ACC_OPEN_LONG + s] += usd
            total[s, t] += usd - oor


@nb.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def live_usd(total: NDArray[np.float64]) -> float:
    """Live USD over sides and tiers (``total.sum()`` in the same order, without a call)."""
    out = 0.0
    for s in range(total.shape[0]):
        for t in range(total.shape[1]):
            out += total[s, t]
    return out


@nb.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def flows(
    scale: NDArray[np.float64],
    total: NDArray[np.float64],
    stored: NDArray[np.float64],
    acc: NDArray[np.float64],
    liq_bar: float,
    bar: tuple[float, float, float, float, float, float],
) -> tuple[float, float]:
    """Step 4: closes, and the (long, short) USD the bar opens; ``bar`` is the bar's
    ``(oi_target, long_share, oi_delta, oi_prev, new_long, new_short)``."""
    tgt, share, delta, prev, new_long, new_short = bar
    if not math.isnan(tgt):
        tracked = live_usd(total)
        if tracked > tgt:  # open notional never exceeds open interest
            acc[ACC_CLOSED_OI] += close_pro_rata(scale, total, stored, tracked - tgt, tracked)
        gap = max(tgt - live_usd(total), 0.0)
        return gap * share, gap * (1.0 - share)
    # open-interest decrease beyond what liquidations explain closes positions pro rata
    if not math.isnan(delta) and delta < 0.0:
        acc[ACC_CLOSED_OI] += close_pro_rata(scale, total, stored, -delta - liq_bar, prev)
    return new_long, new_short
