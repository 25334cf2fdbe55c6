"""``liqmap cascade``: the chain reaction a shock (or a market order) sets off through the map,
with the distribution of its outcomes (the map's and the impact law's uncertainty drawn)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from liqmap.cli import console
from liqmap.cli._trade import (
    DepthModelOpt,
    DepthOpt,
    DepthScaleOpt,
    ModelOpt,
    check_out,
    impact_for,
    map_for,
    parse_shock,
    parse_usd,
    resolve_depth,
    source_of,
    write_chart_or_json,
)
from liqmap.cli.market_options import MarketOptions, market_options
from liqmap.cli.options import JsonOpt, OutOpt, SymbolArg
from liqmap.core.cascade import CascadeConfig, CascadeResult, simulate_cascade
from liqmap.core.cascade_dist import CascadeOutcomes, OutcomeConfig, simulate_outcomes
from liqmap.core.reading import format_price, format_usd
from liqmap.core.results import LiquidationMap, tier_label
from liqmap.errors import ParameterError

__all__ = ["register"]


def _print(r: CascadeResult, o: CascadeOutcomes | None, source: str) -> None:
    c = console.out()
    c.print(f"[bold]{r.symbol}[/] cascade from {format_price(r.start_price)}  data: {source}")
    c.print(f"[dim]model: {r.model_text}[/]")
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
    if o is not None:
        _print_outcomes(o)
    for note in r.notes:
        c.print(f"[dim]note: {note}[/]")


def _print_outcomes(o: CascadeOutcomes) -> None:
    c = console.out()
    t = Table(title=f"outcomes over {o.n_draws} draws", title_justify="left")
    for col in ("", "p10", "p25", "median", "p75", "p90"):
        t.add_column(col, justify="right")
    t.add_row("liquidated", *(format_usd(v) for v in o.liquidated_usd.values()))
    t.add_row(
        f"+ fresh ({o.horizon_ms / 3_600_000:g}h)", *(format_usd(v) for v in o.fresh_usd.values())
    )
    t.add_row("total", *(format_usd(v) for v in o.total_usd.values()))
    t.add_row("pin move", *(f"{v:+.2f}%" for v in o.pin_move_pct.values()))
    t.add_row("final move", *(f"{v:+.2f}%" for v in o.final_move_pct.values()))
    c.print(t)
    probs = "  ".join(f"≥{k:g}x {p:.0%}" for k, p in o.p_extend.items())
    c.print(f"P(wick reaches k x the shock): {probs}")
    c.print(f"[dim]map uncertainty: {o.band_source}[/]")


@market_options(omit=("mark",))
def cascade_cmd(
    symbol: SymbolArg,
    *,
    shock: str | None = typer.Option(
        None, "--shock", help="Initial price move in percent: -2% (down) or 1.5% (up)."
    ),
    order_usd: str | None = typer.Option(
        None, "--order-usd", help="A market order instead of a shock: -5M sells, 5M buys."
    ),
    model: ModelOpt = None,
    draws: int = typer.Option(
        200, "--draws", help="Cascades drawn for the outcome distribution (0: none)."
    ),
    depth: DepthOpt = None,
    depth_model_name: DepthModelOpt = None,
    depth_scale: DepthScaleOpt = 1.0,
    permanent: float = typer.Option(
        2.0 / 3.0,
        "--permanent-fraction",
        help="Share of the wick kept after it (0..1).",
        show_default="2/3 ≈ 0.667",
    ),
    market: MarketOptions,
    out: OutOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Simulate a liquidation cascade: a shock crosses levels and forced orders move price."""
    shock_pct, order = _move(shock, order_usd)
    kind = _model(model, book_given=depth is not None or depth_model_name is not None)
    if not (0.0 <= permanent <= 1.0):
        raise ParameterError(f"--permanent-fraction must be in [0, 1], got {permanent}")
    if draws < 0:
        raise ParameterError(f"--draws must be >= 0, got {draws}")
    check_out(out)
    prof = resolve_depth(symbol, depth, depth_model_name, depth_scale) if kind == "book" else None
    req = market.request(symbol)
    m = map_for(req)
    cfg = CascadeConfig(permanent_fraction=permanent)
    label, simulated = source_of(req, market.source)
    imp = impact_for(req, m, depth_scale) if prof is None else None
    r = simulate_cascade(m, imp or prof, shock_pct=shock_pct, order_usd=order, config=cfg)  # type: ignore[arg-type]
    o = None
    if imp is not None and draws > 0:
        o = simulate_outcomes(
            m, imp, shock_pct=shock_pct, order_usd=order, config=cfg,
            outcomes=OutcomeConfig(n_draws=draws),
        )  # fmt: skip
    data = r.to_dict() | {
        "outcomes": None if o is None else o.to_dict(),
        "data_source": label,
        "simulated": simulated,
    }
    _emit(r, o, m, data, out=out, as_json=as_json, label=label)


def _move(shock: str | None, order_usd: str | None) -> tuple[float | None, float | None]:
    """``(shock %, order USD)`` of the command: exactly one of the two is given."""
    if (shock is None) == (order_usd is None):
        raise ParameterError("give exactly one of --shock (e.g. -2%) or --order-usd (e.g. -5M)")
    shock_pct = parse_shock(shock) if shock is not None else None
    order = parse_usd(order_usd, name="--order-usd") if order_usd is not None else None
    return shock_pct, order


def _model(model: str | None, *, book_given: bool) -> str:
    """``impact`` or ``book`` (default: book when a depth is given, else impact)."""
    kind = (model or ("book" if book_given else "impact")).lower()
    if kind not in ("impact", "book"):
        raise ParameterError(f"--model must be impact or book, got {model!r}")
    return kind


def _emit(
    r: CascadeResult, o: CascadeOutcomes | None, m: LiquidationMap, data: dict[str, Any], *,
    out: Path | None, as_json: bool, label: str,
) -> None:  # fmt: skip
    """Write ``--out`` (chart or JSON), then print JSON or the summary."""
    if out is not None:
        from liqmap.render import render

        write_chart_or_json(out, lambda: render(r, out, on=m, outcomes=o), data)
    if as_json:
        typer.echo(json.dumps(data, allow_nan=False))
        return
    _print(r, o, label)
    if out is not None:
        console.out().print(f"wrote [bold]{out}[/]")


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("cascade")(cascade_cmd)
