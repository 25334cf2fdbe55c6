"""Estimate a :class:`LiquidationMap` or a :class:`LiquidationHeatmap` from domain records."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from liqmap._aot import load
from liqmap.core.bands import map_bands
from liqmap.core.bars import BarInputs
from liqmap.core.clusters import detect_clusters, usd_near_price
from liqmap.core.estimator import (
    Grid,
    KernelState,
    auto_range_pct,
    build_coverage,
    prepare,
    run_kernel,
    select_window,
    tier_spans,
)
from liqmap.core.fresh import LOOKBACK_MS, FreshFlow, flow_rate, span_distances
from liqmap.core.reading import compose_reading
from liqmap.core.results import Cluster, Coverage, LiquidationHeatmap, LiquidationMap, PricePath
from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.errors import ParameterError
from liqmap.model_config import EstimatorParams

FloatArray = NDArray[np.float64]

if TYPE_CHECKING:
    from liqmap.core import _kernel as kern
else:
    kern = load("liqmap.core._kernel")  # compiled ahead of time when built, else numba

__all__ = [
    "DEFAULT_BINS", "DEFAULT_COLUMNS", "NEAR_PCT", "estimate_heatmap", "estimate_map", "fresh_flow",
    "summarise",
]  # fmt: skip

DEFAULT_BINS = 400
DEFAULT_COLUMNS = 720
MAX_COLUMNS = 5_000
_DAY_MS = 86_400_000
NEAR_PCT = 3.0  # the reading compares liquidation USD within this distance of price


def _grid(
    w: Candles, f_long: NDArray[np.float64], f_short: NDArray[np.float64], price: float,
    range_pct: float | None, bins: int,
) -> Grid:  # fmt: skip
    """The map's price grid: ``range_pct`` around the price, else wide enough for every level."""
    half = (
        auto_range_pct(
            f_long, f_short, price=price, low=float(w.low.min()), high=float(w.high.max())
        )
        if range_pct is None
        else _check_range(range_pct)
    )
    return Grid.around(price, half, bins)


def estimate_map(
    candles: Candles,
    *,
    window_ms: int,
    venue: Venue = Venue.BINANCE,
    table: MarginTable | None = None,
    oi: OpenInterest | None = None,
    liquidations: LiquidationEvents | None = None,
    params: EstimatorParams | None = None,
    as_of_ms: int | None = None,
    bins: int = DEFAULT_BINS,
    range_pct: float | None = None,
    window_label: str = "",
    grid: Grid | None = None,
    mark: Candles | None = None,
) -> LiquidationMap:
    """Estimate the liquidation map as of ``as_of_ms`` from the bars of the preceding window.

    Parameters
    ----------
    candles
        Bars of one symbol (any interval); only bars that closed by ``as_of_ms`` are used.
    window_ms
        Positions opened in ``[as_of - window, as_of)`` are modelled.
    venue, table
        Exchange whose margin rules give each tier's liquidation price, and its bracket table.
    oi
        Open-interest history (levels or changes); without it the volume fallback is used.
    liquidations
        Observed liquidation events; subtracted from the levels when
        ``params.subtract_liquidations``.
    bins, range_pct
        Number of price bins and the grid's half-width in percent of price (default: wide enough
        for every level the window can hold).
    grid
        An explicit price grid (overrides ``bins`` and ``range_pct``), e.g. to put the maps of
        several venues on the same bins.
    mark
        Mark-price bars: levels are crossed by the mark's extremes, as venues liquidate on mark
        (docs/model.md 2.15); the map's notes say for how many bars.
    """
    window = select_window(candles, as_of_ms, window_ms)
    p, bars, ev = prepare(window.candles, oi, liquidations, params, mark=mark)
    price = float(window.candles.close[-1])
    f_long, f_short = tier_spans(venue, p, table, price)
    if grid is None:
        grid = _grid(window.candles, f_long, f_short, price, range_pct, bins)
    state = KernelState(grid, len(p.leverages))
    run_kernel(state, bars, p, f_long, f_short, events=ev)
    long_usd, short_usd = state.usd()
    coverage = build_coverage(
        window, bars, _n_events(liquidations, window.start_ms, window.end_ms), oi
    )
    edges = grid.edges
    clusters, reading = summarise(
        edges, long_usd, short_usd, price, coverage=coverage, leverages=p.leverages,
        symbol=candles.symbol,
    )  # fmt: skip
    return LiquidationMap(
        symbol=candles.symbol,
        exchange=venue.value,
        price=price,
        as_of_ms=window.end_ms,
        window_start_ms=window.start_ms,
        window_label=window_label or _label(window_ms),
        leverages=p.leverages,
        edges=edges,
        long_usd=long_usd,
        short_usd=short_usd,
        params=p,
        coverage=coverage,
        out_of_range_long_usd=float(state.acc[kern.ACC_OOR_LONG]),
        out_of_range_short_usd=float(state.acc[kern.ACC_OOR_SHORT]),
        clusters=clusters,
        reading=reading,
        notes=_notes(coverage, state, p, bars) + _table_notes(table),
        band_usd=map_bands(long_usd, short_usd, p, edges=edges, price=price),
        fresh=fresh_flow(candles, window.end_ms, p, f_long, f_short, long_usd, short_usd),
    )


