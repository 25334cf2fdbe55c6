"""The liquidation-level estimator: bars (+ OI, taker flow, events) -> map or heatmap.

Pure numerics, no I/O: callers pass domain records and the margin table. The model is derived in
``docs/model.md`` section 2; the per-bar loop runs in the numba kernel (:mod:`liqmap.core._kernel`),
checked against the readable reference (:mod:`liqmap.core._reference`) in the tests.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from liqmap._aot import load
from liqmap.core.bars import BarInputs, prepare_bars
from liqmap.core.formatting import format_usd
from liqmap.core.gaps import detect_gaps
from liqmap.core.margin import liq_price_ratio
from liqmap.core.results import Coverage, iso_ms
from liqmap.domain.enums import ContractKind, Side, Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, Gap, LiquidationEvents, OpenInterest
from liqmap.errors import DataFileError, EmptyWindowError, LeverageError, ParameterError
from liqmap.model_config import (
    DEFAULT_PARAMS,
    LEVERAGE_CELLS,
    EstimatorParams,
    cell_mean_leverages,
)

if TYPE_CHECKING:
    from liqmap.core import _kernel as kern
else:
    kern = load("liqmap.core._kernel")  # compiled ahead of time when built, else numba

__all__ = [
    "Grid",
    "KernelState",
    "Window",
    "auto_range_pct",
    "run_kernel",
    "select_window",
    "span_columns",
    "tier_ratios",
    "tier_spans",
]

FloatArray = NDArray[np.float64]
MIN_BINS, MAX_BINS = 10, 20_000


@dataclass(frozen=True, slots=True)
class Grid:
    """``n`` equal-width price bins from ``lo`` to ``hi``."""

    lo: float
    hi: float
    n: int

    def __post_init__(self) -> None:
        if not (MIN_BINS <= self.n <= MAX_BINS):
            raise ParameterError(f"bins must be between {MIN_BINS} and {MAX_BINS}, got {self.n}")
        if not (0.0 < self.lo < self.hi and math.isfinite(self.hi)):
            raise ParameterError(f"price grid [{self.lo}, {self.hi}] is empty or not positive")

    @property
    def edges(self) -> FloatArray:
        """``n + 1`` bin edges."""
        return np.linspace(self.lo, self.hi, self.n + 1)

    @property
    def inv_width(self) -> float:
        """1 / bin width."""
        return self.n / (self.hi - self.lo)

    @classmethod
    def around(cls, price: float, half_width_pct: float, n: int) -> Grid:
        """A grid centred on ``price`` spanning ``+-half_width_pct`` percent."""
        h = half_width_pct / 100.0
        return cls(price * (1.0 - h), price * (1.0 + h), n)


@dataclass(frozen=True, slots=True)
class Window:
    """The bars of an evaluation window and how well they cover it."""

    candles: Candles
    start_ms: int
    end_ms: int  # as-of time: every bar used closed at or before it
    coverage_gaps: tuple[Gap, ...]
    expected_bars: int


def select_window(candles: Candles, as_of_ms: int | None, window_ms: int) -> Window:
    """Bars that opened at or after ``as_of - window`` and closed at or before ``as_of``.

    ``as_of`` defaults to the close of the last bar. Only earlier data is used: no look-ahead.
    """
    if window_ms <= 0:
        raise ParameterError(f"window must be positive, got {window_ms} ms")
    if len(candles) == 0:
        raise EmptyWindowError(f"no bars in the input {candles.source or ''}".strip())
    step = candles.interval_ms
    end = int(candles.ts_ms[-1]) + step if as_of_ms is None else int(as_of_ms)
    start = end - window_ms
    w = candles.between(start, end - step + 1)
    if len(w) == 0:
        first, last = int(candles.ts_ms[0]), int(candles.ts_ms[-1]) + step
        raise EmptyWindowError(
            f"no bars in the window [{iso_ms(start)}, {iso_ms(end)}); the input covers "
            f"[{iso_ms(first)}, {iso_ms(last)}]: choose --at inside it or a longer --window"
        )
    gaps = list(detect_gaps(w.ts_ms, step))
    head = int(w.ts_ms[0]) - start
    if head >= step:
        gaps.insert(0, Gap(start, int(w.ts_ms[0]), head // step))
    tail = end - (int(w.ts_ms[-1]) + step)
    if tail >= step:
        gaps.append(Gap(int(w.ts_ms[-1]) + step, end, tail // step))
    return Window(w, start, end, tuple(gaps), window_ms // step)


def tier_ratios(
    venue: Venue, params: EstimatorParams, table: MarginTable | None, price: float
) -> tuple[FloatArray, FloatArray]:
    """Liquidation/entry price ratios per tier for longs and shorts (exact margin math).

    The representative position is ``params.position_notional_usd``; inverse (COIN-M) tables are
    in coin, so it is converted at ``price`` there.
    """
    size = params.position_notional_usd
    if venue.contract_kind is ContractKind.INVERSE:
        size /= price
    f_long, f_short = [], []
    for lev, weight in zip(params.leverages, params.weights, strict=True):
        if weight == 0.0:  # a tier that opens nothing needs no price (it may not exist there)
            f_long.append(1.0)
            f_short.append(1.0)
            continue
        try:
            f_long.append(liq_price_ratio(venue, Side.LONG, lev, size, table))
            f_short.append(liq_price_ratio(venue, Side.SHORT, lev, size, table))
        except LeverageError as exc:
            raise LeverageError(
                f"--leverage tier {lev:g}x with {format_usd(params.position_notional_usd)} "
                f"positions: {exc} (drop or lower that tier in --leverage)"
            ) from exc
    return np.array(f_long), np.array(f_short)


def tier_spans(
    venue: Venue, params: EstimatorParams, table: MarginTable | None, price: float
) -> tuple[FloatArray, FloatArray]:
    """Per tier, the liquidation/entry ratios at the two ends of its span of leverages.

    Returns ``(f_long, f_short)`` of shape ``(n_tiers, 2)``: column 0 at the span's high
    leverage (the level nearest the entry), column 1 at its low leverage; the kernel spreads a
    tier's USD uniformly between the two (docs/model.md 2.11). With the log-normal law a cell
    ``[a, b]`` with mean-distance leverage ``L*`` spans the distances
    ``1/L* - k (1/L* - 1/b) .. 1/L* + k (1/a - 1/L*)``, ``k = params.cell_spread`` (1: the whole
    cell, the law's histogram over distance; 0: a point at ``L*``). Explicit tiers are points at
    their leverage (:func:`tier_ratios`). An end the margin table does not allow (e.g. 125x
    where the bracket stops at 75x, or where its maintenance margin exceeds the initial margin)
    is cut at the tier's nominal leverage.
    """
    f_long, f_short = tier_ratios(venue, params, table, price)
    near_l, near_s, far_l, far_s = f_long.copy(), f_short.copy(), f_long.copy(), f_short.copy()
    if not (params.derived and len(params.leverages) == len(LEVERAGE_CELLS) - 1):
        return np.stack((near_l, far_l), axis=1), np.stack((near_s, far_s), axis=1)
    size = params.position_notional_usd
    if venue.contract_kind is ContractKind.INVERSE:
        size /= price
    k = params.cell_spread
    means = cell_mean_leverages(params.leverage_median, params.leverage_sigma)
    for t, w in enumerate(params.weights):
        if w == 0.0:
            continue
        d_mid, d_near, d_far = 1.0 / means[t], 1.0 / LEVERAGE_CELLS[t + 1], 1.0 / LEVERAGE_CELLS[t]
        ends = (1.0 / (d_mid - k * (d_mid - d_near)), 1.0 / (d_mid + k * (d_far - d_mid)))
        for col, lev in enumerate(ends):
            try:
                fl = liq_price_ratio(venue, Side.LONG, lev, size, table)
                fs = liq_price_ratio(venue, Side.SHORT, lev, size, table)
            except ParameterError:  # not allowed, or liquidated at once at this leverage
                continue  # keep the nominal ratio at this end
            (near_l if col == 0 else far_l)[t] = fl
            (near_s if col == 0 else far_s)[t] = fs
    return np.stack((near_l, far_l), axis=1), np.stack((near_s, far_s), axis=1)


def span_columns(
    f_long: FloatArray, f_short: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The kernel's ``(f_long_lo, f_short_lo, f_long_hi, f_short_hi)``: per tier the lower and
    upper ratio of its span, from 1-D (a point per tier) or ``(n_tiers, 2)`` ratio arrays
    (:func:`tier_spans`), sorted once here rather than per bar in the kernel."""
    fl = np.asarray(f_long, dtype=np.float64).reshape(len(f_long), -1)
    fs = np.asarray(f_short, dtype=np.float64).reshape(len(f_short), -1)
    c = np.ascontiguousarray
    return c(fl.min(axis=1)), c(fs.min(axis=1)), c(fl.max(axis=1)), c(fs.max(axis=1))


def auto_range_pct(
    f_long: FloatArray,
    f_short: FloatArray,
    *,
    price: float = 1.0,
    low: float | None = None,
    high: float | None = None,
) -> float:
    """Half-width (%) of a map grid centred on ``price`` that holds every level of the window.

    The lowest possible long level is ``low * min(f_long)`` and the highest short level
    ``high * max(f_short)`` (``low``/``high``: the window's extremes, default ``price``); the grid
    spans 105% of the farther of the two, between 1% and 90%.
    """
    lo = price if low is None else low
    hi = price if high is None else high
    far = max(1.0 - lo * float(np.min(f_long)) / price, hi * float(np.max(f_short)) / price - 1.0)
    return float(min(max(105.0 * far, 1.0), 90.0))


class KernelState:
    """The kernel's mutable state on one grid (also what a live map keeps between bars)."""

    def __init__(self, grid: Grid, n_tiers: int) -> None:
        self.grid = grid
        self.stored = np.zeros((2, n_tiers, grid.n))
        self.scale = np.ones((2, n_tiers))
        self.ptr = np.empty((2, n_tiers), dtype=np.int64)
        self.ptr[0, :] = -1
        self.ptr[1, :] = grid.n
        self.total = np.zeros((2, n_tiers))
        self.acc = np.zeros(kern.ACC_SIZE)

    def usd(self) -> tuple[FloatArray, FloatArray]:
        """(long, short) USD per tier and bin, in true units."""
        true = self.stored * self.scale[:, :, None]
        return true[0].copy(), true[1].copy()


def _event_arrays(
    events: LiquidationEvents | None, bars: Candles
) -> tuple[NDArray[np.int64], NDArray[np.int64], FloatArray, FloatArray]:
    """Observed liquidations that no bar saw (they fell in a gap), each assigned to the next bar.

    An event inside a bar's time span happened at a price that bar traded through, so that bar's
    high/low already clears its level; only events in gaps carry information the bars lack.
    """
    z = np.zeros(0, dtype=np.int64)
    if events is None or len(events) == 0 or len(bars) == 0:
        return z, z.copy(), np.zeros(0), np.zeros(0)
    ev = events.between(int(bars.ts_ms[0]), int(bars.ts_ms[-1]) + bars.interval_ms)
    bar = np.searchsorted(bars.ts_ms, ev.ts_ms, side="right").astype(np.int64) - 1
    seen = (bar >= 0) & (ev.ts_ms < bars.ts_ms[np.clip(bar, 0, None)] + bars.interval_ms)
    gap = ~seen & (bar + 1 < len(bars))
    return (
        np.ascontiguousarray(bar[gap] + 1),
        ev.side[gap].astype(np.int64),
        np.ascontiguousarray(ev.price[gap]),
        np.ascontiguousarray(ev.notional_usd[gap]),
    )


@functools.lru_cache(maxsize=64)
def _rates(params: EstimatorParams) -> tuple[FloatArray, FloatArray]:
    """The kernel's tier weights and decay rates (per hour) of a parameter set, cached (a live
    map calls the kernel every bar). Shared: never written (they stay writeable only because
    numba types read-only arrays differently, which would miss the compiled kernel)."""
    weights = np.array(params.weights, dtype=np.float64)
    lam = np.array([math.log(2.0) / h if math.isfinite(h) else 0.0 for h in params.half_life_hours])
    return weights, lam


def run_kernel(
    state: KernelState,
    bars: BarInputs,
    params: EstimatorParams,
    f_long: FloatArray,
    f_short: FloatArray,
    *,
    events: tuple[NDArray[np.int64], NDArray[np.int64], FloatArray, FloatArray] | None = None,
    snap_bar: NDArray[np.int64] | None = None,
    liq_out: FloatArray | None = None,
    spans: tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Advance ``state`` over ``bars``; returns heatmap columns (long, short) if ``snap_bar``.

    ``liq_out`` (shape ``(len(bars), 2)``) receives the USD each bar cleared (long, short).
    ``spans``: :func:`span_columns` of ``(f_long, f_short)``, computed once by a caller that
    runs one bar at a time (a live map); by default computed here."""
    weights, lam = _rates(params)
    if events is None:
        z = np.zeros(0, dtype=np.int64)
        events = (z, z.copy(), np.zeros(0), np.zeros(0))
    snaps = np.zeros(0, dtype=np.int64) if snap_bar is None else snap_bar
    out_long = np.zeros((len(snaps), state.grid.n))
    out_short = np.zeros((len(snaps), state.grid.n))
    kern.run_bars(
        state.stored, state.scale, state.ptr, state.total, state.acc,
        bars.high, bars.low, bars.entry_lo, bars.entry_hi, bars.new_long, bars.new_short,
        bars.oi_delta, bars.oi_prev, bars.dt_hours, bars.oi_target, bars.long_share,
        weights, lam, *(span_columns(f_long, f_short) if spans is None else spans),
        state.grid.lo, state.grid.inv_width,
        events[0], events[1], events[2], events[3],
        snaps, out_long, out_short, np.zeros((0, 2)) if liq_out is None else liq_out,
    )  # fmt: skip
    return out_long, out_short


def build_coverage(
    window: Window, bars: BarInputs, n_events: int, oi: OpenInterest | None
) -> Coverage:
    """Coverage record of a window."""
    return Coverage(
        bars=len(window.candles),
        expected_bars=window.expected_bars,
        gaps=window.coverage_gaps,
        oi_source=bars.oi_source if oi is not None else "none",
        taker_flow=bars.bars_with_flow > 0,
        liquidation_events=n_events,
    )


def prepare(
    candles: Candles,
    oi: OpenInterest | None,
    events: LiquidationEvents | None,
    params: EstimatorParams | None,
    *,
    mark: Candles | None = None,
) -> tuple[
    EstimatorParams, BarInputs, tuple[NDArray[np.int64], NDArray[np.int64], FloatArray, FloatArray]
]:
    """Params with defaults, per-bar inputs and event arrays for a window's bars (levels
    crossed by the ``mark`` bars' extremes where given)."""
    p = params or DEFAULT_PARAMS
    bars = prepare_bars(candles, oi, p, mark=mark)
    if len(candles) and bars.bars_unsized == len(candles):
        raise DataFileError(
            f"none of the {len(candles):,} bars in the window has a volume or an open-interest "
            "change, so no position can be sized; use bars with volume (e.g. Binance klines), "
            "or add --oi (open interest) or --flow (taker flow with volume)",
            path=candles.source or None,
        )
    ev = _event_arrays(events if p.subtract_liquidations else None, candles)
    return p, bars, ev
