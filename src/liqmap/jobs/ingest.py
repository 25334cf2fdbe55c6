"""Ingest tasks (``import``, ``backfill``): workers parse files into Parquet parts, one committer
writes the parts into the DuckDB store.

The store has one writer. So a worker never opens it: it parses each file with the store
importer's own parser (:func:`liqmap.store.importer.parse_file`, every file layout and archive
kind it knows) and replays the parsed writes against a :class:`_Capture`, which keeps the
records instead of storing them; they become one part per store series (``candles-60000``,
``oi-level``, ``liquidations``, ``funding``, ``series-<name>``, ``book-depth``). The driver's
:func:`commit` reads the parts back and writes them in one transaction per task (store writes
are idempotent: committing a part twice adds nothing). ``backfill`` first downloads the
period's archive files (:class:`liqmap.archive.fetch.ArchiveClient`: checksum-verified,
resumable) and adds a ``downloads`` part so the store remembers them, as ``liqmap download``.

Rows are cut to the task's period ``[start, end)``: tasks of adjacent periods of one file
share no row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import polars as pl
from numpy.typing import NDArray

from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.errors import ParameterError
from liqmap.jobs.tasks import IngestSpec, Task, TaskKey

if TYPE_CHECKING:
    from liqmap.archive.fetch import Fetched
    from liqmap.store import Store

__all__ = ["backfill_task", "commit", "import_task"]

Frames = tuple[dict[str, pl.DataFrame], dict[str, Any]]
_CANDLE_COLS = ("open", "high", "low", "close", "volume", "taker_buy_volume")


class _Capture:
    """Stands in for the store when a parsed file's writes are replayed: keeps the frames."""

    def __init__(self, key: TaskKey) -> None:
        self.key = key
        self.frames: dict[str, list[pl.DataFrame]] = {}

    def _add(self, name: str, data: Mapping[str, NDArray[Any]]) -> int:
        frame = pl.DataFrame({k: np.asarray(v) for k, v in data.items()})
        ts = frame["ts_ms"]
        frame = frame.filter((ts >= self.key.start_ms) & (ts < self.key.end_ms))
        self.frames.setdefault(name, []).append(frame)
        return frame.height

    def write_candles(self, venue: str, symbol: str, c: Candles, *, replace: bool = False) -> int:
        cols: dict[str, NDArray[Any]] = {"ts_ms": c.ts_ms}
        cols.update({n: np.asarray(getattr(c, n)) for n in _CANDLE_COLS})
        return self._add(f"candles-{c.interval_ms}", cols)

    def write_open_interest(self, venue: str, symbol: str, oi: OpenInterest, *, replace: bool = False) -> int:  # fmt: skip
        return self._add(f"oi-{oi.kind}", {"ts_ms": oi.ts_ms, "value_usd": oi.value_usd})

    def write_liquidations(self, venue: str, symbol: str, e: LiquidationEvents) -> int:
        cols: dict[str, NDArray[Any]] = {"ts_ms": e.ts_ms, "side": e.side, "price": e.price}
        return self._add("liquidations", {**cols, "qty": e.qty, "notional_usd": e.notional_usd})

    def write_funding(self, venue: str, symbol: str, ts_ms: NDArray[Any], rate: NDArray[Any]) -> int:  # fmt: skip
        return self._add("funding", {"ts_ms": ts_ms, "rate": rate})

    def write_series(self, venue: str, symbol: str, kind: str, ts_ms: NDArray[Any], values: NDArray[Any]) -> int:  # fmt: skip
        return self._add(f"series-{kind}", {"ts_ms": ts_ms, "value": values})

    def write_book_depth(self, venue: str, symbol: str, rows: Mapping[str, NDArray[Any]]) -> int:
        return self._add("book-depth", rows)

    def result(self) -> dict[str, pl.DataFrame]:
        return {name: pl.concat(parts) for name, parts in self.frames.items()}


def _parse_into(cap: _Capture, path: str, task: Task, kind: str | None) -> int:
    """Parse one file with the importer and capture its writes; returns the rows read."""
    from liqmap.store.importer import IMPORT_KINDS, parse_file

    if kind is not None and kind not in IMPORT_KINDS:
        raise ParameterError(f"--kind: unknown file kind {kind!r}; use one of {', '.join(IMPORT_KINDS)}")  # fmt: skip
    key = task.key
    parsed = parse_file(path, venue=key.venue, symbol=key.symbol, kind=kind)
    for _, write in parsed.writes:
        write(cast("Store", cap))
    return parsed.report.rows_read


