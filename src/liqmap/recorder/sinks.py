"""Where flushed batches go: the store's segment files, or the recorder's own Parquet parts.

The recorder never holds a database open (another process may read it while we record): each
batch is one call of :meth:`BatchSink.append`, which must leave either a complete new part or
nothing. :class:`StoreSink` hands batches to ``liqmap.store.segments.append_segment`` when the
store provides it; :class:`ParquetSink` writes ``part-*.parquet`` files itself, each to a
temporary file in the target folder, fsync'ed, then renamed (``os.replace``).
"""

from __future__ import annotations

import errno
import importlib
import itertools
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, cast

import polars as pl

from liqmap.domain.enums import Venue
from liqmap.errors import DiskFullError, StoreError
from liqmap.io.atomic import atomic_writer
from liqmap.recorder.batching import COLUMNS, Columns

__all__ = [
    "KIND",
    "BatchSink",
    "ParquetSink",
    "StoreSink",
    "default_sink",
    "read_recorded",
    "recordings_root",
]

KIND = "liquidations"
_TMP = re.compile(r"^\.part-\d+-(\d+)-\d+\.parquet\..*\.tmp$")
_SCHEMA = {
    "ts_ms": pl.Int64,
    "side": pl.Int8,
    "price": pl.Float64,
    "qty": pl.Float64,
    "notional_usd": pl.Float64,
    "raw": pl.String,
}
AppendSegment = Callable[[Path, Venue, str, str, Columns], object]


class BatchSink(Protocol):
    """Durable, all-or-nothing storage of one batch of one venue and symbol."""

    @property
    def name(self) -> str:
        """Where batches go, for the status line."""
        ...

    def append(self, venue: Venue, symbol: str, columns: Columns) -> None:
        """Store one batch (columns as in :func:`liqmap.recorder.batching.to_columns`)."""
        ...


def recordings_root(home: Path) -> Path:
    """The recorder's own part files: ``$LIQMAP_HOME/recordings/liquidations``."""
    return home / "recordings" / KIND


class ParquetSink:
    """``<root>/<venue>/<SYMBOL>/part-<time_ns>-<pid>-<seq>.parquet``, one file per batch."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._seq = itertools.count()
        self.removed_temp_files = self._remove_stale_temp_files()

    @property
    def name(self) -> str:
        """The folder written to."""
        return f"parquet parts in {self.root}"

    def append(self, venue: Venue, symbol: str, columns: Columns) -> None:
        """Write one part file atomically; a disk that fills leaves nothing behind."""
        folder = self.root / venue.value / symbol
        target = folder / f"part-{time.time_ns()}-{os.getpid()}-{next(self._seq):06d}.parquet"
        frame = pl.DataFrame({k: columns[k] for k in COLUMNS}, schema=_SCHEMA)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with atomic_writer(target, "wb") as f:
                frame.write_parquet(f, compression="zstd", statistics=True)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise DiskFullError(
                    f"no space left writing {target}; nothing half-written was kept. Free "
                    "space: the recorder keeps the batch and retries"
                ) from exc
            raise StoreError(f"cannot write {target}: {exc}") from exc

    def _remove_stale_temp_files(self) -> int:
        """Temporary files of writers that died (SIGKILL mid-write) are deleted."""
        removed = 0
        for path in self.root.glob("*/*/.part-*.tmp"):
            m = _TMP.match(path.name)
            if m and _stale(path, int(m.group(1))):
                path.unlink(missing_ok=True)
                removed += 1
        return removed


class StoreSink:
    """Batches to ``liqmap.store.segments.append_segment(home, venue, symbol, kind, columns)``."""

    def __init__(self, home: Path, append_segment: AppendSegment) -> None:
        self.home = Path(home)
        self._append = append_segment
        self.removed_temp_files = _store_cleanup(self.home)

    @property
    def name(self) -> str:
        """The store folder."""
        return f"store in {self.home}"

    def append(self, venue: Venue, symbol: str, columns: Columns) -> None:
        """Hand the batch to the store (which writes an atomic segment)."""
        self._append(self.home, venue, symbol, KIND, columns)


def store_append_segment() -> AppendSegment | None:
    """``liqmap.store.segments.append_segment`` when the store provides it."""
    try:
        module = importlib.import_module("liqmap.store.segments")
    except ImportError:
        return None
    fn = getattr(module, "append_segment", None)
    return cast("AppendSegment", fn) if callable(fn) else None


def _store_cleanup(home: Path) -> int:
    """The store's own clean-up of temporary files left by killed writers (when it has one)."""
    try:
        module = importlib.import_module("liqmap.store.segments")
    except ImportError:
        return 0
    fn = getattr(module, "remove_stale_temp", None)
    return int(fn(home, KIND)) if callable(fn) else 0


def default_sink(home: Path) -> BatchSink:
    """The store when available, else the recorder's own Parquet parts under ``home``."""
    fn = store_append_segment()
    if fn is not None:
        return StoreSink(home, fn)
    return ParquetSink(recordings_root(home))


def read_recorded(
    root: Path, venue: Venue | None = None, symbol: str | None = None
) -> pl.DataFrame:
    """Every row written by :class:`ParquetSink` under ``root`` (sorted by time), with
    ``venue`` and ``symbol`` columns; temporary files are never read."""
    pattern = f"{venue.value if venue else '*'}/{symbol or '*'}/part-*.parquet"
    frames = [
        pl.read_parquet(p).with_columns(
            pl.lit(p.parent.parent.name).alias("venue"), pl.lit(p.parent.name).alias("symbol")
        )
        for p in sorted(Path(root).glob(pattern))
    ]
    if not frames:
        empty = {"venue": pl.String, "symbol": pl.String, **_SCHEMA}
        return pl.DataFrame(schema=empty)
    out = pl.concat(frames, how="vertical")
    return out.select("venue", "symbol", *COLUMNS).sort("ts_ms", maintain_order=True)


def _stale(path: Path, pid: int) -> bool:
    """The writer of a temporary file is gone (POSIX: no such process; elsewhere: 1 h old)."""
    if pid == os.getpid():
        return False
    if os.name != "posix":
        return time.time() - path.stat().st_mtime > 3600
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
