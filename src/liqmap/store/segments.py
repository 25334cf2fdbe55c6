"""Append-only Parquet segments: how a separate process (the liquidation recorder) writes data
while other processes read the store.

DuckDB allows one writing process, or several read-only ones. The recorder therefore never
opens the database: it appends small Parquet files with :func:`append_segment`, under ::

    <home>/segments/<kind>/<venue>/<symbol>/<yyyymmdd>/part-<ts_ms>-<seq>.parquet

``yyyymmdd`` is the UTC day of the batch's earliest row and ``ts_ms`` that row's time; ``seq``
is the writer's process id and a per-process counter, so two writers never pick the same name.
Each file is written to a temporary name, fsync'ed and renamed (:mod:`liqmap.io.atomic`), so a
reader lists only complete files and a writer killed mid-batch leaves nothing behind but, at
most, the batch it had not yet flushed. :meth:`liqmap.store.Store.read_liquidations` reads the
table and these files together, and :meth:`liqmap.store.Store.compact_segments` folds them into
the table when it is the only writer.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from liqmap.domain.enums import Venue
from liqmap.errors import DiskFullError, ParameterError
from liqmap.io.atomic import is_disk_full, write_atomic

__all__ = [
    "LIQUIDATION_COLUMNS",
    "append_segment",
    "remove_stale_temp",
    "segment_dir",
    "segment_files",
]

#: Columns of a ``liquidations`` segment and their dtypes (``raw``, a str column, is optional).
LIQUIDATION_COLUMNS: Mapping[str, type[np.generic]] = {
    "ts_ms": np.int64,
    "side": np.int8,
    "price": np.float64,
    "qty": np.float64,
    "notional_usd": np.float64,
}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DAY = re.compile(r"^\d{8}$")
_counter = itertools.count()


def segment_dir(home: Path, kind: str, venue: str, symbol: str) -> Path:
    """The folder holding one series' segments (``<home>/segments/<kind>/<venue>/<symbol>``)."""
    for what, value in (("kind", kind), ("venue", venue), ("symbol", symbol)):
        if not _NAME.match(value):
            raise ParameterError(
                f"segment {what} {value!r} must be letters, digits, '.', '_' or '-' (it names "
                "a folder)"
            )
    return Path(home) / "segments" / kind / venue / symbol


def _columns(kind: str, columns: Mapping[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
    if "ts_ms" not in columns:
        raise ParameterError("a segment needs a 'ts_ms' column (int64 UTC epoch milliseconds)")
    out: dict[str, NDArray[Any]] = {}
    if kind == "liquidations":
        missing = [c for c in LIQUIDATION_COLUMNS if c not in columns]
        extra = [c for c in columns if c not in LIQUIDATION_COLUMNS and c != "raw"]
        if missing or extra:
            raise ParameterError(
                f"a liquidations segment needs the columns {', '.join(LIQUIDATION_COLUMNS)} "
                f"(and optionally raw); missing {missing or 'none'}, unexpected {extra or 'none'}"
            )
        out = {c: np.asarray(columns[c], dtype=t) for c, t in LIQUIDATION_COLUMNS.items()}
        raw = columns.get("raw", np.full(len(out["ts_ms"]), None, dtype=object))
        out["raw"] = np.array([None if v is None else str(v) for v in raw], dtype=object)
    else:
        out = {c: np.asarray(v) for c, v in columns.items()}
        out["ts_ms"] = np.asarray(columns["ts_ms"], np.int64)
    lengths = {c: len(v) for c, v in out.items()}
    if len(set(lengths.values())) != 1:
        raise ParameterError(f"segment columns differ in length: {lengths}")
    return out


def append_segment(
    home: Path, venue: str | Venue, symbol: str, kind: str, columns: Mapping[str, NDArray[Any]]
) -> Path:
    """Write one batch of rows as a new Parquet part file, atomically; returns its path.

    Parameters
    ----------
    home
        The liqmap home folder (``Settings.home``), not the database file.
    venue, symbol
        Where the rows come from (folder names: letters, digits, ``.``, ``_``, ``-``); a
        :class:`~liqmap.domain.enums.Venue` stands for its value (``binance``).
    kind
        The series, e.g. ``"liquidations"``; that kind needs the
        :class:`~liqmap.domain.market.LiquidationEvents` columns ``ts_ms, side (int8 +1 long /
        -1 short liquidated), price, qty, notional_usd`` and may carry a ``raw`` text column.
        Other kinds need a ``ts_ms`` column and any columns of equal length.
    columns
        Column name -> array, all of one length (at least one row).

    Raises
    ------
    ParameterError
        Empty batch, missing/unexpected columns, unequal lengths or a bad name.
    DiskFullError
        No space left; no partial file is left behind.
    """
    cols = _columns(kind, columns)
    venue = venue.value if isinstance(venue, Venue) else venue
    ts = cols["ts_ms"]
    if not len(ts):
        raise ParameterError("append_segment needs at least one row")
    first_ms = int(ts.min())
    day = datetime.fromtimestamp(first_ms / 1000, tz=UTC).strftime("%Y%m%d")
    folder = segment_dir(home, kind, venue, symbol) / day
    path = folder / f"part-{first_ms}-{os.getpid()}.{next(_counter):06d}.parquet"
    buf = io.BytesIO()
    frame = pl.DataFrame(
        [pl.Series(c, v, dtype=pl.String if c == "raw" else None) for c, v in cols.items()]
    )
    frame.write_parquet(buf)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, buf.getvalue())
    except OSError as exc:
        if is_disk_full(exc):
            raise DiskFullError(
                f"no space left to write the segment {path}; no partial file was kept. Free "
                "some space: the recorder keeps its unflushed batch and retries"
            ) from exc
        raise
    return path


def segment_files(
    home: Path, kind: str, venue: str, symbol: str, *, end_ms: int | None = None
) -> list[Path]:
    """Complete part files of one series, oldest day first.

    With ``end_ms``, days after ``end_ms``'s UTC day are skipped (a file's day folder is the
    day of its earliest row, so those files hold only later rows).
    """
    root = segment_dir(home, kind, venue, symbol)
    if not root.is_dir():
        return []
    last_day = None
    if end_ms is not None:
        last_day = datetime.fromtimestamp(end_ms / 1000, tz=UTC).strftime("%Y%m%d")
    files: list[Path] = []
    for day in sorted(p for p in root.iterdir() if p.is_dir() and _DAY.match(p.name)):
        if last_day is not None and day.name > last_day:
            break
        files.extend(sorted(day.glob("part-*.parquet")))
    return files


def series_with_segments(home: Path, kind: str) -> list[tuple[str, str]]:
    """``(venue, symbol)`` pairs that have segment folders of ``kind``."""
    root = Path(home) / "segments" / kind
    if not root.is_dir():
        return []
    return sorted(
        (v.name, s.name) for v in root.iterdir() if v.is_dir() for s in v.iterdir() if s.is_dir()
    )


def remove_files(files: list[Path]) -> None:
    """Delete folded part files and the day folders they leave empty."""
    for f in files:
        f.unlink(missing_ok=True)
    for day in {f.parent for f in files}:
        try:
            day.rmdir()
        except OSError:
            continue  # not empty: a writer added a file meanwhile


def remove_stale_temp(home: Path, kind: str, *, older_than_s: float = 3600.0) -> int:
    """Delete temporary files left by writers killed mid-write (older than ``older_than_s``)."""
    root = Path(home) / "segments" / kind
    if not root.is_dir():
        return 0
    cutoff = time.time() - older_than_s
    removed = 0
    for path in root.glob("*/*/*/.part-*.tmp"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed
