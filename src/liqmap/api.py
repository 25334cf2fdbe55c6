"""The Python API: load data by source, estimate maps and heatmaps, plot them.

A thin layer over :mod:`liqmap.core` (pure numerics) and :mod:`liqmap.io` (files) that resolves
the conveniences users expect: windows as text (``'24h'``), ``source='demo'``, default bracket
tables. The CLI and the web layer call these functions and hold no model logic.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from liqmap.core import maps as _maps
from liqmap.core import margin as _margin
from liqmap.core.margin import LiquidationQuote
from liqmap.core.results import LiquidationHeatmap, LiquidationMap

if TYPE_CHECKING:
    from liqmap.core.cascade_result import CascadeResult
    from liqmap.core.plan_types import Plan
from liqmap.domain.enums import ContractKind, Side, Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles
from liqmap.domain.market_data import MarketData
from liqmap.errors import DataFileError, ParameterError
from liqmap.model_config import DEFAULT_PARAMS, EstimatorParams
from liqmap.services import market as _market
from liqmap.services.market import load_market, per_venue
from liqmap.timeutil import parse_duration_ms, parse_time_ms

__all__ = [
    "ALL_VENUES",
    "MarketData",
    "estimate_heatmap",
    "estimate_map",
    "estimate_multi_map",
    "liquidation_price",
    "load_market",
    "load_params",
    "margin_table",
    "parse_exchanges",
    "per_venue",
    "plot",
    "resolve_params",
    "true_map",
]

DEMO = _market.DEMO  # the source name of the built-in simulated market


def margin_table(
    venue: Venue, symbol: str, brackets: str | Path | None = None, *,
    as_of_ms: int | None = None, cached: MarginTable | None = None, warn: bool = True,
) -> MarginTable:  # fmt: skip
    """The bracket table from ``brackets`` (a file), a cached live table, liqmap's dated default
    in force at ``as_of_ms``, or the labelled fallback (see :func:`liqmap.io.tables.resolve_table`;
    maps pass ``warn=False`` and carry the label in their first note instead)."""
    from liqmap.io.tables import resolve_table

    return resolve_table(venue, symbol, brackets, as_of_ms=as_of_ms, cached=cached, warn=warn)


_R = TypeVar("_R", LiquidationMap, LiquidationHeatmap)


def _with_table_note(m: _R, table: MarginTable | None, path: object) -> _R:
    """The map (or heatmap) with the ``margin table: ...`` label first in its notes."""
    from liqmap.io.tables import table_note

    if table is None:
        return m
    note = table_note(table, path if isinstance(path, (str, Path)) else None)
    return replace(m, notes=(note, *m.notes))


def load_params(path: str | Path) -> EstimatorParams:
    """Estimator parameters from a JSON file (as written by ``liqmap calibrate``)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError("parameter file not found", path=str(p)) from None
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"not a UTF-8 text file (byte {exc.start} cannot be decoded); --params takes the JSON "
            "written by `liqmap calibrate`",
            path=str(p),
        ) from None
    except IsADirectoryError:
        raise DataFileError("is a folder, not a parameter file", path=str(p)) from None
    except json.JSONDecodeError as exc:
        raise DataFileError(
            f"not valid JSON ({exc.msg} at line {exc.lineno})", path=str(p)
        ) from None
    if isinstance(data, dict) and "params" in data and isinstance(data["params"], dict):
        data = data["params"]
    if not isinstance(data, dict):
        raise DataFileError("expected a JSON object of parameters", path=str(p))
    return EstimatorParams.from_dict(data, source=str(p))


def resolve_params(
    params: EstimatorParams | None = None,
    *,
    params_file: str | Path | None = None,
    leverage: str | None = None,
) -> EstimatorParams:
    """Defaults, overridden by a parameter file, then by a ``'10:0.3,...'`` leverage mix."""
    p = params or (load_params(params_file) if params_file else DEFAULT_PARAMS)
    return p.with_leverage_mix(leverage) if leverage else p


def _window_ms(window: str | int) -> int:
    return parse_duration_ms(window) if isinstance(window, str) else int(window)


def _at_ms(at: str | int | None) -> int | None:
    return parse_time_ms(at) if isinstance(at, str) else at


def _check_plausible(md: MarketData) -> None:
    """Records built in Python (not by the loaders) get the loaders' plausibility checks, so
    the estimator's arithmetic stays finite (:mod:`liqmap.domain.plausible`)."""
    from liqmap.domain.plausible import bad_candles, bad_usd

    bad, why = bad_candles(md.candles)
    if bad.any():
        i = int(bad.argmax())
        raise DataFileError(
            f"{int(bad.sum())} bar(s) no market produces, the first at position {i} "
            f"(ts_ms {int(md.candles.ts_ms[i])}): {why}; fix or drop them",
            path=md.candles.source or None,
        )
    if md.oi is not None and bad_usd(md.oi.value_usd).any():
        i = int(bad_usd(md.oi.value_usd).argmax())
        raise DataFileError(
            f"open interest {md.oi.value_usd[i]!r} at position {i} is not a plausible USD amount "
            "(finite, at most 1e15 in magnitude)",
            path=md.oi.source or None,
        )