def fresh_flow(
    candles: Candles,
    as_of_ms: int,
    p: EstimatorParams,
    f_long: FloatArray,
    f_short: FloatArray,
    long_usd: FloatArray,
    short_usd: FloatArray,
) -> FreshFlow:
    """The map's fresh-position flow (docs/model.md 2.17): the bars' traded USD per hour over
    the day before ``as_of_ms``; without volume, the open notional x ``turnover_per_day`` / 24."""
    c = candles  # only the lookback's bars: a long file is not priced whole for every map
    day = slice(int(np.searchsorted(c.ts_ms, as_of_ms - LOOKBACK_MS, side="left")), None)
    typical = (c.high[day] + c.low[day] + c.close[day]) / 3.0
    rate = flow_rate(c.ts_ms[day], c.volume[day] * typical, c.interval_ms, as_of_ms)
    distances = span_distances(f_long, f_short)
    if math.isfinite(rate):
        return FreshFlow(rate, "volume", distances)
    stock = float(long_usd.sum() + short_usd.sum())
    return FreshFlow(stock * p.turnover_per_day / 24.0, "turnover", distances)


def estimate_heatmap(
    candles: Candles,
    *,
    window_ms: int,
    venue: Venue = Venue.BINANCE,
    table: MarginTable | None = None,
    oi: OpenInterest | None = None,
    liquidations: LiquidationEvents | None = None,
    params: EstimatorParams | None = None,
    as_of_ms: int | None = None,
    bins: int = DEFAULT_BINS,
    columns: int = DEFAULT_COLUMNS,
    warmup_ms: int | None = None,
    window_label: str = "",
    mark: Candles | None = None,
) -> LiquidationHeatmap:
    """The estimator's state sampled at ``columns`` times across the window (time x price x USD).

    The kernel starts ``warmup_ms`` before the window (default: one day, or less when the input
    starts later) so that the first columns already hold earlier positions. Column ``j`` is the
    state after the bar that closes at ``ts_ms[j]``: each column uses only earlier data.
    ``mark``: mark-price bars that cross the levels, as in :func:`estimate_map`.
    """
    if not (1 <= columns <= MAX_COLUMNS):
        raise ParameterError(f"columns must be between 1 and {MAX_COLUMNS}, got {columns}")
    window = select_window(candles, as_of_ms, window_ms)
    warm = _DAY_MS if warmup_ms is None else max(int(warmup_ms), 0)
    run = candles.between(window.start_ms - warm, window.end_ms - candles.interval_ms + 1)
    p, bars, ev = prepare(run, oi, liquidations, params, mark=mark)
    f_long, f_short = tier_spans(venue, p, table, float(run.close[-1]))
    grid = Grid(
        float(run.low.min() * f_long.min() * 0.995),
        float(run.high.max() * f_short.max() * 1.005),
        bins,
    )
    first = int(np.searchsorted(run.ts_ms, window.start_ms, side="left"))
    snap = _columns(first, len(run), columns)
    state = KernelState(grid, len(p.leverages))
    out_long, out_short = run_kernel(state, bars, p, f_long, f_short, events=ev, snap_bar=snap)
    for a in (out_long, out_short):  # fresh, owned here: frozen as they are, never copied
        a.setflags(write=False)
    w = window.candles
    shown = liquidations.between(window.start_ms, window.end_ms) if liquidations else None
    coverage = build_coverage(
        window, bars, _n_events(liquidations, window.start_ms, window.end_ms), oi
    )
    return LiquidationHeatmap(
        symbol=candles.symbol,
        exchange=venue.value,
        leverages=p.leverages,
        ts_ms=run.ts_ms[snap] + run.interval_ms,
        edges=grid.edges,
        long_usd=out_long,
        short_usd=out_short,
        price_path=PricePath(w.ts_ms, w.open, w.high, w.low, w.close),
        params=p,
        coverage=coverage,
        window_label=window_label or _label(window_ms),
        notes=_notes(coverage, state, p, bars) + _table_notes(table),
        events_ts_ms=shown.ts_ms if shown else np.zeros(0, np.int64),
        events_price=shown.price if shown else np.zeros(0),
        events_usd=shown.notional_usd if shown else np.zeros(0),
        events_side=shown.side if shown else np.zeros(0, np.int8),
    )


