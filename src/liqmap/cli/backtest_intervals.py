"""``liqmap backtest --truth FILE`` / ``--by-interval``: the map scored per interval.

Thin: loads the inputs, runs :class:`liqmap.accuracy.intervals.IntervalWalk`, prints a table or
the JSON of ``docs/json.md`` (schema ``liqmap.backtest-intervals/1``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from liqmap import api
from liqmap.accuracy.data import drop_price_outliers, tape_outages
from liqmap.accuracy.interval_report import check_targets, skip_text
from liqmap.accuracy.interval_result import METRICS, IntervalConfig, IntervalResult
from liqmap.accuracy.intervals import IntervalWalk
from liqmap.accuracy.result import horizon_label
from liqmap.accuracy.truth import IntervalTruth, aggregate_events, read_interval_truth
from liqmap.cli import console
from liqmap.domain.enums import Venue
from liqmap.domain.market import LiquidationEvents
from liqmap.errors import ParameterError
from liqmap.model_config import EstimatorParams
from liqmap.timeutil import parse_duration_ms, parse_time_ms

__all__ = ["SCHEMA", "interval_cmd"]

SCHEMA = "liqmap.backtest-intervals/1"
_DAY_MS = 86_400_000


def _truth(
    truth: Path | None, events: LiquidationEvents | None, interval_ms: int, demo: bool
) -> tuple[IntervalTruth, tuple[str, ...]]:
    if truth is not None:
        t = read_interval_truth(truth, interval_ms=None)
        if t.interval_ms != interval_ms:
            raise ParameterError(
                f"--truth: {truth} has {horizon_label(t.interval_ms)} intervals but --interval "
                f"is {horizon_label(interval_ms)}; pass --interval {horizon_label(t.interval_ms)}"
            )
        return t, (f"truth: {truth.name}, {len(t)} intervals",)
    if events is None or len(events) == 0:
        raise ParameterError("--by-interval needs --liquidations (or --source demo)")
    outages = () if demo else tape_outages(events)
    start, end = int(events.ts_ms[0]), int(events.ts_ms[-1]) + 1
    agg = aggregate_events(events, interval_ms, start, end, outages)
    return agg, (
        f"truth: the tape summed per {horizon_label(interval_ms)} ({len(outages)} outages)",
    )


def interval_cmd(
    symbol: str, *, source: str, oi: Path | None, flow: Path | None, liquidations: Path | None,
    truth: Path | None, start: str | None, end: str | None, every: str,
    horizons: tuple[int, ...], window: str, exchange: str, brackets: Path | None,
    params: EstimatorParams, bins: int, interval: str, boot: int, as_json: bool,
) -> None:  # fmt: skip
    """Run the interval backtest and print it (table or JSON)."""
    interval_ms = parse_duration_ms(interval, name="--interval")
    if any(h % interval_ms for h in horizons):
        raise ParameterError(f"--horizons must be multiples of --interval {interval}")
    if "," in exchange or exchange.strip().lower() == "all":
        raise ParameterError("--exchange: the backtest scores one venue's map; give one exchange")
    cfg = IntervalConfig(
        window_ms=parse_duration_ms(window), every_ms=parse_duration_ms(every, name="--every"),
        horizons_ms=horizons, bins=bins,
        magnet_horizons_ms=tuple(h for h in horizons if h >= interval_ms) or horizons,
    )  # fmt: skip
    demo = source == api.DEMO
    days = (cfg.window_ms + max(horizons)) / _DAY_MS + 5.0
    data = api.load_market(
        symbol, source, oi=oi, flow=flow, liquidations=liquidations,
        demo_days=max(days, 7.0) if demo else None,
    )  # fmt: skip
    events: LiquidationEvents | None = None
    notes: tuple[str, ...] = ()
    if data.liquidations is not None and len(data.liquidations):
        events, notes = drop_price_outliers(data.liquidations, data.candles)
    t, tnotes = _truth(truth, events, interval_ms, demo)
    venue = Venue.parse(exchange)
    walk = IntervalWalk(
        data.candles, t, venue=venue, table=api.margin_table(venue, symbol, brackets),
        oi=data.oi, events=events, params=params, config=cfg,
    )  # fmt: skip
    first = max(int(data.candles.ts_ms[0]) + cfg.window_ms, int(t.ts_ms[0]))
    last = int(t.ts_ms[-1]) + t.interval_ms - min(horizons)
    result = walk.run(
        parse_time_ms(start, name="--from") if start else first,
        parse_time_ms(end, name="--to") if end else last,
        label=source if demo else Path(source).name, notes=(*notes, *tnotes),
    )  # fmt: skip
    scores = result.evaluate(n_boot=boot)
    if as_json:
        typer.echo(json.dumps(to_dict(result, scores), allow_nan=False))
        return
    _print(result, scores)


def to_dict(result: IntervalResult, scores: dict[str, Any]) -> dict[str, Any]:
    """The JSON document (``docs/json.md``)."""
    cfg = result.config
    return {
        "schema": SCHEMA,
        "symbol": result.symbol,
        "label": result.label,
        "config": {
            "window": horizon_label(cfg.window_ms),
            "every": horizon_label(cfg.every_ms),
            "horizons": [horizon_label(h) for h in cfg.horizons_ms],
            "bins": cfg.bins,
            "magnet_pct": cfg.magnet_pct,
        },
        "evaluation_times": result.times,
        "scored_intervals": len(result.rows),
        "skipped": result.skipped,
        "notes": list(result.notes),
        "scores": scores,
    }


def _print(result: IntervalResult, scores: dict[str, Any]) -> None:
    out = console.out()
    for h, sides in scores["horizons"].items():
        s = sides["all"]
        table = Table(
            title=f"{result.symbol} {horizon_label(int(h))}: n={s['n']}, {s['days']} days"
        )
        table.add_column("method")
        for k in METRICS:
            table.add_column(k.replace("_", " "))
        for m, cells in s["methods"].items():
            table.add_row(m, *(_fmt(cells[k]) for k in METRICS))
        out.print(table)
    for target, text, ok in check_targets(scores, result.config.horizons_ms[0]):
        word = "met" if ok else "n/a" if ok is None else "not met"
        out.print(f"{word}: {target.text}: {text}", markup=False)
    if result.skipped:
        out.print(f"skipped: {skip_text(result.skipped)}", markup=False)
    for note in result.notes:
        out.print(f"note: {note}", markup=False)


def _fmt(c: dict[str, Any]) -> str:
    if c["value"] is None:
        return "n/a"
    if c["lo"] is None:
        return f"{c['value']:.2f}"
    return f"{c['value']:.2f} [{c['lo']:.2f}, {c['hi']:.2f}]"