def _resolve(
    data: MarketData | Candles,
    exchange: str | Venue,
    brackets: str | Path | MarginTable | None,
    at_text: str | int | None = None,
) -> tuple[MarketData, Venue, MarginTable | None]:
    """The data as MarketData, the venue and its bracket table (given, from a file, or default)."""
    md = data if isinstance(data, MarketData) else MarketData(data)
    _check_plausible(md)
    venue = exchange if isinstance(exchange, Venue) else Venue.parse(exchange)
    if isinstance(brackets, MarginTable):
        return md, venue, brackets
    at = _at_ms(at_text) if at_text is not None else None
    when = at if at is not None else _last_ms(md.candles)
    table = margin_table(
        venue, md.candles.symbol, brackets, as_of_ms=when, cached=md.margin_table, warn=False
    )
    return md, venue, table


def estimate_map(
    data: MarketData | Candles,
    *,
    window: str | int = "24h",
    at: str | int | None = None,
    exchange: str | Venue = Venue.BINANCE,
    brackets: str | Path | MarginTable | None = None,
    params: EstimatorParams | None = None,
    bins: int = _maps.DEFAULT_BINS,
    range_pct: float | None = None,
) -> LiquidationMap:
    """Estimate a liquidation map (see :func:`liqmap.core.maps.estimate_map`); its first note
    names the margin table used (``margin table: ...``)."""
    md, venue, table = _resolve(data, exchange, brackets, at)
    from liqmap.io.tables import allowed_mix

    p, capped = allowed_mix(params, venue, table, md.candles)
    w = window if isinstance(window, str) else ""
    m = _maps.estimate_map(
        md.candles, window_ms=_window_ms(window), venue=venue, table=table, oi=md.oi,
        liquidations=md.liquidations, params=p, as_of_ms=_at_ms(at), bins=bins,
        range_pct=range_pct, window_label=w, mark=md.mark,
    )  # fmt: skip
    m = replace(m, notes=(*capped, *m.notes))
    return _with_table_note(m, table, brackets)


def estimate_heatmap(
    data: MarketData | Candles,
    *,
    window: str | int = "24h",
    at: str | int | None = None,
    exchange: str | Venue = Venue.BINANCE,
    brackets: str | Path | MarginTable | None = None,
    params: EstimatorParams | None = None,
    bins: int = _maps.DEFAULT_BINS,
    columns: int = _maps.DEFAULT_COLUMNS,
    warmup: str | int | None = None,
) -> LiquidationHeatmap:
    """Estimate a liquidation heatmap (see :func:`liqmap.core.maps.estimate_heatmap`)."""
    md, venue, table = _resolve(data, exchange, brackets, at)
    from liqmap.io.tables import allowed_mix

    params, _ = allowed_mix(params, venue, table, md.candles)
    warm = None if warmup is None else _window_ms(warmup)
    w = window if isinstance(window, str) else ""
    h = _maps.estimate_heatmap(
        md.candles, window_ms=_window_ms(window), venue=venue, table=table, oi=md.oi,
        liquidations=md.liquidations, params=params, as_of_ms=_at_ms(at), bins=bins,
        columns=columns, warmup_ms=warm, window_label=w, mark=md.mark,
    )  # fmt: skip
    return _with_table_note(h, table, brackets)


def true_map(
    data: MarketData, like: LiquidationMap, *, opened_in_window: bool = False
) -> LiquidationMap:
    """The simulator's *true* liquidation map on the grid and as-of time of an estimated map.

    Only for ``source='demo'``: the simulator knows every open position and its exact liquidation
    price. With ``opened_in_window`` only positions opened inside the map's window count (what a
    window's map models); otherwise every open position does. The result has the same type as an
    estimate, so it renders and compares the same way.
    """
    import numpy as np

    from liqmap.core.position_bins import bin_positions
    from liqmap.sim import SimulationResult

    sim = data.simulation
    if not isinstance(sim, SimulationResult):
        raise ParameterError("the true map exists only for the demo source (the simulator)")
    positions = sim.positions_at(like.as_of_ms)
    if opened_in_window:
        positions = positions.take(positions.open_ts_ms >= like.window_start_ms)
    bins = bin_positions(
        like.edges, like.leverages, side=positions.side, leverage=positions.leverage,
        liquidation_price=positions.liquidation_price, usd=positions.notional_usd,
    )  # fmt: skip
    return replace(
        like,
        long_usd=bins.long_usd,
        short_usd=bins.short_usd,
        out_of_range_long_usd=bins.out_of_range_long_usd,
        out_of_range_short_usd=bins.out_of_range_short_usd,
        clusters=(),
        # the estimate's own parts do not belong to the truth: no band, no fresh flow, no venues
        band_usd=np.zeros((0, 0)),
        fresh=None,
        venues=(),
        long_usd_by_venue=np.zeros((0, 0)),
        short_usd_by_venue=np.zeros((0, 0)),
        reading=(
            "True positions of the simulated market "
            + ("opened in the window" if opened_in_window else "open at this time")
            + " (known only in the demo)."
        ),
        notes=("true map: every open position binned at its exact liquidation price",),
    )


