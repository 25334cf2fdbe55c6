"""Import data files into the store: every layout :mod:`liqmap.io` reads, archive zips included.

What a file holds is told by its data.binance.vision name when it has one
(``BTCUSDT-1m-2024-01-31.zip``, ``BTCUSDT-metrics-2024-01-31.zip``, ...), else by its columns.
Each file is parsed by the :mod:`liqmap.io` loaders (or :mod:`liqmap.io.archive_files` for the
archive kinds they lack) and written in one transaction: all of its rows or none. Writes are
idempotent, so importing a file again adds 0 rows.

================  ======================================================================
file kind         stored as
================  ======================================================================
candles           ``candles:<interval>`` (klines, bars, recorder 1m)
aggTrades         ``candles:60000`` with taker-buy volume (trades aggregated per minute)
flow              ``candles:60000`` with taker flow, and ``oi-change``
open_interest     ``oi`` (levels, USD) or ``oi-change``
metrics           ``oi`` and ``series:<ratio>`` (see ``liqmap.io.archive_files.METRIC_SERIES``)
funding           ``funding``
book_depth        ``book-depth``
liquidations      ``liquidations``
================  ======================================================================
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from liqmap.domain.market import FloatArray, IntArray
from liqmap.errors import DataFileError, ParameterError
from liqmap.io.archive_files import (
    archive_files,
    load_book_depth_report,
    load_funding_report,
    load_metrics_report,
    match_archive_layout,
    parse_archive_name,
)
from liqmap.io.files import (
    DEFAULT_TRADE_INTERVAL_MS,
    load_candles_report,
    load_flow_report,
    load_liquidations_report,
    load_open_interest_report,
)
from liqmap.io.layouts import LAYOUTS, detect_layout
from liqmap.io.read import read_table
from liqmap.io.report import LoadReport
from liqmap.io.table import base_asset
from liqmap.store.database import Store
from liqmap.store.kinds import BOOK_DEPTH, FUNDING, LIQUIDATIONS, OI, OI_CHANGE, SeriesKind

__all__ = [
    "IMPORT_KINDS",
    "ImportKind",
    "ImportResult",
    "detect_kind",
    "import_file",
    "import_path",
]

ImportKind = Literal[
    "candles", "aggTrades", "flow", "open_interest", "metrics", "funding", "book_depth",
    "liquidations",
]  # fmt: skip
IMPORT_KINDS: tuple[ImportKind, ...] = get_args(ImportKind)
PathLike = str | os.PathLike[str]

_STEMS: Mapping[str, ImportKind] = {
    "aggTrades": "aggTrades",
    "metrics": "metrics",
    "bookDepth": "book_depth",
    "fundingRate": "funding",
}


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What importing one file did: the load's counts and the new rows per store series."""

    path: str
    kind: ImportKind
    report: LoadReport
    new_rows: Mapping[str, int] = field(default_factory=dict)

    @property
    def added(self) -> int:
        """New rows stored, all series together."""
        return sum(self.new_rows.values())

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        load = self.report.to_dict()
        return {"path": self.path, "kind": self.kind, "new_rows": dict(self.new_rows), "load": load}

    def summary(self) -> str:
        """One line for the CLI."""
        new = ", ".join(f"{k} +{v}" for k, v in self.new_rows.items()) or "nothing new"
        return f"{self.report.summary()}; stored: {new}"


def detect_kind(path: PathLike) -> tuple[ImportKind, int | None]:
    """The kind of a file and, for klines, the bar interval given by its archive name."""
    p = Path(path)
    name = parse_archive_name(p.name)
    if name is not None:
        if name.interval_ms is not None:
            return "candles", name.interval_ms
        return _STEMS[name.stem], None
    raw = read_table(p)
    columns = [c for c in raw.frame.columns if c != "_row"]
    special = match_archive_layout(columns)
    if special is not None:
        return ("funding" if special.name == "binance-funding" else "book_depth"), None
    match = detect_layout(columns, tuple(dict.fromkeys(x.kind for x in LAYOUTS)), raw.source.label)
    if match.layout.name == "binance-metrics":
        return "metrics", None
    kind = match.layout.kind
    return ("aggTrades" if kind == "agg_trades" else kind), None


def _check_symbol(path: Path, symbol: str) -> None:
    name = parse_archive_name(path.name)
    if name is not None and base_asset(name.symbol) != base_asset(symbol):
        raise ParameterError(
            f"{path}: the file is for {name.symbol} but --symbol is {symbol}; pass "
            f"--symbol {name.symbol} or import the right file"
        )


Write = Callable[[Store], int]
Parsed = tuple[LoadReport, list[tuple[SeriesKind, Write]]]
Parser = Callable[[Path, str, str, int | None], Parsed]


def _candles(p: Path, venue: str, sym: str, iv: int | None) -> Parsed:
    candles, report = load_candles_report(p, symbol=sym, interval_ms=iv)
    key = SeriesKind.candles(candles.interval_ms)
    return report, [(key, lambda s: s.write_candles(venue, sym, candles))]


def _trades(p: Path, venue: str, sym: str, iv: int | None) -> Parsed:
    return _candles(p, venue, sym, iv or DEFAULT_TRADE_INTERVAL_MS)


def _flow(p: Path, venue: str, sym: str, iv: int | None) -> Parsed:
    candles, oi, report = load_flow_report(p, symbol=sym)
    return report, [
        (SeriesKind.candles(candles.interval_ms), lambda s: s.write_candles(venue, sym, candles)),
        (OI_CHANGE, lambda s: s.write_open_interest(venue, sym, oi)),
    ]


