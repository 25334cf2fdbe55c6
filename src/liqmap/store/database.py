"""The embedded store: one DuckDB file under ``$LIQMAP_HOME`` plus recorder segments.

:class:`Store` is the only object other layers use. Writes are idempotent (re-writing rows
never duplicates them; each write returns the number of new rows) and each runs in a
transaction, so a failure or a crash mid-write leaves the previous state. Group several writes
into one all-or-nothing unit with :meth:`Store.transaction`.

One process may open the store for writing; while none does, any number may open it
``read_only``. A process that must write while others read (the liquidation recorder) writes
Parquet segments instead (:func:`liqmap.store.segments.append_segment`), which reads include.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import duckdb
import numpy as np
from numpy.typing import NDArray

from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.errors import ParameterError, StoreError
from liqmap.settings import Settings
from liqmap.store import coverage, reads, writes
from liqmap.store._db import guard, scalar
from liqmap.store.coverage import SeriesInfo
from liqmap.store.kinds import SeriesKind
from liqmap.store.schema import SCHEMA_VERSION, check_version, current_version, migrate
from liqmap.store.segments import (
    remove_files,
    remove_stale_temp,
    segment_files,
    series_with_segments,
)

__all__ = ["Store"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    with guard(path, "opening"):
        return duckdb.connect(str(path), read_only=read_only)


def _prepare(path: Path) -> None:
    """Create the folder and file, and migrate to the current schema (one short write)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError(
            f"cannot create the data folder {path.parent} ({exc.strerror or exc}); set "
            "LIQMAP_HOME to a folder you can write to, e.g. LIQMAP_HOME=~/liqmap-data"
        ) from None
    con = _connect(path, read_only=False)
    try:
        with guard(path, "migrating"):
            migrate(con, str(path))
    finally:
        con.close()