def liquidation_price(
    exchange: str | Venue,
    side: str | Side,
    *,
    entry: float,
    leverage: float,
    notional: float | None = None,
    quantity: float | None = None,
    margin: float | None = None,
    symbol: str = "BTCUSDT",
    brackets: str | Path | MarginTable | None = None,
) -> LiquidationQuote:
    """Exact isolated-margin liquidation price (see :func:`liqmap.core.margin.liquidation_price`)."""
    venue = exchange if isinstance(exchange, Venue) else Venue.parse(exchange)
    table = brackets if isinstance(brackets, MarginTable) else margin_table(venue, symbol, brackets)
    return _margin.liquidation_price(
        venue, side if isinstance(side, Side) else Side.parse(side), entry, leverage,
        notional=notional, quantity=quantity, margin=margin, table=table,
    )  # fmt: skip


def plot(
    result: LiquidationMap | LiquidationHeatmap | CascadeResult | Plan,
    path: str | Path,
    *,
    on: LiquidationMap | None = None,
) -> Path:
    """Draw a map, heatmap, cascade or plan to ``path``: ``.png`` (matplotlib) or ``.html``
    (plotly, offline). A cascade or plan is drawn over ``on``, the map it was computed from."""
    from liqmap.extras import require

    require("charts", f"writing {Path(path).name}")
    from liqmap.render import render

    return render(result, Path(path), on=on)


ALL_VENUES = tuple(v for v in Venue if v.contract_kind is ContractKind.LINEAR)
"""The built-in linear USD(T) perpetual venues (``'all'`` means every registered linear one)."""


def parse_exchanges(text: str | Venue | Sequence[str | Venue]) -> tuple[Venue, ...]:
    """``'binance'``, ``'binance,bybit,okx'`` or ``'all'`` (the linear perpetual venues)."""
    if isinstance(text, Venue):
        return (text,)
    items = text.split(",") if isinstance(text, str) else list(text)
    names = [
        x if isinstance(x, Venue) else x.strip()
        for x in items
        if not isinstance(x, str) or x.strip()
    ]
    if not names:
        known = ", ".join(v.value for v in Venue)
        raise ParameterError(f"--exchange is empty; give one of {known}, several, or 'all'")
    if names == ["all"]:
        return tuple(v for v in Venue if v.contract_kind is ContractKind.LINEAR)
    return tuple(x if isinstance(x, Venue) else Venue.parse(x) for x in names)


def estimate_multi_map(
    markets: Mapping[Venue, MarketData],
    *,
    window: str | int = "24h",
    at: str | int | None = None,
    brackets: Mapping[Venue, str | Path | None] | None = None,
    params: EstimatorParams | None = None,
    bins: int = _maps.DEFAULT_BINS,
    range_pct: float | None = None,
) -> LiquidationMap:
    """One map per venue (own margin rules and data) on a shared grid, combined in USD."""
    from liqmap.core.multivenue import VenueInput, estimate_multi_venue
    from liqmap.io.tables import table_note

    files_by = dict(brackets or {})
    tables = {
        venue: margin_table(
            venue, md.candles.symbol, files_by.get(venue), cached=md.margin_table,
            as_of_ms=_at_ms(at) if at is not None else _last_ms(md.candles), warn=False,
        )
        for venue, md in markets.items()
    }  # fmt: skip
    inputs = [
        VenueInput(venue, md.candles, tables[venue], md.oi, md.liquidations)
        for venue, md in markets.items()
    ]
    m = estimate_multi_venue(
        inputs, window_ms=_window_ms(window), params=params, as_of_ms=_at_ms(at), bins=bins,
        range_pct=range_pct, window_label=window if isinstance(window, str) else "",
    )  # fmt: skip
    if len({id(md) for md in markets.values()}) == 1 and len(markets) > 1:
        shared = (
            "every venue reads the same market data here: the venues differ only by margin rules"
        )
        m = replace(m, notes=(shared, *m.notes))
    labels = tuple(table_note(t, files_by.get(v)) for v, t in tables.items())
    return replace(m, notes=(*labels, *m.notes))


def _last_ms(candles: Candles) -> int | None:
    return int(candles.ts_ms[-1]) if len(candles) else None
