"""``liqmap plan``: stop-loss, take-profit, breakout zones and execution from the map.

Decision support, not advice: every line shows the numbers it came from.
"""

from __future__ import annotations

import json
import math

import typer
from rich.table import Table

from liqmap.cli import console
from liqmap.cli._trade import (
    DepthModelOpt,
    DepthOpt,
    DepthScaleOpt,
    check_out,
    impact_for,
    map_for,
    parse_usd,
    resolve_depth,
    source_of,
    write_chart_or_json,
)
from liqmap.cli.market_options import MarketOptions, market_options
from liqmap.cli.options import JsonOpt, MapRequest, OutOpt, SymbolArg
from liqmap.core.impact import ImpactModel
from liqmap.core.plan import DISCLAIMER, LevelRef, Plan, PlanConfig, make_plan
from liqmap.core.reading import format_price, format_usd
from liqmap.core.results import LiquidationMap
from liqmap.errors import ParameterError

__all__ = ["register"]


def _ref(c: LevelRef) -> str:
    return (
        f"{c.side} cluster {format_price(c.price_low)}–{format_price(c.price_high)} "
        f"{format_usd(c.usd)} at {c.distance_pct:+.2f}% ({c.main_tiers()})"
    )


def _print(p: Plan) -> None:
    c = console.out()
    s = p.stop
    c.print(
        f"[bold]{p.symbol}[/] {p.side.upper()} plan  entry [bold]{format_price(p.entry)}[/]  "
        f"price {format_price(p.price)}  recent range (ATR) {p.atr_pct:.2f}%"
    )
    sim = "[bold yellow] ← SIMULATED[/]" if p.simulated else " (real market data)"
    c.print(f"data: {p.data_source}{sim}")
    basis = {
        "cluster": "beyond the nearest adverse cluster",
        "cascade_pin": "beyond the simulated wick through the nearest adverse cluster",
        "range": "recent range only",
    }
    risk = (
        "" if s.within_risk else f"  [bold yellow]beyond the allowed {s.allowed_risk_pct:.2f}%[/]"
    )
    c.print(
        f"[bold red]stop[/] {format_price(s.price)} ({s.distance_pct:+.2f}%, buffer "
        f"{s.buffer_pct:.2f}%): {basis[s.basis]}{risk}"
    )
    if s.cluster is not None:
        pin = f"; cascade pin {format_price(s.wick_pin)}" if s.wick_pin is not None else ""
        c.print(f"  from {_ref(s.cluster)}{pin}")
    t = Table(
        title="take-profit (opposite clusters: forced orders to exit into)", title_justify="left"
    )
    for col in ("#", "price", "dist", "R", "cluster"):
        t.add_column(col, justify="left" if col == "cluster" else "right")
    for i, tp in enumerate(p.take_profits, start=1):
        rr = "n/a" if not math.isfinite(tp.reward_risk) else f"{tp.reward_risk:.2f}"
        t.add_row(str(i), format_price(tp.price), f"{tp.distance_pct:+.2f}%", rr, _ref(tp.cluster))
    c.print(t)
    for z in p.breakout_zones:
        c.print(
            f"breakout zone {format_price(z.price_low)}–{format_price(z.price_high)} ({z.where} "
            f"price, {z.width_pct:.2f}% wide): {format_usd(z.usd)} of levels, "
            f"{z.density_ratio:.0%} of the thinner neighbour's density"
        )
    _print_execution(p)
    for w in p.warnings:
        c.print(f"[yellow]warning:[/] {w}")
    c.print(f"[dim]{DISCLAIMER}[/]")


def _print_execution(p: Plan) -> None:
    ex, c = p.execution, console.out()
    if ex is None:
        return
    verb = "buy" if p.side == "long" else "sell"
    if ex.market_slippage_bps is not None and ex.market_end_price is not None:
        c.print(
            f"execution: market {verb} of {format_usd(ex.size_usd)} ≈ "
            f"{ex.market_slippage_bps:.1f} bps average slippage, last fill "
            f"{format_price(ex.market_end_price)}"
        )
    for ref, usd in ex.forced_levels:
        c.print(
            f"  forced-flow liquidity: rest {format_usd(usd)} in {_ref(ref)} "
            f"({ex.capture_share:.0%} of its forced orders)"
        )
    if ex.blended_slippage_bps is not None and ex.remainder_slippage_bps is not None:
        c.print(
            f"  with it: {format_usd(ex.passive_usd)} filled passively, "
            f"{format_usd(ex.remainder_usd)} at market ({ex.remainder_slippage_bps:.1f} bps) → "
            f"{ex.blended_slippage_bps:.1f} bps blended (passive fills only if price reaches "
            "those levels)"
        )


def _impact_or_none(req: MapRequest, m: LiquidationMap, scale: float) -> ImpactModel | None:
    """The impact model for the stop's cascade pin; bars without volume fall back to the book."""
    try:
        return impact_for(req, m, scale)
    except ParameterError:
        return None


@market_options(omit=("mark",))
def plan_cmd(
    symbol: SymbolArg,
    *,
    side: str = typer.Option(..., "--side", help="long or short."),
    entry: float | None = typer.Option(None, "--entry", help="Entry price (default: current)."),
    size: str | None = typer.Option(None, "--size", help="Order size in USD, e.g. 2M."),
    depth: DepthOpt = None,
    depth_model_name: DepthModelOpt = None,
    depth_scale: DepthScaleOpt = 1.0,
    min_rr: float = typer.Option(
        1.0, "--min-rr", help="Skip take-profit targets below this reward/risk."
    ),
    max_risk: float = typer.Option(
        0.0, "--max-risk", help="Allowed stop distance in percent (0: 4 x the recent range)."
    ),
    market: MarketOptions,
    out: OutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Stop-loss, take-profit, breakout zones and execution levels (decision support)."""
    s = side.lower()
    if s not in ("long", "short"):
        raise ParameterError(f"--side must be long or short, got {side!r}")
    size_usd = parse_usd(size, name="--size") if size is not None else None
    if size_usd is not None and not size_usd > 0:
        raise ParameterError(f"--size must be a positive USD amount, got {size!r}")
    if entry is not None and not (math.isfinite(entry) and entry > 0):
        raise ParameterError(f"--entry must be a positive price, got {entry}")
    if not (math.isfinite(min_rr) and min_rr >= 0 and math.isfinite(max_risk) and max_risk >= 0):
        raise ParameterError(f"--min-rr and --max-risk must be >= 0, got {min_rr}, {max_risk}")
    check_out(out)
    prof = resolve_depth(symbol, depth, depth_model_name, depth_scale)
    req = market.request(symbol)
    m = map_for(req)
    label, simulated = source_of(req, market.source)
    p = make_plan(
        m,
        req.data.candles,
        side="long" if s == "long" else "short",
        entry=entry,
        size_usd=size_usd,
        depth=prof,
        impact=_impact_or_none(req, m, depth_scale),
        config=PlanConfig(min_reward_risk=min_rr, max_risk_pct=max_risk),
        data_source=label,
        simulated=simulated,
    )
    if out is not None:
        from liqmap.render import render

        write_chart_or_json(out, lambda: render(p, out, on=m), p.to_dict())
    if as_json:
        typer.echo(json.dumps(p.to_dict(), allow_nan=False))
        return
    _print(p)
    if out is not None:
        console.out().print(f"wrote [bold]{out}[/]")


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("plan")(plan_cmd)
