"""``liqmap batch backfill|import|backtest|calibrate|scan``: many symbols x venues x periods.

Each command plans one task per (venue, symbol, period) and hands them to
:func:`liqmap.jobs.run_batch`: in this process by default, on a local Dask cluster with
``--workers N``, or on a running cluster with ``--scheduler tcp://host:8786``. Results land as
Parquet parts plus a manifest under ``--out`` (default ``$LIQMAP_HOME/batch``), so a re-run
skips finished tasks and a killed run resumes. A failed task is reported, never fatal; the exit
code is 1 when any task failed. The commands hold no model logic (see docs/scale.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from liqmap.cli import console
from liqmap.errors import ParameterError
from liqmap.jobs import (
    BacktestSpec,
    BatchReport,
    CalibrateSpec,
    IngestSpec,
    Inputs,
    JobKind,
    ResultStore,
    ScanSpec,
    SchedulerSpec,
    Task,
    plan_tasks,
    run_batch,
    split_periods,
)
from liqmap.jobs.tasks import Spec
from liqmap.timeutil import parse_duration_ms, parse_time_ms

__all__ = ["register"]

SymbolsOpt = Annotated[
    str, typer.Option("--symbols", help="A file of symbols (one a line), a comma list, or 'all'.")
]
ExchangesOpt = Annotated[
    str, typer.Option("--exchange", help="Venue(s): binance, bybit, okx, ... comma-separated.")
]
FromOpt = Annotated[str, typer.Option("--from", help="Start of the span (UTC date or ISO time).")]
ToOpt = Annotated[str, typer.Option("--to", help="End of the span, exclusive (UTC).")]
PeriodOpt = Annotated[
    str | None, typer.Option("--period", help="Cut the span into periods of this length (7d).")
]
WorkersOpt = Annotated[
    int | None, typer.Option("--workers", help="Run on a local Dask cluster of N processes.")
]
SchedulerOpt = Annotated[
    str | None, typer.Option("--scheduler", help="Run on a Dask cluster: tcp://host:8786.")
]
OutOpt = Annotated[
    str | None,
    typer.Option("--out", help="Results root (folder or fsspec URL); default $LIQMAP_HOME/batch."),
]
ReportOpt = Annotated[
    Path | None, typer.Option("--json", help="Also write the JSON report to this file.")
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Redo tasks already done.")]
BarsOpt = Annotated[
    str, typer.Option("--bars", help="Bars file template with {symbol}/{asset}, or 'store'.")
]
LiqsOpt = Annotated[
    str | None, typer.Option("--liquidations", help="Liquidations file template (the truth).")
]
OiTplOpt = Annotated[str | None, typer.Option("--oi", help="Open-interest file template.")]
BracketsTplOpt = Annotated[str | None, typer.Option("--brackets", help="Margin-table file.")]
WindowOpt = Annotated[str, typer.Option("--window", help="History behind each map.")]
EveryOpt = Annotated[str, typer.Option("--every", help="Time between evaluations.")]
HorizonsOpt = Annotated[str, typer.Option("--horizons", help="Comma-separated horizons.")]
BinsOpt = Annotated[int, typer.Option("--bins", help="Price bins of each map.")]


def _durations(text: str, name: str) -> tuple[int, ...]:
    items = [s.strip() for s in text.split(",") if s.strip()]
    if not items:
        raise ParameterError(f"{name}: give at least one duration, e.g. '1h,4h'")
    return tuple(parse_duration_ms(s, name=name) for s in items)


def _symbols(text: str, venues: tuple[str, ...], inputs: Inputs) -> tuple[str, ...]:
    """``--symbols``: a file (one a line, # comments), a comma list, or 'all' (the store's, or
    the files the ``--bars`` template matches)."""
    from liqmap.scan import symbols_from

    t = text.strip()
    if t.lower() == "all":
        return _all_symbols(venues, inputs)
    p = Path(t)
    if p.is_file():
        lines = [ln.split("#", 1)[0].strip() for ln in p.read_text(encoding="utf-8").splitlines()]
        names = symbols_from([ln for ln in lines if ln])
        if not names:
            raise ParameterError(f"--symbols {t}: the file lists no symbols (one a line)")
        return names
    return symbols_from([t])


def _all_symbols(venues: tuple[str, ...], inputs: Inputs) -> tuple[str, ...]:
    if inputs.bars == "store":
        from liqmap.domain.enums import Venue
        from liqmap.scan import stored_symbols

        found = {s for v in venues for s in stored_symbols(Venue.parse(v), inputs.interval_ms)}
        if not found:
            raise ParameterError("--symbols all: the store holds no bars; import or sync some")
        return tuple(sorted(found))
    if "{symbol}" not in inputs.bars:
        raise ParameterError("--symbols all needs --bars 'store' or a template with {symbol}")
    pattern = re.escape(inputs.bars).replace(re.escape("{symbol}"), "(?P<s>[A-Za-z0-9]+)")
    folder, name = Path(inputs.bars).parent, Path(inputs.bars).name
    if "{symbol}" in str(folder):
        raise ParameterError("--symbols all: put {symbol} in the file name of --bars, not a folder")
    hits = (str(p) for p in folder.glob(name.replace("{symbol}", "*")))
    found = {m["s"].upper() for f in hits if (m := re.fullmatch(pattern, f))}
    if not found:
        raise ParameterError(f"--symbols all: no file matches --bars {inputs.bars!r}")
    return tuple(sorted(found))


def _root(out: str | None) -> str:
    if out:
        return out
    from liqmap.settings import Settings

    return str(Settings.from_env().home / "batch")


def _committer(kind: JobKind, results: ResultStore) -> tuple[Callable[..., dict[str, int]] | None, Callable[[], None]]:  # fmt: skip
    """For ingest batches: the single store writer (opened here, closed by the second value)."""
    if kind not in ("import", "backfill"):
        return None, lambda: None
    from liqmap.jobs.ingest import commit
    from liqmap.settings import Settings
    from liqmap.store import Store

    store = Store.open(settings=Settings.from_env())

    def write(task: Task, outcome: object) -> dict[str, int]:
        parts = {p.rsplit("/", 1)[1].removesuffix(".parquet"): results.read_part(p) for p in outcome.parts}  # type: ignore[attr-defined]  # fmt: skip
        return commit(store, task.key, parts)

    return write, store.close


def _run(
    kind: JobKind, spec: Spec, inputs: Inputs, *, symbols: str, exchange: str, start: str,
    end: str, period: str | None, workers: int | None, scheduler: str | None, out: str | None,
    report_path: Path | None, force: bool,
) -> None:  # fmt: skip
    from liqmap import api

    venues = tuple(v.value for v in api.parse_exchanges(exchange))
    s = parse_time_ms(start, name="--from")
    e = parse_time_ms(end, name="--to")
    per = parse_duration_ms(period, name="--period") if period else None
    tasks = plan_tasks(kind, venues, _symbols(symbols, venues, inputs), split_periods(s, e, per), spec, inputs)  # fmt: skip
    sched = SchedulerSpec(workers=workers, address=scheduler)
    results = ResultStore(_root(out))
    committer, close = _committer(kind, results)
    from liqmap.cli.batch_view import live_progress, summary_table

    try:
        with live_progress(len(tasks), f"batch {kind}") as progress:
            report = run_batch(tasks, results, sched, committer=committer, progress=progress, force=force)  # fmt: skip
    finally:
        close()
    _finish(report, report_path, summary_table)


def _finish(report: BatchReport, path: Path | None, table: Callable[[BatchReport], object]) -> None:
    console.out().print(table(report))
    if path is not None:
        path.write_text(json.dumps(report.to_dict(), indent=2, allow_nan=False) + "\n", encoding="utf-8")  # fmt: skip
    if not report.ok:
        raise typer.Exit(1)


def backtest_cmd(
    symbols: SymbolsOpt, start: FromOpt, end: ToOpt, bars: BarsOpt = "store",
    liquidations: LiqsOpt = None, oi: OiTplOpt = None, brackets: BracketsTplOpt = None,
    exchange: ExchangesOpt = "binance", period: PeriodOpt = None, window: WindowOpt = "24h",
    every: EveryOpt = "1h", horizons: HorizonsOpt = "1h,4h,24h", bins: BinsOpt = 400,
    workers: WorkersOpt = None, scheduler: SchedulerOpt = None, out: OutOpt = None,
    report: ReportOpt = None, force: ForceOpt = False,
) -> None:  # fmt: skip
    """Walk-forward backtests, one per (venue, symbol, period)."""
    spec = BacktestSpec(
        parse_duration_ms(window), parse_duration_ms(every, name="--every"),
        _durations(horizons, "--horizons"), bins,
    )  # fmt: skip
    _run("backtest", spec, Inputs(bars, liquidations, oi, brackets), symbols=symbols, exchange=exchange, start=start, end=end, period=period, workers=workers, scheduler=scheduler, out=out, report_path=report, force=force)  # fmt: skip


def calibrate_cmd(
    symbols: SymbolsOpt, start: FromOpt, end: ToOpt, bars: BarsOpt = "store",
    liquidations: LiqsOpt = None, oi: OiTplOpt = None, brackets: BracketsTplOpt = None,
    exchange: ExchangesOpt = "binance", period: PeriodOpt = None,
    warmup: Annotated[str, typer.Option("--warmup", help="History before the first time.")] = "24h",
    every: EveryOpt = "1h", horizons: HorizonsOpt = "1h,4h",
    max_evals: Annotated[int, typer.Option("--max-evals", help="Objective evaluations per fit.")] = 60,
    holdout: Annotated[float, typer.Option("--holdout-share", help="Last share scored out of sample.")] = 0.0,
    workers: WorkersOpt = None, scheduler: SchedulerOpt = None, out: OutOpt = None,
    report: ReportOpt = None, force: ForceOpt = False,
) -> None:  # fmt: skip
    """Calibration fits, one per (venue, symbol, period)."""
    spec = CalibrateSpec(
        parse_duration_ms(warmup, name="--warmup"), parse_duration_ms(every, name="--every"),
        _durations(horizons, "--horizons"), (), max_evals, holdout,
    )  # fmt: skip
    _run("calibrate", spec, Inputs(bars, liquidations, oi, brackets), symbols=symbols, exchange=exchange, start=start, end=end, period=period, workers=workers, scheduler=scheduler, out=out, report_path=report, force=force)  # fmt: skip


def scan_cmd(
    symbols: SymbolsOpt, start: FromOpt, end: ToOpt, bars: BarsOpt = "store",
    oi: OiTplOpt = None, brackets: BracketsTplOpt = None, exchange: ExchangesOpt = "binance",
    period: PeriodOpt = None, window: WindowOpt = "7d", bins: BinsOpt = 400,
    workers: WorkersOpt = None, scheduler: SchedulerOpt = None, out: OutOpt = None,
    report: ReportOpt = None, force: ForceOpt = False,
) -> None:  # fmt: skip
    """Maps at the end of every period, per (venue, symbol), with the scan's ranking row."""
    spec = ScanSpec(parse_duration_ms(window), bins)
    _run("scan", spec, Inputs(bars, None, oi, brackets), symbols=symbols, exchange=exchange, start=start, end=end, period=period, workers=workers, scheduler=scheduler, out=out, report_path=report, force=force)  # fmt: skip