def _ingest(task: Task) -> IngestSpec:
    if not isinstance(task.spec, IngestSpec):
        raise ParameterError(f"{task.key.task_id}: not an ingest task")
    return task.spec


def import_task(task: Task) -> Frames:
    """Parse the symbol's file (``inputs.bars`` template) into parts."""
    spec = _ingest(task)
    cap = _Capture(task.key)
    rows = _parse_into(cap, task.inputs.path(task.inputs.bars, task.key.symbol), task, spec.kind)
    frames = cap.result()
    return frames, {"rows_read": rows, "series": {k: v.height for k, v in frames.items()}}


def _day(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).date()


async def _fetch_all(task: Task, spec: IngestSpec) -> list[tuple[Fetched, str]]:
    from pathlib import Path

    from liqmap.archive.fetch import ArchiveClient
    from liqmap.archive.layout import parse_kind, plan_files

    kind = parse_kind(spec.kind or "klines-1m")
    first, last = _day(task.key.start_ms), _day(task.key.end_ms - 1)
    plan = plan_files(kind, task.key.symbol, first, last)
    out: list[tuple[Fetched, str]] = []
    async with ArchiveClient(spec.archive_url, Path(spec.folder)) as client:
        todo = list(plan.files)
        while todo:
            f = todo.pop(0)
            got = await client.fetch(f)
            if got is None:
                todo.extend(f.days(first, last))  # a month not published yet: its days
                continue
            out.append((got, f.url(client.base_url)))
    return out


def backfill_task(task: Task) -> Frames:
    """Download the period's archive files and parse them into parts (+ a ``downloads`` part)."""
    spec = _ingest(task)
    if task.key.venue != "binance":
        raise ParameterError(f"backfill reads data.binance.vision: --exchange binance, not {task.key.venue}")  # fmt: skip
    fetched = asyncio.run(_fetch_all(task, spec))
    cap = _Capture(task.key)
    rows: dict[str, list[Any]] = {k: [] for k in ("url", "name", "sha256", "size", "rows")}
    for got, url in fetched:
        n = _parse_into(cap, str(got.path), task, None)  # the kind is told by the archive name
        for k, v in zip(rows, (url, got.file.name, got.sha256, got.size, n), strict=True):
            rows[k].append(v)
        got.path.unlink(missing_ok=True)  # stored as parts now
    frames = cap.result()
    frames["downloads"] = pl.DataFrame(rows, schema={"url": pl.String, "name": pl.String, "sha256": pl.String, "size": pl.Int64, "rows": pl.Int64})  # fmt: skip
    return frames, {"files": len(fetched), "series": {k: v.height for k, v in frames.items()}}


def _write_part(store: Store, key: TaskKey, name: str, f: pl.DataFrame) -> int:
    v, s = key.venue, key.symbol
    ts = f["ts_ms"].to_numpy().astype(np.int64) if "ts_ms" in f.columns else np.zeros(0, np.int64)

    def col(c: str) -> NDArray[np.float64]:
        return f[c].to_numpy().astype(np.float64)

    if name.startswith("candles-"):
        o, h, lo, cl, vol, tb = (col(n) for n in _CANDLE_COLS)
        c = Candles(s, int(name.split("-", 1)[1]), ts, o, h, lo, cl, vol, tb)
        return store.write_candles(v, s, c)
    if name.startswith("oi-"):
        oi = OpenInterest(ts, col("value_usd"), "level" if name == "oi-level" else "change")
        return store.write_open_interest(v, s, oi)
    if name == "liquidations":
        side = f["side"].to_numpy().astype(np.int8)
        ev = LiquidationEvents(ts, side, col("price"), col("qty"), col("notional_usd"))
        return store.write_liquidations(v, s, ev)
    if name == "funding":
        return store.write_funding(v, s, ts, col("rate"))
    if name.startswith("series-"):
        return store.write_series(v, s, name.split("-", 1)[1], ts, col("value"))
    if name == "book-depth":
        return store.write_book_depth(v, s, {c: f[c].to_numpy() for c in f.columns})
    if name == "downloads":
        for r in f.iter_rows(named=True):
            store.record_download(r["url"], r["name"], r["sha256"], int(r["size"]), int(r["rows"]))
        return 0
    raise ParameterError(f"unknown ingest part {name!r}; the batch results were written by another liqmap version")  # fmt: skip


def commit(store: Store, key: TaskKey, parts: Mapping[str, pl.DataFrame]) -> dict[str, int]:
    """Write a task's parts into the store in one transaction; new rows per series."""
    with store.transaction():
        return {name: _write_part(store, key, name, f) for name, f in parts.items()}
