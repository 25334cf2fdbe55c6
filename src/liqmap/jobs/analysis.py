"""The analysis tasks (backtest, calibrate, scan): the library's own functions, results as frames.

Each function loads the task's data (:func:`load`), calls the public library function the
serial CLI calls (:func:`liqmap.accuracy.backtest`, :func:`liqmap.accuracy.calibrate`,
:func:`liqmap.api.estimate_map`) with the same preparation (price outliers dropped, tape
outages of 3 h or more excluded, the venue's margin table), and returns its parts as polars
frames plus a small JSON summary. Nothing here writes files: :mod:`liqmap.jobs.work` does.

A period ``[start, end)`` evaluates at the times in ``[start, end - 1 ms]``: consecutive periods
share no evaluation time, so a long span split into periods scores each time once.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import polars as pl

from liqmap.domain.enums import Venue
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.errors import DataFileError, EmptyWindowError, ParameterError
from liqmap.jobs.tasks import BacktestSpec, CalibrateSpec, Inputs, ScanSpec, Task

__all__ = ["Frames", "Loaded", "backtest_task", "calibrate_task", "load", "scan_task"]

OUTAGE_MS = 3 * 3_600_000  # as `liqmap backtest --outage 3h`
Frames = tuple[dict[str, pl.DataFrame], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Loaded:
    """A task's data: bars, optional OI and liquidation events."""

    candles: Candles
    oi: OpenInterest | None
    events: LiquidationEvents | None


S = TypeVar("S", BacktestSpec, CalibrateSpec, ScanSpec)


def _spec(task: Task, cls: type[S]) -> S:
    if not isinstance(task.spec, cls):
        raise ParameterError(f"{task.key.task_id}: needs a {cls.__name__}, got {type(task.spec).__name__}")  # fmt: skip
    return task.spec