def summarise(
    edges: FloatArray,
    long_usd: FloatArray,
    short_usd: FloatArray,
    price: float,
    *,
    coverage: Coverage,
    leverages: tuple[float, ...],
    symbol: str,
) -> tuple[tuple[Cluster, ...], str]:
    """Ranked clusters and the plain-language reading of per-tier long/short USD on ``edges``
    (shared by batch, live and multi-venue maps)."""
    clusters = detect_clusters(edges, long_usd, short_usd, price)
    reading = compose_reading(
        price, clusters, float(long_usd.sum()), float(short_usd.sum()),
        coverage=coverage, leverages=leverages, symbol=symbol,
        near_usd=usd_near_price(edges, long_usd, short_usd, price, NEAR_PCT),
    )  # fmt: skip
    return clusters, reading


def _n_events(events: LiquidationEvents | None, start_ms: int, end_ms: int) -> int:
    return 0 if events is None else len(events.between(start_ms, end_ms))


def _columns(first: int, n: int, columns: int) -> NDArray[np.int64]:
    """Bar indices after which to sample, evenly spread over bars ``first..n-1``."""
    shown = n - first
    c = min(columns, shown)
    idx = first + np.round(np.arange(1, c + 1) * shown / c).astype(np.int64) - 1
    # idx never decreases: its distinct values are where it steps (np.unique would import
    # numpy.ma, ~15 ms of every heatmap process)
    keep = np.ones(len(idx), dtype=np.bool_)
    keep[1:] = idx[1:] != idx[:-1]
    return np.ascontiguousarray(idx[keep])


def _check_range(range_pct: float) -> float:
    if not (0.1 <= range_pct <= 95.0):
        raise ParameterError(f"range_pct must be between 0.1 and 95 (percent), got {range_pct}")
    return float(range_pct)


def _label(window_ms: int) -> str:
    hours = window_ms / 3_600_000
    if hours >= 24 and hours % 24 == 0:
        return f"{int(hours // 24)}d"
    return f"{hours:g}h"


def _table_notes(table: MarginTable | None) -> tuple[str, ...]:
    if table is not None and "UNCONFIRMED" in table.source.upper():
        return (
            f"the {table.venue} bracket table for {table.symbol} is an unconfirmed placeholder: "
            "pass --brackets with the exchange's published tiers for exact liquidation prices",
        )
    return ()


def _notes(
    coverage: Coverage, state: KernelState, p: EstimatorParams, bars: BarInputs
) -> tuple[str, ...]:
    notes: list[str] = []
    unsized = bars.bars_unsized
    if unsized:
        notes.append(f"{unsized:,} bars had neither volume nor an OI change and opened nothing")
    if coverage.oi_source == "none" and bars.target_source == "volume":
        notes.append(
            "volume-based sizing: no open-interest history, so open interest is implied from "
            f"volume at a measured turnover of {p.turnover_per_day:g} x OI per day "
            "(docs/model.md 2.13; the USD scale is uncertain by about x2.5 either way); "
            "pass --oi for OI-based sizing"
        )
    elif coverage.oi_source == "none":
        notes.append(
            "no open-interest history: new positions estimated from volume "
            f"(volume_open_fraction={p.volume_open_fraction:g}); pass --oi for OI-based sizing"
        )
    if not coverage.taker_flow:
        notes.append("no taker buy/sell flow: new notional split evenly between longs and shorts")
    if bars.bars_on_mark:
        notes.append(
            f"liquidations triggered on mark price for {bars.bars_on_mark:,} of "
            f"{len(bars.high):,} bars (the rest on the bars' own low/high)"
        )
    acc = state.acc
    oor = acc[kern.ACC_OOR_LONG] + acc[kern.ACC_OOR_SHORT]
    if oor >= 1.0:
        notes.append(f"{oor:,.0f} USD of levels fell outside the price range (widen --range)")
    if acc[kern.ACC_UNMATCHED] > 0:
        notes.append(
            f"{acc[kern.ACC_UNMATCHED]:,.0f} USD of liquidations observed during bar gaps matched "
            "no estimated level"
        )
    return tuple(notes)