def import_cmd(
    symbols: SymbolsOpt, start: FromOpt, end: ToOpt,
    files: Annotated[str, typer.Option("--files", help="File template with {symbol}/{asset}.")],
    kind: Annotated[str | None, typer.Option("--kind", help="File kind (default: detected).")] = None,
    exchange: ExchangesOpt = "binance", period: PeriodOpt = None, workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None, out: OutOpt = None, report: ReportOpt = None,
    force: ForceOpt = False,
) -> None:  # fmt: skip
    """Parse files on the workers, store their rows here (the store has one writer)."""
    _run("import", IngestSpec(kind), Inputs(files), symbols=symbols, exchange=exchange, start=start, end=end, period=period, workers=workers, scheduler=scheduler, out=out, report_path=report, force=force)  # fmt: skip


def backfill_cmd(
    symbols: SymbolsOpt, start: FromOpt, end: ToOpt,
    kind: Annotated[str, typer.Option("--kind", help="klines-1m, metrics, aggTrades, bookDepth, fundingRate.")] = "klines-1m",
    exchange: ExchangesOpt = "binance", period: PeriodOpt = "30d", workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None, out: OutOpt = None, report: ReportOpt = None,
    force: ForceOpt = False,
) -> None:  # fmt: skip
    """Download data.binance.vision files on the workers, store their rows here."""
    from liqmap.archive.layout import parse_kind
    from liqmap.settings import Settings

    settings = Settings.from_env()
    spec = IngestSpec(parse_kind(kind), settings.archive_url, str(settings.home / "archive"))
    _run("backfill", spec, Inputs("archive"), symbols=symbols, exchange=exchange, start=start, end=end, period=period, workers=workers, scheduler=scheduler, out=out, report_path=report, force=force)  # fmt: skip


def register(app: typer.Typer) -> None:
    """Add the ``batch`` command group to the app."""
    batch = typer.Typer(
        help="Run backfill, import, backtests, calibration or scans over many symbols x venues x periods (Dask).",
        no_args_is_help=True,
    )  # fmt: skip
    batch.command("backfill")(backfill_cmd)
    batch.command("import")(import_cmd)
    batch.command("backtest")(backtest_cmd)
    batch.command("calibrate")(calibrate_cmd)
    batch.command("scan")(scan_cmd)
    app.add_typer(batch, name="batch")