class Store:
    """The local market-data store. Open it with :meth:`open`; use it as a context manager."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, path: Path, home: Path, read_only: bool
    ) -> None:
        self._con = con
        self.path = path
        self.home = home
        self.read_only = read_only
        self._depth = 0

    # --- life cycle -------------------------------------------------------------------------

    @classmethod
    def open(
        cls, path: Path | None = None, *, settings: Settings | None = None, read_only: bool = False
    ) -> Store:
        """Open (creating and migrating when needed) the store.

        Parameters
        ----------
        path
            The database file; default ``settings.store_path`` (``$LIQMAP_HOME/liqmap.duckdb``).
        settings
            Where the home folder is (recorder segments live under it); default
            :meth:`Settings.from_env`. With only ``path`` given, the home is its folder.
        read_only
            Open for reading while another process may also read. A missing or outdated
            store is first created or migrated with a short write.

        Raises
        ------
        StoreVersionError
            The store was written by a newer liqmap.
        StoreError
            Another process holds the write lock, or the file is not a liqmap store.
        """
        if settings is None and path is None:
            settings = Settings.from_env()
        db = Path(path) if path is not None else settings.store_path  # type: ignore[union-attr]
        home = settings.home if settings is not None else db.parent
        if not read_only or not db.exists():
            _prepare(db)
        con = _connect(db, read_only)
        try:
            with guard(db, "opening"):
                version = current_version(con)
            check_version(version, str(db))
            if read_only and version < SCHEMA_VERSION:
                con.close()
                _prepare(db)
                con = _connect(db, read_only)
        except BaseException:
            con.close()
            raise
        return cls(con, db, home, read_only)

    def close(self) -> None:
        """Close the database (a checkpoint folds the write-ahead log into the file)."""
        with guard(self.path, "closing"):
            self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The schema version of the open store."""
        with guard(self.path, "reading the schema version"):
            return current_version(self._con)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """Group writes: all of them are stored, or (on any exception) none. Nests."""
        self._writable()
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        with guard(self.path, "starting a transaction"):
            self._con.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            with contextlib.suppress(duckdb.Error):
                self._con.execute("ROLLBACK")
            raise
        self._depth = 0
        self._commit()

    def _commit(self) -> None:
        try:
            with guard(self.path, "committing"):
                self._con.execute("COMMIT")
        except StoreError:
            with contextlib.suppress(duckdb.Error):
                self._con.execute("ROLLBACK")
            raise

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(
                f"the store {self.path} is open read-only; open it with read_only=False to write"
            )

    def _write(self, action: str, fn: Any, *args: Any, **kwargs: Any) -> int:
        with self.transaction(), guard(self.path, action):
            return int(fn(self._con, *args, **kwargs))

    # --- writes (idempotent; return the number of new rows) ---------------------------------

    def write_candles(
        self, venue: str, symbol: str, candles: Candles, *, replace: bool = False
    ) -> int:
        """Store bars keyed by ``(venue, symbol, interval_ms, ts_ms)``.

        Stored bars are kept as they are unless ``replace`` (then they are overwritten, e.g.
        to complete a bar first fetched while it was still open).
        """
        return self._write(
            "writing candles", writes.write_candles, venue, symbol, candles, replace=replace
        )

    def write_open_interest(
        self, venue: str, symbol: str, oi: OpenInterest, *, replace: bool = False
    ) -> int:
        """Store open interest (levels and changes kept apart by ``oi.kind``)."""
        return self._write(
            "writing open interest", writes.write_open_interest, venue, symbol, oi, replace=replace
        )

    def write_liquidations(self, venue: str, symbol: str, events: LiquidationEvents) -> int:
        """Store events keyed by ``(venue, symbol, ts_ms, side, price, qty)``."""
        return self._write("writing liquidations", writes.write_liquidations, venue, symbol, events)

    def write_funding(self, venue: str, symbol: str, ts_ms: IntArray, rate: FloatArray) -> int:
        """Store funding rates by settlement time."""
        return self._write("writing funding", writes.write_funding, venue, symbol, ts_ms, rate)

    def write_series(
        self, venue: str, symbol: str, kind: str, ts_ms: IntArray, value: FloatArray
    ) -> int:
        """Store a named series (``long_short_ratio``, ``taker_buy_sell_ratio``, ...)."""
        return self._write(
            "writing a series", writes.write_series, venue, symbol, kind, ts_ms, value
        )

    def write_book_depth(self, venue: str, symbol: str, rows: Mapping[str, NDArray[Any]]) -> int:
        """Store depth bands (``ts_ms, percentage, depth, notional``)."""
        return self._write("writing book depth", writes.write_book_depth, venue, symbol, rows)

    def write_brackets(self, venue: str, table: MarginTable, fetched_ms: int) -> int:
        """Store one bracket table as fetched at ``fetched_ms``."""
        return self._write("writing brackets", writes.write_brackets, venue, table, fetched_ms)

    def write_positions(
        self, venue: str, snapshot_ms: int, rows: Mapping[str, NDArray[Any]]
    ) -> int:
        """Store a positions snapshot (columns: see ``liqmap.store.writes.POSITION_COLUMNS``)."""
        return self._write("writing positions", writes.write_positions, venue, snapshot_ms, rows)

    # --- reads ------------------------------------------------------------------------------

    def read_candles(
        self,
        venue: str,
        symbol: str,
        *,
        interval_ms: int,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> Candles:
        """Bars in ``[start_ms, end_ms)`` (an empty record when none are stored)."""
        with guard(self.path, "reading candles"):
            return reads.read_candles(self._con, venue, symbol, interval_ms, start_ms, end_ms)

    def read_open_interest(
        self,
        venue: str,
        symbol: str,
        start_ms: int | None = None,
        end_ms: int | None = None,
        *,
        kind: Literal["level", "change"] | None = None,
    ) -> OpenInterest | None:
        """Open interest in the range: levels when stored, else changes (or ``kind``)."""
        with guard(self.path, "reading open interest"):
            return reads.read_open_interest(self._con, venue, symbol, start_ms, end_ms, kind)

    def read_liquidations(
        self, venue: str, symbol: str, start_ms: int | None = None, end_ms: int | None = None
    ) -> LiquidationEvents:
        """Events from the table and the recorder's segments, de-duplicated."""
        with guard(self.path, "reading liquidations"):
            return reads.read_liquidations(self._con, self.home, venue, symbol, start_ms, end_ms)

    def read_funding(
        self, venue: str, symbol: str, start_ms: int | None = None, end_ms: int | None = None
    ) -> tuple[IntArray, FloatArray]:
        """Funding settlement times and rates."""
        with guard(self.path, "reading funding"):
            return reads.read_funding(self._con, venue, symbol, start_ms, end_ms)

    def read_series(
        self,
        venue: str,
        symbol: str,
        kind: str,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> tuple[IntArray, FloatArray]:
        """A named series' times and values."""
        with guard(self.path, "reading a series"):
            return reads.read_series(self._con, venue, symbol, kind, start_ms, end_ms)

    def read_book_depth(
        self, venue: str, symbol: str, start_ms: int | None = None, end_ms: int | None = None
    ) -> dict[str, NDArray[Any]]:
        """Depth bands ``ts_ms, percentage, depth, notional``."""
        with guard(self.path, "reading book depth"):
            return reads.read_book_depth(self._con, venue, symbol, start_ms, end_ms)

    def latest_brackets(self, venue: str, symbol: str) -> MarginTable | None:
        """The most recently fetched bracket table, or None."""
        with guard(self.path, "reading brackets"):
            return reads.latest_brackets(self._con, venue, symbol)

    def bracket_index(self, venue: str | None = None) -> list[tuple[str, str, int, int, str]]:
        """``(venue, symbol, fetched_ms, tiers, source)`` of the latest cached table per symbol."""
        with guard(self.path, "reading brackets"):
            return reads.bracket_index(self._con, venue)

    def last_candle_ms(self, venue: str, symbol: str, interval_ms: int) -> int | None:
        """Open time of the last stored bar of the series, or None."""
        with guard(self.path, "reading candles"):
            return reads.last_candle_ms(self._con, venue, symbol, interval_ms)

    def brackets_fetched_ms(self, venue: str, symbol: str) -> int | None:
        """When the latest cached bracket table of ``symbol`` was fetched, or None."""
        with guard(self.path, "reading brackets"):
            return reads.latest_brackets_fetch_ms(self._con, venue, symbol)

    def read_positions(
        self, venue: str, coin: str | None = None, snapshot_ms: int | None = None
    ) -> dict[str, NDArray[Any]]:
        """A positions snapshot (the latest by default), optionally of one coin."""
        with guard(self.path, "reading positions"):
            return reads.read_positions(self._con, venue, coin, snapshot_ms)

    # --- coverage ---------------------------------------------------------------------------

    def missing_ranges(
        self, venue: str | Venue, symbol: str, kind: str | SeriesKind, start_ms: int,
        end_ms: int, step_ms: int,
    ) -> list[tuple[int, int]]:  # fmt: skip
        """Half-open ranges of ``[start_ms, end_ms)`` where the series has no point.

        ``kind``: a :class:`~liqmap.store.kinds.SeriesKind` or its spelling (``candles:60000``,
        ``oi``, ``oi-change``, ``funding``, ``series:<name>``, ``book-depth``, ``liquidations``).
        See :func:`liqmap.store.coverage.missing_ranges`.
        """
        venue = venue.value if isinstance(venue, Venue) else venue
        with guard(self.path, "reading coverage"):
            times = coverage.series_times(
                self._con, self.home, venue, symbol, kind, start_ms - step_ms, end_ms
            )
        return coverage.missing_ranges(times, start_ms, end_ms, step_ms)

    def info(self) -> list[SeriesInfo]:
        """Per venue, symbol and kind: rows, first and last time, gaps."""
        with guard(self.path, "reading the store summary"):
            return coverage.info(self._con, self.home)

    # --- archive downloads and segments -----------------------------------------------------

    def has_download(self, url: str) -> bool:
        """True when the archive file at ``url`` was downloaded, verified and stored."""
        with guard(self.path, "reading downloads"):
            sql = "SELECT count(*) FROM downloads WHERE url = ?"
            return bool(scalar(self._con.execute(sql, [url])))

    def record_download(self, url: str, file_name: str, sha256: str, size: int, rows: int) -> None:
        """Remember a stored archive file (so later runs skip it)."""
        sql = "INSERT OR REPLACE INTO downloads VALUES (?, ?, ?, ?, ?, ?)"
        now = int(time.time() * 1000)
        with self.transaction(), guard(self.path, "recording a download"):
            self._con.execute(sql, [url, file_name, sha256, int(size), int(rows), now]).fetchall()

    def compact_segments(self) -> tuple[int, int]:
        """Fold the recorder's liquidation segments into the table; returns (files, new rows).

        Run it only in the writing process. Files are deleted after the commit; a crash in
        between leaves files whose rows are already stored, which reads de-duplicate and the
        next compaction removes. Temporary files of writers killed mid-write (older than an
        hour) are deleted too.
        """
        n_files = new = 0
        remove_stale_temp(self.home, "liquidations")
        for venue, symbol in series_with_segments(self.home, "liquidations"):
            files = segment_files(self.home, "liquidations", venue, symbol)
            if not files:
                continue
            sql = (
                "INSERT OR IGNORE INTO liquidations SELECT ?, ?, ts_ms, side, price, qty, "
                "notional_usd, raw FROM read_parquet(?, union_by_name = true)"
            )
            with self.transaction(), guard(self.path, "compacting segments"):
                rel = self._con.execute(sql, [venue, symbol, [str(f) for f in files]])
                new += scalar(rel) or 0
            remove_files(files)
            n_files += len(files)
        return n_files, new
