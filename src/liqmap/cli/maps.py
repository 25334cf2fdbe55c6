"""``liqmap map``, ``liqmap heatmap`` and ``liqmap levels``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from liqmap.cli import console
from liqmap.cli.market_options import MarketOptions, market_options
from liqmap.cli.options import JsonOpt, OutOpt, SymbolArg
from liqmap.errors import ParameterError
from liqmap.limits import check_heatmap_cells

if TYPE_CHECKING:  # the library loads when a command runs (``--help`` stays light)
    from liqmap.core.results import LiquidationHeatmap, LiquidationMap

#: ``liqmap.core.maps.DEFAULT_COLUMNS`` (a test keeps them equal).
DEFAULT_COLUMNS = 720

__all__ = ["register"]


@market_options()
def map_cmd(
    symbol: SymbolArg, market: MarketOptions, out: OutOpt = None, as_json: JsonOpt = False
) -> None:
    """Estimate the liquidation map: USD of liquidation orders per price level and leverage."""
    _finish(market.request(symbol).estimate(), out, as_json, "print_map")


@market_options(omit=("range_pct",))
def heatmap_cmd(
    symbol: SymbolArg,
    market: MarketOptions,
    columns: int = typer.Option(DEFAULT_COLUMNS, "--columns", help="Time columns (1..5000)."),
    warmup: str | None = typer.Option(
        None, "--warmup", help="History before the window fed to the model first (default 24h)."
    ),
    out: OutOpt = None,
    as_json: JsonOpt = False,
    view: float = typer.Option(
        12.0, "--view", help="Chart price view: traded range ± this % of price (0: whole grid)."
    ),
    path_mode: str = typer.Option(
        "auto", "--path", help="Price on the chart: line, candles or auto (candles if few bars)."
    ),
    full_path: bool = typer.Option(
        False, "--full-path", help="JSON: the price path bar by bar (default: one bar per column)."
    ),
) -> None:
    """Estimate the liquidation heatmap: price x time, colour = USD of liquidation levels."""
    from liqmap import api
    from liqmap.timeutil import parse_duration_ms

    if path_mode not in ("auto", "line", "candles"):
        raise ParameterError(f"--path: use line, candles or auto, got {path_mode!r}")
    if not (0 <= view <= 100):
        raise ParameterError(f"--view: a percent of price from 0 (whole grid) to 100, got {view:g}")
    check_heatmap_cells(market.bins, columns)
    warm_ms = parse_duration_ms(warmup) if warmup else 86_400_000
    req = market.request(symbol, extra_history_ms=warm_ms)
    if req.markets is not None:
        raise ParameterError("heatmap: give one --exchange (multi-venue applies to map and levels)")
    h = api.estimate_heatmap(
        req.data, window=market.window, at=market.at, exchange=market.exchange,
        brackets=market.brackets, params=req.params, bins=market.bins, columns=columns,
        warmup=warmup,
    )  # fmt: skip
    chart = {"view_pct": view or None, "price_path": path_mode}
    _finish(h, out, as_json, "print_heatmap", chart, full_path=full_path)


@market_options(omit=("mark",))
def levels_cmd(symbol: SymbolArg, market: MarketOptions, as_json: JsonOpt = False) -> None:
    """List the liquidation clusters (key levels), ranked by size and closeness to price."""
    m = market.request(symbol).estimate()
    if as_json:
        d = m.to_dict()
        keep = ("schema", "symbol", "exchange", "price", "as_of_ms", "as_of", "window", "tiers")
        out = {k: d[k] for k in keep} | {"clusters": d["clusters"], "reading": d["reading"]}
        typer.echo(json.dumps(out, indent=2))
        return
    from liqmap.cli import show

    show.print_levels(m)


def _finish(
    result: LiquidationMap | LiquidationHeatmap,
    out: Path | None,
    as_json: bool,
    printer: str,
    chart: dict[str, Any] | None = None,
    *,
    full_path: bool = False,
) -> None:
    """Write ``--out``, print ``--json`` or the summary (``liqmap.cli.show.<printer>``)."""
    from liqmap.cli import show
    from liqmap.io.export import to_json
    from liqmap.output import write_result

    if out is not None:
        if out.suffix.lower() not in (".png", ".html", ".json", ".csv"):
            raise ParameterError(f"--out: use a .png, .html, .json or .csv file, got {out.name!r}")
        write_result(result, out, **(chart or {}), full_path=full_path)
    if as_json:
        _print_bytes(to_json(result, full_path=full_path) + b"\n")
        return
    getattr(show, printer)(result)
    if out is not None:
        console.line(f"wrote [bold]{console.escape(str(out))}[/]")


def _print_bytes(data: bytes) -> None:
    """Write encoded JSON to stdout without decoding it (text streams get the decoded text)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(data.decode())
        return
    sys.stdout.flush()
    buffer.write(data)
    buffer.flush()


def register(app: typer.Typer) -> None:
    """Add the commands to the app."""
    app.command("map")(map_cmd)
    app.command("heatmap")(heatmap_cmd)
    app.command("levels")(levels_cmd)
