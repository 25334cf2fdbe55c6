"""``liqmap cascade``: the chain reaction a shock (or a market order) sets off through the map.

Also holds the depth options shared with ``liqmap plan`` (``--depth``, ``--depth-model``,
``--depth-scale``) and their resolution.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from liqmap import api
from liqmap.cli import console
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
    OiOpt,
    OutOpt,
    ParamsOpt,
    RangeOpt,
    SourceOpt,
    SymbolArg,
    WindowOpt,
)
from liqmap.core.cascade import CascadeConfig, CascadeResult, simulate_cascade
from liqmap.core.depth import DepthProfile
from liqmap.core.depth_models import default_depth_name, depth_model
from liqmap.core.reading import format_price, format_usd
from liqmap.core.results import LiquidationMap, tier_label
from liqmap.errors import ParameterError

__all__ = [
    "DepthModelOpt",
    "DepthOpt",
    "DepthScaleOpt",
    "check_out",
    "map_for",
    "parse_usd",
    "register",
    "resolve_depth",
    "write_chart_or_json",
]

DepthOpt = Annotated[
    Path | None,
    typer.Option(
        "--depth",
        help="Order-book file: Binance depth recording (snapshot + diffs), REST depth JSON, "
        "bookDepth CSV, or Hyperliquid l2Book recording.",
    ),
]
DepthModelOpt = Annotated[
    str | None,
    typer.Option(
        "--depth-model",
        help="btc, eth, power:USD_AT_1PCT,EXPONENT (e.g. power:100M,1); with --depth: book "
        "(default) or power (the law fitted to the file).",
    ),
]
DepthScaleOpt = Annotated[
    float, typer.Option("--depth-scale", help="Multiply every USD of book depth (sensitivity).")
]
_USD = re.compile(r"^\s*([-+]?[0-9]*\.?[0-9]+(?:e[+-]?\d+)?)\s*([kmb]?)\s*$", re.IGNORECASE)


MAX_USD = 1e12


def parse_usd(text: str, *, name: str) -> float:
    """``'5M'`` -> 5e6, ``'-250k'`` -> -2.5e5, ``'1e7'`` -> 1e7; at most :data:`MAX_USD` in
    magnitude (larger sizes overflow the depth integrals and mean nothing on any market)."""
    m = _USD.match(text)
    if not m:
        raise ParameterError(f"{name}: cannot read {text!r}; write USD like 5M, 250k, -2.5e6")
    v = float(m.group(1)) * {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9}[m.group(2).lower()]
    if not (math.isfinite(v) and abs(v) <= MAX_USD):
        raise ParameterError(
            f"{name}: {text!r} must be at most 1T USD in size (1e12); no market is that deep"
        )
    return v


def parse_shock(text: str) -> float:
    """``'-2%'`` or ``'-2'`` -> -2.0 (percent)."""
    t = text.strip().removesuffix("%")
    try:
        v = float(t)
    except ValueError:
        raise ParameterError(
            f"--shock: cannot read {text!r}; write a percent like -2% or 1.5%"
        ) from None
    if not (math.isfinite(v) and -100.0 < v <= 1000.0):
        raise ParameterError(f"--shock: {text!r} must be a percent above -100%")
    return v


def resolve_depth(
    symbol: str, depth: Path | None, model: str | None, scale: float = 1.0
) -> DepthProfile:
    """The depth profile the options ask for (file, named model, or the symbol's default)."""
    from liqmap.io.orderbook import load_depth

    if not (math.isfinite(scale) and scale > 0):
        raise ParameterError(f"--depth-scale must be > 0, got {scale}")
    if depth is not None:
        kind = (model or "book").lower()
        if kind not in ("book", "power"):
            raise ParameterError(f"with --depth, --depth-model is 'book' or 'power', got {model!r}")
        prof = load_depth(depth, model="power" if kind == "power" else "book")
    elif model is not None:
        prof = depth_model(model)
    else:
        name = default_depth_name(symbol)
        if name is None:
            raise ParameterError(
                f"no shipped depth model for {symbol}; pass --depth with an order-book file or "
                "--depth-model power:USD_AT_1PCT,EXPONENT"
            )
        prof = depth_model(name)
    return prof if scale == 1.0 else prof.scaled(scale)


def map_for(req: MapRequest) -> LiquidationMap:
    """The map of a request (same options as ``liqmap map``)."""
    return api.estimate_map(
        req.data, window=req.window, at=req.at, exchange=req.exchange, brackets=req.brackets,
        params=req.params, bins=req.bins, range_pct=req.range_pct,
    )  # fmt: skip


def check_out(out: Path | None) -> None:
    """Refuse an ``--out`` suffix we cannot write before any work is done."""
    if out is not None and out.suffix.lower() not in (".png", ".html", ".json"):
        raise ParameterError(f"--out: use a .png, .html or .json file, got {out.name!r}")


def write_chart_or_json(out: Path, chart: object, data: dict[str, object]) -> None:
    """``--out``: .png/.html draw ``chart()``; .json writes ``data``."""
    from liqmap.io.atomic import write_atomic

    check_out(out)
    if out.suffix.lower() == ".json":
        write_atomic(out, json.dumps(data, allow_nan=False))
    elif callable(chart):
        chart()


def _print(r: CascadeResult) -> None:
    c = console.out()
    d = r.depth.side(r.direction)
    c.print(
        f"[bold]{r.symbol}[/] cascade from {format_price(r.start_price)}  depth: {r.depth.source} "
        f"({format_usd(d.usd_within(0.01))} within 1%, exponent {d.exponent:.2f})"
    )
    table = Table(title="rounds (price reached, USD force-closed)", title_justify="left")
    for col in ("step", "price", "move", "long liq", "short liq", "flow"):
        table.add_column(col, justify="right")
    n = len(r.step_price)
    shown = list(range(min(n, 12))) + ([n - 1] if n > 12 else [])
    for k in shown:
        if k == n - 1 and n > 12:
            table.add_row("…", "", "", "", "", "")
        table.add_row(
            "shock" if k == 0 else str(k), format_price(float(r.step_price[k])),
            f"{(r.step_price[k] / r.start_price - 1) * 100:+.2f}%",
            format_usd(float(r.step_long_usd[k])), format_usd(float(r.step_short_usd[k])),
            format_usd(float(r.step_flow_usd[k])),
        )  # fmt: skip
    c.print(table)
    tiers = ", ".join(
        f"{tier_label(lv)} {format_usd(u)}"
        for lv, u in zip(r.leverages, r.liquidated_by_tier, strict=True)
        if u > 0
    )
    amp = "n/a" if math.isnan(r.amplification) else f"{r.amplification:.2f}x"
    c.print(
        f"total liquidated [bold]{format_usd(r.total_liquidated_usd)}[/] "
        f"(longs {format_usd(r.total_long_usd)}, shorts {format_usd(r.total_short_usd)})"
        + (f"  by tier: {tiers}" if tiers else "")
    )
    c.print(
        f"pin (wick) [bold]{format_price(r.pin_price)}[/] ({r.pin_move_pct:+.2f}%)  final "
        f"{format_price(r.final_price)} ({r.final_move_pct:+.2f}%)  amplification {amp}"
    )
    c.print(f"stopped: {r.stop_reason} — {r.stop_text}")
    for note in r.notes:
        c.print(f"[dim]note: {note}[/]")


def cascade_cmd(
    symbol: SymbolArg,
    shock: str | None = typer.Option(
        None, "--shock", help="Initial price move in percent: -2% (down) or 1.5% (up)."
    ),
    order_usd: str | None = typer.Option(
        None, "--order-usd", help="A market order instead of a shock: -5M sells, 5M buys."
    ),
    depth: DepthOpt = None,
    depth_model_name: DepthModelOpt = None,
    depth_scale: DepthScaleOpt = 1.0,
    permanent: float = typer.Option(
        2.0 / 3.0, "--permanent-fraction", help="Share of the wick kept after it (0..1)."
    ),
    source: SourceOpt = "demo",
    oi: OiOpt = None,
    flow: FlowOpt = None,
    liquidations: LiqOpt = None,
    window: WindowOpt = "24h",
    at: AtOpt = None,
    bins: BinsOpt = 400,
    range_pct: RangeOpt = None,
    exchange: ExchangeOpt = "binance",
    leverage: LeverageOpt = None,
    brackets: BracketsOpt = None,
    params: ParamsOpt = None,
    out: OutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Simulate a liquidation cascade: shock, levels crossed, forced orders walk the book, ..."""
    if (shock is None) == (order_usd is None):
        raise ParameterError("give exactly one of --shock (e.g. -2%) or --order-usd (e.g. -5M)")
    shock_pct = parse_shock(shock) if shock is not None else None
    order = parse_usd(order_usd, name="--order-usd") if order_usd is not None else None
    if not (0.0 <= permanent <= 1.0):
        raise ParameterError(f"--permanent-fraction must be in [0, 1], got {permanent}")
    check_out(out)
    prof = resolve_depth(symbol, depth, depth_model_name, depth_scale)
    req = MapRequest.build(
        symbol, source=source, oi=oi, flow=flow, liquidations=liquidations, window=window, at=at,
        exchange=exchange, brackets=brackets, leverage=leverage, params=params, bins=bins,
        range_pct=range_pct,
    )  # fmt: skip
    m = map_for(req)
    r = simulate_cascade(
        m, prof, shock_pct=shock_pct, order_usd=order,
        config=CascadeConfig(permanent_fraction=permanent),
    )  # fmt: skip
    if out is not None:
        from liqmap.render.overlays import render_cascade

        write_chart_or_json(out, lambda: render_cascade(m, r, out), r.to_dict())
    if as_json:
        typer.echo(json.dumps(r.to_dict(), allow_nan=False))
        return
    _print(r)
    if out is not None:
        console.out().print(f"wrote [bold]{out}[/]")


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("cascade")(cascade_cmd)
