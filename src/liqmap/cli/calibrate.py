"""``liqmap calibrate``: fit the estimator's parameters to observed liquidations, write a file that
``liqmap map --params FILE`` reads (method: :mod:`liqmap.accuracy.calibrate`)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from liqmap import api
from liqmap.accuracy.calibrate import FIT_GROUPS, CalibrationConfig, CalibrationResult, calibrate
from liqmap.accuracy.calibrate_objective import Method, Reach
from liqmap.accuracy.data import MAX_PRICE_DEV_PCT, drop_price_outliers, tape_outages
from liqmap.cli import calibrate_options as opt
from liqmap.cli import console
from liqmap.cli.backtest import one_venue
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
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import LiquidationEvents
from liqmap.errors import ParameterError
from liqmap.model_config import EstimatorParams
from liqmap.timeutil import parse_duration_ms, parse_time_ms

__all__ = ["calibrate_cmd", "register"]

_ALL_GROUPS = ",".join(FIT_GROUPS)


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
    out: opt.Out,
    source: SourceOpt = "demo",
    oi: OiOpt = None,
    flow: FlowOpt = None,
    liquidations: opt.Liquidations = None,
    start: opt.From = None,
    end: opt.To = None,
    holdout: opt.Holdout = None,
    warmup: opt.Warmup = "24h",
    every: opt.Every = "1h",
    horizons: opt.Horizons = "1h,4h",
    reach: opt.ReachOpt = "visit",
    fit: opt.Fit = _ALL_GROUPS,
    method: opt.MethodOpt = "nelder-mead",
    max_evals: opt.MaxEvals = 300,
    max_seconds: opt.MaxSeconds = 240.0,
    seed: opt.Seed = 0,
    ridge: opt.Ridge = 0.01,
    tape_share: opt.TapeShare = "auto",
    exchange: ExchangeOpt = "binance",
    brackets: BracketsOpt = None,
    leverage: LeverageOpt = None,
    params: ParamsOpt = None,
    preset: opt.Preset = "mixed",
    days: opt.Days = 7.0,
    sim_seed: opt.SimSeed = 7,
    max_price_dev: opt.MaxPriceDev = MAX_PRICE_DEV_PCT,
    outage: opt.Outage = "3h",
    as_json: JsonOpt = False,
    law: opt.Law = False,
    draws: opt.Draws = 30,
) -> None:
    """Fit leverage mix, half-lives, side split and entry spread to observed liquidations."""
    _calibrate(opt.CalibrateArgs(**locals()))  # first statement: the locals are the options


def _calibrate(a: opt.CalibrateArgs) -> None:
    base = api.resolve_params(params_file=a.params, leverage=a.leverage)
    venue = one_venue(a.exchange, "calibration fits one venue's map")
    demo = a.source == api.DEMO
    cfg = CalibrationConfig(
        warmup_ms=parse_duration_ms(a.warmup, name="--warmup"), every_ms=parse_duration_ms(a.every, name="--every"),
        horizons_ms=_durations(a.horizons, "--horizons"), reach=cast("Reach", a.reach),
        fit=_groups(a.fit), method=cast("Method", a.method), max_evals=a.max_evals,
        max_seconds=a.max_seconds, seed=a.seed, ridge=a.ridge, tape_share=_share(a.tape_share, demo=demo),
    )  # fmt: skip
    if a.out.suffix.lower() != ".json" or not a.out.parent.is_dir():
        raise ParameterError(f"--out: give a .json file in an existing folder, got {str(a.out)!r}")
    data, tape = _market(
        a.symbol, a.source, a.oi, a.flow, a.liquidations, (a.preset, a.days, a.sim_seed)
    )
    events, _ = drop_price_outliers(tape, data.candles, a.max_price_dev)
    gap = 0 if demo or a.outage.strip() == "0" else parse_duration_ms(a.outage, name="--outage")
    outages = tape_outages(events, gap) if gap else ()
    t0, t1 = _window(data, events, a.start, a.end, cfg.warmup_ms)
    table = api.margin_table(venue, data.candles.symbol or a.symbol, a.brackets)
    if a.law:
        write_law(
            data.candles.between(t0 - cfg.warmup_ms, t1), events, t0=t0, t1=t1, outages=outages,
            venue=venue, table=table, base=base, out=a.out, draws=a.draws, as_json=a.as_json,
            provenance={"symbol": a.symbol, "exchange": venue.value, "source": str(a.source),
                        "liquidations": a.liquidations.name if a.liquidations else None,
                        "events": len(events)},
        )  # fmt: skip
        return
    result = _fit(
        data, events, (t0, t1), parse_time_ms(a.holdout, name="--holdout") if a.holdout else None,
        venue=venue, table=table, base=base, cfg=cfg, outages=outages, demo=demo, quiet=a.as_json,
    )  # fmt: skip
    result.write(a.out, _provenance(a, venue, len(events), gap, cfg))
    if a.as_json:
        typer.echo(a.out.read_text(encoding="utf-8").strip())
        return
    _print(result, a.out)


def _provenance(
    a: opt.CalibrateArgs, venue: Venue, events: int, gap: int, cfg: CalibrationConfig
) -> dict[str, Any]:
    """What the fit was made from, written beside the parameters."""
    demo = a.source == api.DEMO
    return {
        "symbol": a.symbol, "exchange": venue.value, "source": a.source if demo else Path(a.source).name,
        "liquidations": a.liquidations.name if a.liquidations else None,
        "flow": a.flow.name if a.flow else None, "oi": a.oi.name if a.oi else None,
        "events": events, "outage_rule": "none" if not gap else a.outage,
        "tape_share": cfg.tape_share if cfg.tape_share is not None else "free",
    } | ({"preset": a.preset, "days": a.days, "sim_seed": a.sim_seed} if demo else {})  # fmt: skip


def _window(
    data: api.MarketData, events: LiquidationEvents, start: str | None, end: str | None,
    warmup_ms: int,
) -> tuple[int, int]:  # fmt: skip
    """First and last evaluation time: ``--from``/``--to``, else the tape's span after warm-up."""
    first = int(data.candles.ts_ms[0]) + warmup_ms
    t0 = parse_time_ms(start, name="--from") if start else max(first, int(events.ts_ms[0]))
    t1 = parse_time_ms(end, name="--to") if end else int(events.ts_ms[-1])
    return t0, t1


def _fit(
    data: api.MarketData, events: LiquidationEvents, span: tuple[int, int], holdout_ms: int | None,
    *, venue: Venue, table: MarginTable, base: EstimatorParams, cfg: CalibrationConfig,
    outages: tuple[tuple[int, int], ...], demo: bool, quiet: bool,
) -> CalibrationResult:  # fmt: skip
    """Run :func:`~liqmap.accuracy.calibrate.calibrate` behind a progress bar (none if quiet)."""
    t_end = int(data.candles.ts_ms[-1]) + data.candles.interval_ms
    with Progress(
        TextColumn("fitting"), BarColumn(), MofNCompleteColumn(), TextColumn("best J {task.fields[best]}"),
        TimeElapsedColumn(), console=console.err(), transient=True, disable=quiet,
    ) as bar:  # fmt: skip
        task = bar.add_task("fit", total=cfg.max_evals, best="-")
        return calibrate(
            data.candles, events, start_ms=span[0], end_ms=span[1], holdout_ms=holdout_ms,
            oi=data.oi, venue=venue, table=table, base=base, config=cfg, outages=outages,
            truth_span=(int(data.candles.ts_ms[0]), t_end) if demo else None,
            progress=lambda n, best: bar.update(task, completed=n, best=f"{best:.4f}"),
        )  # fmt: skip


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
