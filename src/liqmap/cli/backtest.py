"""``liqmap backtest``: walk-forward accuracy of the map against observed liquidations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from liqmap import api
from liqmap.accuracy.backtest import backtest
from liqmap.accuracy.data import MAX_PRICE_DEV_PCT, drop_price_outliers, tape_outages
from liqmap.accuracy.result import BacktestConfig, BacktestResult
from liqmap.cli import console
from liqmap.cli.options import (
    BinsOpt,
    BracketsOpt,
    ExchangeOpt,
    FlowOpt,
    JsonOpt,
    LeverageOpt,
    OiOpt,
    ParamsOpt,
    SourceOpt,
    SymbolArg,
    WindowOpt,
)
from liqmap.domain.enums import Venue
from liqmap.domain.market import Candles, LiquidationEvents
from liqmap.domain.market_data import MarketData
from liqmap.errors import ParameterError
from liqmap.timeutil import parse_duration_ms, parse_time_ms

__all__ = ["backtest_cmd", "register"]

_DAY_MS = 86_400_000


def _horizons(text: str) -> tuple[int, ...]:
    items = [s for s in (x.strip() for x in text.split(",")) if s]
    if not items:
        raise ParameterError("--horizons: give at least one, e.g. '1h,4h,24h'")
    return tuple(parse_duration_ms(s, name="--horizons") for s in items)


# The options of ``backtest`` (types with their help, so the command's signature stays short).
_Liquidations = Annotated[
    Path | None,
    typer.Option("--liquidations", help="Observed liquidations: the truth (files only)."),
]
_From = Annotated[
    str | None, typer.Option("--from", help="First evaluation time (UTC date or ISO time).")
]
_To = Annotated[
    str | None, typer.Option("--to", help="Last evaluation time, inclusive (a date = 00:00).")
]
_Every = Annotated[str, typer.Option("--every", help="Time between evaluations.")]
_Horizons = Annotated[str, typer.Option("--horizons", help="Comma-separated horizons.")]
_MaxPriceDev = Annotated[
    float, typer.Option("--max-price-dev", help="Drop events this far (%) outside their bar.")
]
_Outage = Annotated[
    str,
    typer.Option("--outage", help="A tape silent this long was down (0 = never; demo: 0)."),
]
_Points = Annotated[bool, typer.Option("--points", help="With --json: every evaluation's row too.")]
_Report = Annotated[
    Path | None, typer.Option("--report", help="Write backtest.md + PNG into this folder.")
]
_Truth = Annotated[
    Path | None,
    typer.Option(
        "--truth",
        help="Aggregated truth per interval (timestamp, liquidation_long_usd, "
        "liquidation_short_usd): scores USD in each interval's traded range.",
    ),
]
_ByInterval = Annotated[
    bool,
    typer.Option(
        "--by-interval", help="Sum the --liquidations tape per interval and score as --truth."
    ),
]
_Interval = Annotated[
    str, typer.Option("--interval", help="Interval of --by-interval truth (and of --truth).")
]
_Boot = Annotated[
    int, typer.Option("--boot", help="Day-block bootstrap resamples (interval scoring).")
]


def backtest_cmd(
    symbol: SymbolArg,
    source: SourceOpt = "demo",
    oi: OiOpt = None,
    flow: FlowOpt = None,
    liquidations: _Liquidations = None,
    start: _From = None,
    end: _To = None,
    every: _Every = "1h",
    horizons: _Horizons = "1h,4h,24h",
    window: WindowOpt = "24h",
    exchange: ExchangeOpt = "binance",
    brackets: BracketsOpt = None,
    leverage: LeverageOpt = None,
    params: ParamsOpt = None,
    bins: BinsOpt = 400,
    max_price_dev: _MaxPriceDev = MAX_PRICE_DEV_PCT,
    outage: _Outage = "3h",
    as_json: JsonOpt = False,
    points: _Points = False,
    report: _Report = None,
    truth: _Truth = None,
    by_interval: _ByInterval = False,
    interval: _Interval = "1h",
    boot: _Boot = 200,
) -> None:
    """Walk-forward backtest: each map against the liquidations that followed it, with baselines.

    With --truth FILE (or --by-interval) each interval is scored instead: the map's USD between
    the interval's low and the price (longs; shorts: price to high) against the USD liquidated,
    beside the range, OI x range, ladder and uniform baselines, with bootstrap intervals.
    """
    if truth is not None or by_interval:
        from liqmap.cli.backtest_intervals import interval_cmd

        interval_cmd(
            symbol, source=source, oi=oi, flow=flow, liquidations=liquidations, truth=truth,
            start=start, end=end, every=every, horizons=_horizons(horizons), window=window,
            exchange=exchange, brackets=brackets, params=api.resolve_params(params_file=params, leverage=leverage),
            bins=bins, interval=interval, boot=boot, as_json=as_json,
        )  # fmt: skip
        return
    p = api.resolve_params(params_file=params, leverage=leverage)
    cfg = BacktestConfig(
        window_ms=parse_duration_ms(window), every_ms=parse_duration_ms(every, name="--every"),
        horizons_ms=_horizons(horizons), bins=bins,
    )  # fmt: skip
    demo = source == api.DEMO
    data, tape = _market(symbol, source, oi, flow, liquidations, cfg)
    events, notes, outages = _clean_tape(tape, data.candles, max_price_dev, outage, demo=demo)
    venue = one_venue(exchange, "the backtest scores one venue's map")
    first = int(data.candles.ts_ms[0]) + cfg.window_ms
    result = backtest(
        data.candles, events, venue=venue, table=api.margin_table(venue, symbol, brackets),
        oi=data.oi, params=p, config=cfg, outages=outages, notes=notes,
        start_ms=parse_time_ms(start, name="--from") if start else max(first, int(events.ts_ms[0])),
        end_ms=parse_time_ms(end, name="--to") if end else int(events.ts_ms[-1]),
        label=source if demo else Path(source).name,
    )  # fmt: skip
    _output(result, as_json=as_json, points=points, report=report)


def one_venue(exchange: str, what: str) -> Venue:
    """The one venue of ``--exchange`` (``what`` says why a list or ``all`` is refused)."""
    if "," in exchange or exchange.strip().lower() == "all":
        raise ParameterError(f"--exchange: {what}; give one exchange")
    return Venue.parse(exchange)


def _market(
    symbol: str, source: str, oi: Path | None, flow: Path | None, liquidations: Path | None,
    cfg: BacktestConfig,
) -> tuple[MarketData, LiquidationEvents]:  # fmt: skip
    """The market to score and its liquidation tape (demo: long enough for every horizon)."""
    demo = source == api.DEMO
    if not demo and liquidations is None:
        raise ParameterError("--liquidations is required with a file --source (it is the truth)")
    days = (cfg.window_ms + max(cfg.horizons_ms)) / _DAY_MS + 5.0
    data = api.load_market(
        symbol, source, oi=oi, flow=flow, liquidations=liquidations,
        demo_days=max(days, 7.0) if demo else None,
    )  # fmt: skip
    if data.liquidations is None or len(data.liquidations) == 0:
        raise ParameterError("no liquidation events to compare with")
    return data, data.liquidations


def _clean_tape(
    tape: LiquidationEvents, candles: Candles, max_price_dev: float, outage: str, *, demo: bool
) -> tuple[LiquidationEvents, tuple[str, ...], tuple[tuple[int, int], ...]]:
    """The tape without price outliers, the notes saying what was dropped, and its outages."""
    events, notes = drop_price_outliers(tape, candles, max_price_dev)
    gap = 0 if demo or outage.strip() == "0" else parse_duration_ms(outage, name="--outage")
    outages = tape_outages(events, gap) if gap else ()
    if outages:
        notes += (f"{len(outages)} tape silences of {outage} or more treated as outages",)
    return events, notes, outages


def _output(result: BacktestResult, *, as_json: bool, points: bool, report: Path | None) -> None:
    written = None
    if report is not None:
        from liqmap.accuracy.report import write_report

        written = write_report([result], report, title=f"Backtest: {result.symbol}")
    if as_json:
        typer.echo(json.dumps(result.to_dict(points=points), allow_nan=False))
        return
    console.out().print(result.summary_table())
    for note in result.notes:
        console.out().print(f"note: {note}", markup=False)
    if written is not None:
        console.out().print(f"wrote [bold]{written}[/]")


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("backtest")(backtest_cmd)
