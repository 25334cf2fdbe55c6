"""``liqmap download``: fetch a date range of archive files and store their rows.

The plan (:func:`liqmap.archive.layout.plan_files`) lists the files; those already stored (the
store's ``downloads`` table, by URL) are skipped without a request. The rest are fetched a few
at a time (:class:`liqmap.archive.fetch.ArchiveClient`), verified, and stored one at a time,
each file in one transaction together with its ``downloads`` row, so an interrupted run
resumes where it stopped and never stores a file twice. A missing file (404) is counted and
reported, and a missing monthly file falls back to that month's daily files. A file that fails
after its retries is reported and the others go on; a full disk or a store failure stops the
run. Verified zips are deleted once stored unless ``keep_files``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

import httpx

from liqmap.archive.fetch import ArchiveClient, Fetched, RetryPolicy
from liqmap.archive.layout import ArchiveFile, ArchiveKind, plan_files
from liqmap.errors import ExchangeError, InputError
from liqmap.net.deadline import DEFAULT_DEADLINE_S
from liqmap.store.database import Store
from liqmap.store.importer import ImportKind, ImportResult, import_file

__all__ = ["DownloadObserver", "DownloadSummary", "download_archive"]

_IMPORT_KIND: dict[ArchiveKind, ImportKind] = {
    "klines-1m": "candles",
    "metrics": "metrics",
    "aggTrades": "aggTrades",
    "bookDepth": "book_depth",
    "fundingRate": "funding",
}
VENUE = "binance"


class DownloadObserver(Protocol):
    """Progress callbacks (the CLI draws a rich progress bar with them)."""

    def add_files(self, n: int) -> None:
        """``n`` more files are to be handled."""

    def advance_bytes(self, n: int) -> None:
        """``n`` more bytes were received."""

    def file_done(self, name: str, status: str) -> None:
        """A file was handled: ``stored``, ``skipped``, ``missing``, ``failed``, or ``replaced``
        (a monthly file not published yet, replaced by its daily files)."""


class _Quiet:
    def add_files(self, n: int) -> None:
        pass

    def advance_bytes(self, n: int) -> None:
        pass

    def file_done(self, name: str, status: str) -> None:
        pass


@dataclass
class DownloadSummary:
    """What a download run did, file by file and row by row."""

    symbol: str
    kind: ArchiveKind
    first: str
    last: str
    planned: int = 0
    stored: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    bytes: int = 0
    resumed: int = 0
    rows_read: int = 0
    duplicates_dropped: int = 0
    excluded: Counter[str] = field(default_factory=Counter)
    new_rows: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no file failed (missing files are not failures)."""
        return not self.failed

    def add(self, fetched: Fetched, result: ImportResult) -> None:
        """Count one stored file."""
        self.stored.append(fetched.file.name)
        self.bytes += fetched.size
        self.resumed += bool(fetched.resumed_from)
        self.rows_read += result.report.rows_read
        self.duplicates_dropped += result.report.duplicates_dropped
        self.excluded.update(result.report.excluded)
        self.new_rows.update(result.new_rows)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "symbol": self.symbol,
            "kind": self.kind,
            "from": self.first,
            "to": self.last,
            "files": {
                "planned": self.planned,
                "stored": len(self.stored),
                "skipped": len(self.skipped),
                "missing": sorted(self.missing),
                "failed": dict(sorted(self.failed.items())),
                "resumed": self.resumed,
            },
            "bytes": self.bytes,
            "rows": {
                "read": self.rows_read,
                "duplicates_dropped": self.duplicates_dropped,
                "excluded": dict(self.excluded),
                "new": dict(self.new_rows),
            },
            "notes": list(self.notes),
        }


Outcome = Fetched | Exception | None  # an exception other than ExchangeError stops the run


@dataclass
class _Run:
    store: Store
    client: ArchiveClient
    summary: DownloadSummary
    observer: DownloadObserver
    first: date
    last: date
    keep_files: bool
    work: asyncio.Queue[ArchiveFile] = field(default_factory=asyncio.Queue)
    done: asyncio.Queue[tuple[ArchiveFile, Outcome]] = field(default_factory=asyncio.Queue)


