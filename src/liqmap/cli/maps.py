"""``liqmap map``, ``liqmap heatmap`` and ``liqmap levels``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from liqmap import api
from liqmap.cli import console, show
from liqmap.cli.options import (
    AtOpt,
    BinsOpt,
    BracketsOpt,
    ExchangeOpt,
    FlowOpt,
    JsonOpt,
    LeverageOpt,
    LiqOpt,
    MapRequest,
    OfflineOpt,
    OiOpt,
    OutOpt,
    ParamsOpt,
    RangeOpt,
    SourceOpt,
    SymbolArg,
    WindowOpt,
)
from liqmap.core.maps import DEFAULT_COLUMNS
from liqmap.core.results import LiquidationHeatmap, LiquidationMap
from liqmap.errors import ParameterError
from liqmap.io.export import write_result
from liqmap.limits import check_heatmap_cells
from liqmap.timeutil import parse_duration_ms

__all__ = ["register"]


def _map_from(req: MapRequest) -> LiquidationMap:
    if req.markets is not None:
        return api.estimate_multi_map(
            req.markets, window=req.window, at=req.at, brackets=req.brackets_by_venue(),
            params=req.params, bins=req.bins, range_pct=req.range_pct,
        )  # fmt: skip
    return api.estimate_map(
        req.data, window=req.window, at=req.at, exchange=req.exchange, brackets=req.brackets,
        params=req.params, bins=req.bins, range_pct=req.range_pct,
    )  # fmt: skip


def map_cmd(
    symbol: SymbolArg,
    source: SourceOpt = "exchange",
    oi: OiOpt = None,
    flow: FlowOpt = None,
    liquidations: LiqOpt = None,
    window: WindowOpt = "24h",
    at: AtOpt = None,
    bins: BinsOpt = 400,
    range_pct: RangeOpt = None,
    exchange: ExchangeOpt = "binance",
    offline: OfflineOpt = False,
    leverage: LeverageOpt = None,
    brackets: BracketsOpt = None,
    params: ParamsOpt = None,
    out: OutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Estimate the liquidation map: USD of liquidation orders per price level and leverage."""
    req = MapRequest.build(
        symbol, source=source, oi=oi, flow=flow, liquidations=liquidations, window=window, at=at,
        exchange=exchange, brackets=brackets, leverage=leverage, params=params, bins=bins,
        range_pct=range_pct, offline=offline,
    )  # fmt: skip
    m = _map_from(req)
    _finish(m, out, as_json, show.print_map)


def heatmap_cmd(
    symbol: SymbolArg,
    source: SourceOpt = "exchange",
    oi: OiOpt = None,
    flow: FlowOpt = None,
    liquidations: LiqOpt = None,
    window: WindowOpt = "24h",
    at: AtOpt = None,
    bins: BinsOpt = 400,
    columns: int = typer.Option(DEFAULT_COLUMNS, "--columns", help="Time columns (1..5000)."),
    warmup: str | None = typer.Option(
        None, "--warmup", help="History before the window fed to the model first (default 24h)."
    ),
    exchange: ExchangeOpt = "binance",
    offline: OfflineOpt = False,
    leverage: LeverageOpt = None,
    brackets: BracketsOpt = None,
    params: ParamsOpt = None,
    out: OutOpt = None,
    as_json: JsonOpt = False,
    view: float = typer.Option(
        12.0, "--view", help="Chart price view: traded range ± this % of price (0: whole grid)."
    ),
    path_mode: str = typer.Option(
        "auto", "--path", help="Price on the chart: line, candles or auto (candles if few bars)."
    ),
) -> None:
    """Estimate the liquidation heatmap: price x time, colour = USD of liquidation levels."""
    if path_mode not in ("auto", "line", "candles"):
        raise ParameterError(f"--path: use line, candles or auto, got {path_mode!r}")
    if not (0 <= view <= 100):
        raise ParameterError(f"--view: a percent of price from 0 (whole grid) to 100, got {view:g}")
    check_heatmap_cells(bins, columns)
    req = MapRequest.build(
        symbol, source=source, oi=oi, flow=flow, liquidations=liquidations, window=window, at=at,
        exchange=exchange, brackets=brackets, leverage=leverage, params=params, bins=bins,
        range_pct=None, offline=offline,
        extra_history_ms=parse_duration_ms(warmup) if warmup else 86_400_000,
    )  # fmt: skip
    if req.markets is not None:
        raise ParameterError("heatmap: give one --exchange (multi-venue applies to map and levels)")
    h = api.estimate_heatmap(
        req.data, window=window, at=at, exchange=exchange, brackets=brackets, params=req.params,
        bins=bins, columns=columns, warmup=warmup,
    )  # fmt: skip
    chart = {"view_pct": view or None, "price_path": path_mode}
    _finish(h, out, as_json, show.print_heatmap, chart)


def levels_cmd(
    symbol: SymbolArg,
    source: SourceOpt = "exchange",
    oi: OiOpt = None,
    flow: FlowOpt = None,
    liquidations: LiqOpt = None,
    window: WindowOpt = "24h",
    at: AtOpt = None,
    bins: BinsOpt = 400,
    range_pct: RangeOpt = None,
    exchange: ExchangeOpt = "binance",
    offline: OfflineOpt = False,
    leverage: LeverageOpt = None,
    brackets: BracketsOpt = None,
    params: ParamsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the liquidation clusters (key levels), ranked by size and closeness to price."""
    req = MapRequest.build(
        symbol, source=source, oi=oi, flow=flow, liquidations=liquidations, window=window, at=at,
        exchange=exchange, brackets=brackets, leverage=leverage, params=params, bins=bins,
        range_pct=range_pct, offline=offline,
    )  # fmt: skip
    m = _map_from(req)
    if as_json:
        d = m.to_dict()
        keep = ("schema", "symbol", "exchange", "price", "as_of_ms", "as_of", "window", "tiers")
        out = {k: d[k] for k in keep} | {"clusters": d["clusters"], "reading": d["reading"]}
        typer.echo(json.dumps(out, indent=2))
        return
    show.print_levels(m)


def _finish(
    result: LiquidationMap | LiquidationHeatmap,
    out: Path | None,
    as_json: bool,
    printer: object,
    chart: dict[str, Any] | None = None,
) -> None:
    if out is not None:
        if out.suffix.lower() not in (".png", ".html", ".json", ".csv"):
            raise ParameterError(f"--out: use a .png, .html, .json or .csv file, got {out.name!r}")
        write_result(result, out, **(chart or {}))
    if as_json:
        typer.echo(json.dumps(result.to_dict(), allow_nan=False))
        return
    if callable(printer):
        printer(result)
    if out is not None:
        console.out().print(f"wrote [bold]{out}[/]")


def register(app: typer.Typer) -> None:
    """Add the commands to the app."""
    app.command("map")(map_cmd)
    app.command("heatmap")(heatmap_cmd)
    app.command("levels")(levels_cmd)
