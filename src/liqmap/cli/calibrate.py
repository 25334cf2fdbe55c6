"""``liqmap calibrate``: fit the estimator's parameters to observed liquidations, write a file that
``liqmap map --params FILE`` reads (method: :mod:`liqmap.accuracy.calibrate`)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from liqmap import api
from liqmap.accuracy.calibrate import FIT_GROUPS, CalibrationConfig, CalibrationResult, calibrate
from liqmap.accuracy.calibrate_objective import Method, Reach
from liqmap.accuracy.data import MAX_PRICE_DEV_PCT, drop_price_outliers, tape_outages
from liqmap.cli import console
from liqmap.cli.calibrate_law import write_law
from liqmap.cli.options import (
    BracketsOpt,
    ExchangeOpt,
    FlowOpt,
    JsonOpt,
    LeverageOpt,
    OiOpt,
    ParamsOpt,
    SourceOpt,
    SymbolArg,
)
from liqmap.domain.enums import Venue
from liqmap.domain.market import LiquidationEvents
from liqmap.errors import ParameterError
from liqmap.model_config import EstimatorParams
from liqmap.timeutil import parse_duration_ms, parse_time_ms

__all__ = ["calibrate_cmd", "register"]


def _durations(text: str, name: str) -> tuple[int, ...]:
    items = [s.strip() for s in text.split(",") if s.strip()]
    if not items:
        raise ParameterError(f"{name}: give at least one duration, e.g. '1h,4h'")
    return tuple(parse_duration_ms(s, name=name) for s in items)


def _groups(text: str) -> tuple[str, ...]:
    items = tuple(s.strip().replace("-", "_") for s in text.split(",") if s.strip())
    bad = [g for g in items if g not in FIT_GROUPS]
    if bad or not items:
        raise ParameterError(
            f"--fit: unknown group(s) {bad or text!r}; choose from {', '.join(FIT_GROUPS)}"
        )
    return items


def _share(text: str, *, demo: bool) -> float | None:
    t = text.strip().lower()
    if t in ("", "auto"):
        return 1.0 if demo else None
    if t == "free":
        return None
    try:
        return float(t)
    except ValueError:
        raise ParameterError(
            f"--tape-share: give a number in (0, 1] or 'free', got {text!r}"
        ) from None


def _demo(symbol: str, preset: str, days: float, seed: int) -> api.MarketData:
    """The simulated market of ``preset`` (its positions are known: a check that the fit moves
    toward the simulator's leverage population)."""
    from liqmap.sim import PRESETS, SimConfig, simulate

    if preset not in PRESETS:
        raise ParameterError(f"--preset: unknown {preset!r}; choose from {', '.join(PRESETS)}")
    if not 2.0 <= days <= 60.0:
        raise ParameterError(f"--days: the demo calibration needs 2 to 60 days, got {days:g}")
    cfg = replace(
        SimConfig.preset(preset),  # narrowed to a preset name by the check above
        symbol=symbol.upper(), seed=seed, duration_minutes=round(days * 1440),
    )  # fmt: skip
    sim = simulate(cfg)
    return api.MarketData(sim.candles, sim.open_interest, sim.liquidations, sim, api.DEMO)


def _market(
    symbol: str, source: str, oi: Path | None, flow: Path | None, liquidations: Path | None,
    demo: tuple[str, float, int],
) -> tuple[api.MarketData, LiquidationEvents]:  # fmt: skip
    """The market to calibrate on and its liquidation events: the ``demo`` preset's
    ``(preset, days, seed)`` simulation, or files with their liquidation tape (the truth)."""
    if source == api.DEMO:
        if liquidations or flow or oi:
            raise ParameterError("--liquidations/--flow/--oi apply to file sources, not to 'demo'")
        data = _demo(symbol, *demo)
    else:
        if liquidations is None:
            raise ParameterError(
                "--liquidations is required with a file --source (it is the truth)"
            )
        data = api.load_market(symbol, source, oi=oi, flow=flow, liquidations=liquidations)
    if data.liquidations is None or len(data.liquidations) == 0:
        raise ParameterError("no liquidation events to calibrate on")
    return data, data.liquidations


def calibrate_cmd(
    symbol: SymbolArg,
    out: Annotated[Path, typer.Option("--out", help="Parameter file to write (JSON).")],
    source: SourceOpt = "demo",
    oi: OiOpt = None,
    flow: FlowOpt = None,
    liquidations: Annotated[
        Path | None, typer.Option("--liquidations", help="Observed liquidations (files only).")
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="First evaluation time (UTC).")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last evaluation time (UTC).")] = None,
    holdout: Annotated[
        str | None, typer.Option("--holdout", help="Fit before this time, score after it.")
    ] = None,
    warmup: Annotated[
        str, typer.Option("--warmup", help="History fed to the model before the first time.")
    ] = "24h",
    every: Annotated[str, typer.Option("--every", help="Time between evaluations.")] = "1h",
    horizons: Annotated[
        str, typer.Option("--horizons", help="Comma-separated horizons.")
    ] = "1h,4h",
    reach: Annotated[
        str, typer.Option("--reach", help="Reach correction: visit, probability or none.")
    ] = "visit",
    fit: Annotated[str, typer.Option("--fit", help="Groups to fit.")] = ",".join(FIT_GROUPS),
    method: Annotated[
        str, typer.Option("--method", help="nelder-mead or differential-evolution.")
    ] = "nelder-mead",
    max_evals: Annotated[int, typer.Option("--max-evals", help="Objective evaluations.")] = 300,
    max_seconds: Annotated[float, typer.Option("--max-seconds", help="Time budget.")] = 240.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed (differential evolution).")] = 0,
    ridge: Annotated[
        float, typer.Option("--ridge", help="Pull toward the base parameters.")
    ] = 0.01,
    tape_share: Annotated[
        str,
        typer.Option(
            "--tape-share",
            help="Share of all liquidations the tape holds, (0, 1], or 'free' to profile it "
            "(default: 1 for demo, free for files).",
        ),
    ] = "auto",
    exchange: ExchangeOpt = "binance",
    brackets: BracketsOpt = None,
    leverage: LeverageOpt = None,
    params: ParamsOpt = None,
    preset: Annotated[str, typer.Option("--preset", help="Demo market preset.")] = "mixed",
    days: Annotated[float, typer.Option("--days", help="Demo market length (days).")] = 7.0,
    sim_seed: Annotated[int, typer.Option("--sim-seed", help="Demo market seed.")] = 7,
    max_price_dev: Annotated[
        float, typer.Option("--max-price-dev", help="Drop events this far (%) outside their bar.")
    ] = MAX_PRICE_DEV_PCT,
    outage: Annotated[
        str, typer.Option("--outage", help="A tape silent this long was down (0 = never).")
    ] = "3h",
    as_json: JsonOpt = False,
    law: Annotated[
        bool,
        typer.Option("--law", help="Fit the log-normal leverage law (median, sigma) instead."),
    ] = False,
    draws: Annotated[int, typer.Option("--draws", help="Bootstrap refits (--law).")] = 30,
) -> None:
    """Fit leverage mix, half-lives, side split and entry spread to observed liquidations."""
    base = api.resolve_params(params_file=params, leverage=leverage)
    if "," in exchange or exchange.strip().lower() == "all":
        raise ParameterError("--exchange: calibration fits one venue's map; give one exchange")
    venue = Venue.parse(exchange)
    cfg = CalibrationConfig(
        warmup_ms=parse_duration_ms(warmup, name="--warmup"), every_ms=parse_duration_ms(every, name="--every"),
        horizons_ms=_durations(horizons, "--horizons"), reach=cast("Reach", reach),
        fit=_groups(fit), method=cast("Method", method), max_evals=max_evals,
        max_seconds=max_seconds, seed=seed, ridge=ridge,
        tape_share=_share(tape_share, demo=source == api.DEMO),
    )  # fmt: skip
    if out.suffix.lower() != ".json" or not out.parent.is_dir():
        raise ParameterError(f"--out: give a .json file in an existing folder, got {str(out)!r}")
    demo = source == api.DEMO
    data, tape = _market(symbol, source, oi, flow, liquidations, (preset, days, sim_seed))
    events, _ = drop_price_outliers(tape, data.candles, max_price_dev)
    gap = 0 if demo or outage.strip() == "0" else parse_duration_ms(outage, name="--outage")
    first = int(data.candles.ts_ms[0]) + cfg.warmup_ms
    t0 = parse_time_ms(start, name="--from") if start else max(first, int(events.ts_ms[0]))
    t1 = parse_time_ms(end, name="--to") if end else int(events.ts_ms[-1])
    t_end = int(data.candles.ts_ms[-1]) + data.candles.interval_ms
    table = api.margin_table(venue, data.candles.symbol or symbol, brackets)
    if law:
        write_law(
            data.candles.between(t0 - cfg.warmup_ms, t1), events, t0=t0, t1=t1,
            outages=tape_outages(events, gap) if gap else (),
            venue=venue, table=table, base=base, out=out, draws=draws, as_json=as_json,
            provenance={"symbol": symbol, "exchange": venue.value, "source": str(source),
                        "liquidations": liquidations.name if liquidations else None,
                        "events": len(events)},
        )  # fmt: skip
        return
    with Progress(
        TextColumn("fitting"), BarColumn(), MofNCompleteColumn(), TextColumn("best J {task.fields[best]}"),
        TimeElapsedColumn(), console=console.err(), transient=True, disable=as_json,
    ) as bar:  # fmt: skip
        task = bar.add_task("fit", total=cfg.max_evals, best="-")
        result = calibrate(
            data.candles, events, start_ms=t0, end_ms=t1,
            holdout_ms=parse_time_ms(holdout, name="--holdout") if holdout else None,
            oi=data.oi, venue=venue, table=table,
            base=base, config=cfg, outages=tape_outages(events, gap) if gap else (),
            truth_span=(int(data.candles.ts_ms[0]), t_end) if demo else None,
            progress=lambda n, best: bar.update(task, completed=n, best=f"{best:.4f}"),
        )  # fmt: skip
    provenance: dict[str, Any] = {
        "symbol": symbol, "exchange": venue.value, "source": source if demo else Path(source).name,
        "liquidations": liquidations.name if liquidations else None,
        "flow": flow.name if flow else None, "oi": oi.name if oi else None,
        "events": len(events), "outage_rule": "none" if not gap else outage,
        "tape_share": cfg.tape_share if cfg.tape_share is not None else "free",
    } | ({"preset": preset, "days": days, "sim_seed": sim_seed} if demo else {})  # fmt: skip
    result.write(out, provenance)
    if as_json:
        typer.echo(out.read_text(encoding="utf-8").strip())
        return
    _print(result, out)


def _params_table(base: EstimatorParams, fitted: EstimatorParams) -> Table:
    t = Table(title="parameters", title_justify="left")
    for col in ("parameter", "base", "fitted"):
        t.add_column(col, justify="left" if col == "parameter" else "right")
    for i, lev in enumerate(base.leverages):
        t.add_row(f"weight {lev:g}x", f"{base.weights[i]:.3f}", f"{fitted.weights[i]:.3f}")
    for i, lev in enumerate(base.leverages):
        t.add_row(
            f"half-life {lev:g}x (h)",
            f"{base.half_life_hours[i]:.1f}",
            f"{fitted.half_life_hours[i]:.1f}",
        )
    t.add_row(
        "side_split_strength",
        f"{base.side_split_strength:.2f}",
        f"{fitted.side_split_strength:.2f}",
    )
    t.add_row("entry_spread", f"{base.entry_spread:.2f}", f"{fitted.entry_spread:.2f}")
    return t


_COLS = ("period", "params", "J", "where", "much", "top20", "rho", "empty", "logcorr", "cases")


def _print(r: CalibrationResult, out: Path) -> None:
    console.out().print(_params_table(r.base, r.params))
    t = Table(
        title="J = where + much (lower is better); top20, rho (Spearman), empty: visited bins",
        title_justify="left",
    )
    for col in _COLS:
        t.add_column(col, justify="left" if col in ("period", "params") else "right")
    for period, pair in (("in", r.in_sample), ("out", r.out_of_sample)):
        for label, o in zip(("base", "fitted"), pair or (), strict=False):
            vals = (o.total, o.where, o.much, o.top_share, o.spearman, o.empty_share, o.log_corr)
            t.add_row(period, label, *(f"{v:.3f}" for v in vals), f"{o.cases}")
    console.out().print(t)
    skipped = json.dumps(r.skipped)
    console.out().print(
        f"{r.evaluations} evaluations in {r.seconds:.0f} s ({r.stopped}); skipped: {skipped}",
        markup=False,
    )
    console.out().print(f"wrote [bold]{out}[/]; use it with: liqmap map SYMBOL --params {out}")


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("calibrate")(calibrate_cmd)