def download_archive(
    store: Store,
    symbol: str,
    kind: ArchiveKind,
    first: date,
    last: date,
    *,
    base_url: str,
    folder: Path,
    timeout_s: float = 10.0,
    deadline_s: float = DEFAULT_DEADLINE_S,
    retry: RetryPolicy | None = None,
    observer: DownloadObserver | None = None,
    concurrency: int = 4,
    keep_files: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    today: date | None = None,
) -> DownloadSummary:
    """Download the archive files of ``kind`` for ``[first, last]`` and store their rows.

    Parameters
    ----------
    store
        An open, writable store.
    symbol
        A USD-M symbol, e.g. ``BTCUSDT``.
    kind
        ``klines-1m``, ``metrics``, ``aggTrades``, ``bookDepth`` or ``fundingRate``.
    first, last
        Inclusive UTC days.
    base_url
        The archive (``Settings.archive_url``).
    folder
        Where zips are downloaded (``$LIQMAP_HOME/archive``); partial downloads stay there and
        are resumed by the next run.
    timeout_s, deadline_s, retry, concurrency
        Per-read timeout, total deadline per request (see :class:`ArchiveClient`), retry
        policy, and files fetched at once.
    observer
        Progress callbacks.
    keep_files
        Keep the verified zips after storing them.
    transport, today
        For tests: an httpx transport, and the current UTC day.

    Raises
    ------
    DiskFullError, StoreError
        The run stops (files stored so far stay stored).
    """
    plan = plan_files(kind, symbol, first, last, today=today)
    summary = DownloadSummary(
        symbol.strip().upper(), kind, first.isoformat(), plan.last.isoformat()
    )
    summary.notes.extend(plan.notes)
    obs = observer or _Quiet()

    async def main() -> DownloadSummary:
        client = ArchiveClient(
            base_url,
            folder,
            timeout_s=timeout_s,
            deadline_s=deadline_s,
            retry=retry,
            transport=transport,
            on_bytes=obs.advance_bytes,
        )
        async with client:
            run = _Run(store, client, summary, obs, first, plan.last, keep_files)
            await _process(run, list(plan.files), max(1, concurrency))
        return summary

    return asyncio.run(main())


async def _process(run: _Run, files: list[ArchiveFile], concurrency: int) -> None:
    """Fetch with ``concurrency`` workers; store results one at a time as they arrive."""
    pending = _enqueue(run, files)
    workers = [asyncio.create_task(_worker(run)) for _ in range(concurrency)]
    try:
        while pending:
            f, outcome = await run.done.get()
            pending += _enqueue(run, await _handle(run, f, outcome)) - 1
    finally:
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)


def _enqueue(run: _Run, files: list[ArchiveFile]) -> int:
    """Queue the files not stored yet (the others are counted as skipped); returns how many."""
    run.summary.planned += len(files)
    run.observer.add_files(len(files))
    queued = 0
    for f in files:
        if run.store.has_download(f.url(run.client.base_url)):
            run.summary.skipped.append(f.name)
            run.observer.file_done(f.name, "skipped")
        else:
            run.work.put_nowait(f)
            queued += 1
    return queued


async def _worker(run: _Run) -> None:
    while True:
        f = await run.work.get()
        try:
            outcome: Outcome = await run.client.fetch(f)
        except Exception as e:  # handed to the consumer, which reports or re-raises it
            outcome = e
        await run.done.put((f, outcome))


async def _handle(run: _Run, f: ArchiveFile, outcome: Outcome) -> list[ArchiveFile]:
    """Store or count one fetched file; returns daily files replacing a missing month."""
    s, obs = run.summary, run.observer
    if outcome is None:
        days = f.days(run.first, run.last)
        if days:
            s.notes.append(f"{f.name} is not published (yet): using its {len(days)} daily files")
            s.planned -= 1
            obs.file_done(f.name, "replaced")
            return days
        s.missing.append(f.name)
        obs.file_done(f.name, "missing")
        return []
    if isinstance(outcome, ExchangeError):
        s.failed[f.name] = str(outcome)
        obs.file_done(f.name, "failed")
        return []
    if isinstance(outcome, Exception):
        raise outcome
    try:
        result = await asyncio.to_thread(_store, run, outcome)
    except InputError as e:
        s.failed[f.name] = f"{e} (the verified file is kept at {outcome.path})"
        obs.file_done(f.name, "failed")
        return []
    s.add(outcome, result)
    obs.file_done(f.name, "stored")
    if not run.keep_files:
        outcome.path.unlink(missing_ok=True)
    return []


def _store(run: _Run, fetched: Fetched) -> ImportResult:
    """Import a verified file and record it, in one transaction."""
    f, store = fetched.file, run.store
    kind = _IMPORT_KIND[f.kind]
    with store.transaction():
        result = import_file(store, fetched.path, venue=VENUE, symbol=f.symbol, kind=kind)
        url = f.url(run.client.base_url)
        store.record_download(url, f.name, fetched.sha256, fetched.size, result.report.rows_read)
    return result