def _oi(p: Path, venue: str, sym: str, iv: int | None) -> Parsed:
    oi, report = load_open_interest_report(p, symbol=sym)
    key = OI if oi.kind == "level" else OI_CHANGE
    return report, [(key, lambda s: s.write_open_interest(venue, sym, oi))]


def _series_write(venue: str, sym: str, kind: str, ts: IntArray, values: FloatArray) -> Write:
    return lambda s: s.write_series(venue, sym, kind, ts, values)


def _metrics(p: Path, venue: str, sym: str, iv: int | None) -> Parsed:
    oi, series, report = load_metrics_report(p, symbol=sym)
    writes: list[tuple[SeriesKind, Write]] = [(OI, lambda s: s.write_open_interest(venue, sym, oi))]
    for kind, (ts, values) in series.items():
        writes.append((SeriesKind.series(kind), _series_write(venue, sym, kind, ts, values)))
    return report, writes


def _funding(p: Path, venue: str, sym: str, iv: int | None) -> Parsed:
    ts, rate, report = load_funding_report(p, symbol=sym)
    return report, [(FUNDING, lambda s: s.write_funding(venue, sym, ts, rate))]


def _depth(p: Path, venue: str, sym: str, iv: int | None) -> Parsed:
    rows, report = load_book_depth_report(p, symbol=sym)
    return report, [(BOOK_DEPTH, lambda s: s.write_book_depth(venue, sym, rows))]


def _liquidations(p: Path, venue: str, sym: str, iv: int | None) -> Parsed:
    events, report = load_liquidations_report(p, symbol=sym)
    return report, [(LIQUIDATIONS, lambda s: s.write_liquidations(venue, sym, events))]


_PARSERS: Mapping[ImportKind, Parser] = {
    "candles": _candles,
    "aggTrades": _trades,
    "flow": _flow,
    "open_interest": _oi,
    "metrics": _metrics,
    "funding": _funding,
    "book_depth": _depth,
    "liquidations": _liquidations,
}


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A file read and checked, ready to be written (:func:`store_parsed`)."""

    path: str
    kind: ImportKind
    report: LoadReport
    writes: tuple[tuple[SeriesKind, Write], ...]


def parse_file(
    path: PathLike,
    *,
    venue: str,
    symbol: str,
    kind: ImportKind | None = None,
    interval_ms: int | None = None,
) -> ParsedFile:
    """Read and check one file (no store access; safe to run in worker threads).

    See :func:`import_file` for the parameters and errors.
    """
    p = Path(path)
    if not p.is_file():
        raise DataFileError("no such file; check the path", path=str(p))
    if kind is not None and kind not in IMPORT_KINDS:
        raise ParameterError(f"--kind: unknown file kind {kind!r}; use one of {IMPORT_KINDS}")
    _check_symbol(p, symbol)
    detected, name_interval = detect_kind(p) if kind is None else (kind, None)
    sym = symbol.strip().upper()
    report, writes = _PARSERS[detected](p, venue, sym, interval_ms or name_interval)
    return ParsedFile(str(p), detected, report, tuple(writes))


def store_parsed(store: Store, parsed: ParsedFile) -> ImportResult:
    """Write a parsed file's rows in one transaction."""
    with store.transaction():
        new = {str(key): write(store) for key, write in parsed.writes}
    return ImportResult(parsed.path, parsed.kind, parsed.report, new)


def import_file(
    store: Store,
    path: PathLike,
    *,
    venue: str,
    symbol: str,
    kind: ImportKind | None = None,
    interval_ms: int | None = None,
) -> ImportResult:
    """Parse one file and store its rows in one transaction.

    Parameters
    ----------
    store
        An open, writable store.
    path
        The file (CSV, gzip CSV, zip of one CSV, Parquet).
    venue, symbol
        Where the data come from; ``symbol`` also selects the rows of multi-symbol files and
        must match an archive file's name.
    kind
        Force the kind (e.g. ``"funding"`` for a funding file in the freqtrade layout, which
        looks like bars); default: detected.
    interval_ms
        Bar length (candles: inferred when None; aggTrades: 1 minute when None).

    Raises
    ------
    DataFileError, MissingColumnError, ParameterError, EmptyWindowError
        Bad input, naming the file, row and column (nothing of the file is stored).
    StoreError, DiskFullError
        The store failed (nothing of the file is stored).
    """
    parsed = parse_file(path, venue=venue, symbol=symbol, kind=kind, interval_ms=interval_ms)
    return store_parsed(store, parsed)


def import_path(
    store: Store,
    path: PathLike,
    *,
    venue: str,
    symbol: str,
    kind: ImportKind | None = None,
    interval_ms: int | None = None,
    workers: int = 2,
) -> list[ImportResult]:
    """Import a file, or every data file of a folder (sorted by name; one transaction each).

    ``workers`` files are read at once (reading is the slow part; the store is written by
    this thread only, in file order). A bad file stops the import with its error; the files
    before it stay imported, and importing the folder again adds only what is new.
    """
    p = Path(path)
    if p.is_dir():
        files = archive_files(p)
        if not files:
            raise DataFileError(
                "the folder holds no data files (.zip, .csv, .csv.gz, .parquet)", path=str(p)
            )
    else:
        files = [p]
    results = []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(files)))) as pool:
        futures = [
            pool.submit(
                parse_file, f, venue=venue, symbol=symbol, kind=kind, interval_ms=interval_ms
            )
            for f in files
        ]
        try:
            for future in futures:
                results.append(store_parsed(store, future.result()))
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return results