def _file(path: str, flag: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise DataFileError(f"no such file for this symbol; check the {flag} template", path=str(p))  # fmt: skip
    return p


def load(task: Task, start_ms: int | None = None, end_ms: int | None = None) -> Loaded:
    """The task's data: from its file templates (whole files), or read-only from the local
    store (``[start_ms, end_ms)``; None: unbounded; backtests and fits read past the period's
    end for the horizons of its last evaluation times)."""
    inp, key = task.inputs, task.key
    if inp.bars == "store":
        return _from_store(inp, key.venue, key.symbol, start_ms, end_ms)
    from liqmap.io import files

    sym = key.symbol
    candles = files.load_candles(_file(inp.path(inp.bars, sym), "--bars"), symbol=sym)
    oi = (
        files.load_open_interest(_file(inp.path(inp.oi, sym), "--oi"), symbol=sym)
        if inp.oi
        else None
    )
    events = None
    if inp.liquidations:
        path = _file(inp.path(inp.liquidations, sym), "--liquidations")
        events = files.load_liquidations(path, symbol=sym)
    return Loaded(candles, oi, events)


def _from_store(inp: Inputs, venue: str, symbol: str, start: int | None, end: int | None) -> Loaded:
    from liqmap.exchanges.base import store_symbol
    from liqmap.settings import Settings
    from liqmap.store import Store

    v = Venue.parse(venue)
    sym = store_symbol(v, symbol)
    settings = Settings.from_env()
    if not settings.store_path.exists():
        raise DataFileError("no store here; run `liqmap batch import` first", path=str(settings.store_path))  # fmt: skip
    with Store.open(settings=settings, read_only=True) as store:
        candles = store.read_candles(v.value, sym, interval_ms=inp.interval_ms, start_ms=start, end_ms=end)  # fmt: skip
        oi = store.read_open_interest(v.value, sym, start, end)
        events = store.read_liquidations(v.value, sym, start, end)
    if len(candles) == 0:
        raise EmptyWindowError(f"the store has no {inp.interval_ms // 60_000}m bars of {venue} {sym} in the period")  # fmt: skip
    return Loaded(candles, oi, events if len(events) else None)


def _truth(task: Task, data: Loaded) -> tuple[LiquidationEvents, tuple[tuple[int, int], ...], tuple[str, ...]]:  # fmt: skip
    from liqmap.accuracy.data import MAX_PRICE_DEV_PCT, drop_price_outliers, tape_outages

    if data.events is None or len(data.events) == 0:
        raise EmptyWindowError(f"{task.key.symbol}: no liquidation events (the truth) to score or fit on")  # fmt: skip
    events, notes = drop_price_outliers(data.events, data.candles, MAX_PRICE_DEV_PCT)
    outages = tape_outages(events, OUTAGE_MS)
    return events, outages, notes


def _table(task: Task) -> Any:
    from liqmap import api

    return api.margin_table(Venue.parse(task.key.venue), task.key.symbol, task.inputs.brackets, warn=False)  # fmt: skip


def _clean(d: Any) -> Any:
    """JSON-safe: NaN/inf as None, recursively."""
    if isinstance(d, dict):
        return {str(k): _clean(v) for k, v in d.items()}
    if isinstance(d, list | tuple):
        return [_clean(v) for v in d]
    if isinstance(d, float) and not math.isfinite(d):
        return None
    return d


def backtest_task(task: Task) -> Frames:
    """Walk-forward backtest of the period; parts ``points`` and ``scores``."""
    from liqmap.accuracy import BacktestConfig, backtest

    spec = _spec(task, BacktestSpec)
    key = task.key
    data = load(task)
    events, outages, notes = _truth(task, data)
    cfg = BacktestConfig(
        window_ms=spec.window_ms, every_ms=spec.every_ms, horizons_ms=spec.horizons_ms, bins=spec.bins
    )  # fmt: skip
    r = backtest(
        data.candles, events, start_ms=key.start_ms, end_ms=key.end_ms - 1, venue=Venue.parse(key.venue),
        table=_table(task), oi=data.oi, config=cfg, outages=outages, label=key.task_id, notes=notes,
    )  # fmt: skip
    p = r.points
    points = pl.DataFrame({
        name: np.asarray(getattr(p, name)) for name in p.__slots__
    })  # fmt: skip
    d = r.to_dict()
    scores = pl.DataFrame([_clean(s) for s in d.pop("scores")], infer_schema_length=None)
    return {"points": points, "scores": scores}, _clean(d)


def calibrate_task(task: Task) -> Frames:
    """Calibration fit over the period; part ``fit`` (one row: parameters as JSON, objectives)."""
    from liqmap.accuracy.calibrate import FIT_GROUPS, CalibrationConfig, calibrate

    spec = _spec(task, CalibrateSpec)
    key = task.key
    data = load(task)
    events, outages, _ = _truth(task, data)
    cfg = CalibrationConfig(
        warmup_ms=spec.warmup_ms, every_ms=spec.every_ms, horizons_ms=spec.horizons_ms,
        fit=spec.fit or FIT_GROUPS, max_evals=spec.max_evals, max_seconds=1e9,
    )  # fmt: skip
    holdout = None
    if spec.holdout_share > 0:
        holdout = key.end_ms - int((key.end_ms - key.start_ms) * spec.holdout_share)
    r = calibrate(
        data.candles, events, start_ms=key.start_ms, end_ms=key.end_ms - 1,
        holdout_ms=holdout, oi=data.oi, venue=Venue.parse(key.venue), table=_table(task),
        config=cfg, outages=outages,
    )  # fmt: skip
    doc = r.to_dict({"symbol": key.symbol, "venue": key.venue, "task": key.task_id})
    doc.pop("created", None)
    doc["optimiser"].pop("seconds", None)  # wall time: not part of the result
    ins = r.in_sample
    fit = pl.DataFrame({
        "params_json": [json.dumps(_clean(doc["params"]), sort_keys=True)],
        "objective_base": [float(ins[0].total)], "objective_fitted": [float(ins[1].total)],
        "evaluations": [r.evaluations], "stopped": [r.stopped],
        "result_json": [json.dumps(_clean(doc), sort_keys=True)],
    })  # fmt: skip
    return {"fit": fit}, {"evaluations": r.evaluations, "stopped": r.stopped}


def scan_task(task: Task) -> Frames:
    """The map at the period's end (window ``spec.window_ms``); parts ``map`` and ``row``."""
    from liqmap import api
    from liqmap.core.scan import scale_of, scan_row

    spec = _spec(task, ScanSpec)
    key = task.key
    data = load(task, start_ms=key.end_ms - spec.window_ms, end_ms=key.end_ms)
    md = api.MarketData(data.candles, data.oi, data.events)
    m = api.estimate_map(
        md, window=spec.window_ms, at=key.end_ms, exchange=key.venue,
        brackets=task.inputs.brackets, bins=spec.bins,
    )  # fmt: skip
    n_tiers, n = m.long_usd.shape
    frame = pl.DataFrame({
        "tier": np.repeat(np.arange(n_tiers), n), "leverage": np.repeat(np.asarray(m.leverages), n),
        "bin": np.tile(np.arange(n), n_tiers), "lo": np.tile(m.edges[:-1], n_tiers),
        "hi": np.tile(m.edges[1:], n_tiers), "long_usd": m.long_usd.ravel(),
        "short_usd": m.short_usd.ravel(),
    })  # fmt: skip
    scale, kind = scale_of(md.candles.between(key.end_ms - spec.window_ms, key.end_ms), md.oi)
    label = next((x for x in m.notes if x.startswith("margin table: ")), "")
    row = scan_row(m, scale, kind, table=label)
    rows = pl.DataFrame({
        "price": [m.price], "as_of_ms": [m.as_of_ms], "score": [row.score],
        "row_json": [json.dumps(_clean(row.to_dict()), sort_keys=True)],
    })  # fmt: skip
    return {"map": frame, "row": rows}, {"price": m.price, "score": row.score}
