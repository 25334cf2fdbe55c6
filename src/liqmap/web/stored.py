"""Stored exchanges as web sources: the exchange-data store (``liqmap.store.Store``) read for the
dashboard, one :class:`StoreSource` per stored venue (``binance``, ``bybit``...).

Reads go through one lock per store (a DuckDB connection is not shared between threads). The
watcher calls :meth:`StoreSource.refresh`: it reads only what is newer than the last snapshot
(bars after the last bar, events after the last event) and reports the symbols that moved.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from liqmap import api
from liqmap.domain.enums import Venue
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.errors import UnknownExchangeError, UnknownSymbolError
from liqmap.settings import Settings
from liqmap.store.kinds import SeriesKind
from liqmap.web.sources import HISTORY_DAYS, Snapshot

__all__ = ["MarketStore", "ReopeningStore", "StoreSource", "store_sources"]

_DAY_MS = 86_400_000
PREFERRED_INTERVAL_MS = 60_000


class MarketStore(Protocol):
    """The part of ``liqmap.store.Store`` the web layer reads."""

    def info(self) -> Sequence[Any]:
        """Series summaries with ``venue``, ``symbol``, ``kind``, ``first_ms``, ``last_ms``."""
        ...

    def read_candles(
        self, venue: str, symbol: str, *, interval_ms: int,
        start_ms: int | None = None, end_ms: int | None = None,
    ) -> Candles:  # fmt: skip
        """Bars in ``[start_ms, end_ms)``."""
        ...

    def read_open_interest(
        self, venue: str, symbol: str, start_ms: int | None = None, end_ms: int | None = None
    ) -> OpenInterest | None:
        """Open interest in the range, or ``None``."""
        ...

    def read_liquidations(
        self, venue: str, symbol: str, start_ms: int | None = None, end_ms: int | None = None
    ) -> LiquidationEvents:
        """Observed liquidation events in the range."""
        ...


class ReopeningStore:
    """The store at ``path``, opened read-only for each read and closed at once.

    A DuckDB file has one writer or any number of readers: a server holding it open would lock
    ``liqmap sync`` and ``liqmap import`` out for as long as it runs, and new bars could never
    reach it. Reopening costs a few tens of milliseconds per read; a read that meets a writer
    fails with a ``StoreError`` (HTTP 503, or retried by the watcher) instead of blocking it.
    """

    def __init__(self, path: Path, settings: Settings) -> None:
        self.path = path
        self.settings = settings

    def _open(self) -> Any:
        from liqmap.store import Store

        return Store.open(self.path, settings=self.settings, read_only=True)

    def info(self) -> Sequence[Any]:
        """Series summaries."""
        with self._open() as st:
            return list(st.info())

    def read_candles(
        self, venue: str, symbol: str, *, interval_ms: int,
        start_ms: int | None = None, end_ms: int | None = None,
    ) -> Candles:  # fmt: skip
        """Bars in ``[start_ms, end_ms)``."""
        with self._open() as st:
            candles: Candles = st.read_candles(
                venue, symbol, interval_ms=interval_ms, start_ms=start_ms, end_ms=end_ms
            )
            return candles

    def read_open_interest(
        self, venue: str, symbol: str, start_ms: int | None = None, end_ms: int | None = None
    ) -> OpenInterest | None:
        """Open interest in the range, or ``None``."""
        with self._open() as st:
            oi: OpenInterest | None = st.read_open_interest(venue, symbol, start_ms, end_ms)
            return oi

    def read_liquidations(
        self, venue: str, symbol: str, start_ms: int | None = None, end_ms: int | None = None
    ) -> LiquidationEvents:
        """Liquidation events in the range (table and recorder segments)."""
        with self._open() as st:
            events: LiquidationEvents = st.read_liquidations(venue, symbol, start_ms, end_ms)
            return events


def _interval(kind: str) -> int | None:
    """The bar interval of a stored ``candles`` series, ``None`` for other kinds."""
    return SeriesKind.parse(kind).interval_ms


def _venue(name: str) -> Venue:
    """The stored venue's margin rules; never another venue's (an unknown one is an error)."""
    try:
        return Venue.parse(name)
    except UnknownExchangeError as exc:
        raise UnknownExchangeError(
            f"the store holds data of venue {name!r}, whose margin rules liqmap does not know: "
            f"{exc}; register the venue (docs/architecture.md, 'Venues') to map it"
        ) from None


class StoreSource:
    """One stored venue's symbols, read from the store."""

    kind: Literal["store"] = "store"

    def __init__(
        self,
        store: MarketStore,
        venue: str,
        series: dict[str, tuple[int, int]],
        lock: threading.Lock,
    ) -> None:
        self.store = store
        self.venue = venue
        self._series = dict(series)  # symbol -> (interval_ms, last bar time)
        self._lock = lock
        self._snaps: dict[str, Snapshot] = {}
        self._marks: dict[str, tuple[int, int]] = {}  # symbol -> (last bar ts, last event ts)
        self._versions: dict[str, int] = {}  # only ever grows, by at least 1 per change

    @property
    def name(self) -> str:
        """The venue name (``binance``...)."""
        return self.venue

    @property
    def exchange(self) -> Venue:
        """Margin rules of the venue (UnknownExchangeError when liqmap has none for it)."""
        return _venue(self.venue)

    def symbols(self) -> tuple[str, ...]:
        """Symbols with stored bars."""
        return tuple(sorted(self._series))

    def version(self, symbol: str) -> int | None:
        """The version of the last snapshot (``None`` before the first)."""
        with self._lock:
            snap = self._snaps.get(symbol)
        return None if snap is None else snap.version

    def snapshot(self, symbol: str) -> Snapshot:
        """The last ``HISTORY_DAYS`` of stored bars, OI and liquidation events of ``symbol``."""
        if symbol not in self._series:
            raise UnknownSymbolError(f"the store has no {self.venue} bars of {symbol!r}")
        with self._lock:
            snap = self._snaps.get(symbol)
            if snap is not None:
                return snap
            interval, last = self._series[symbol]
            start = last - HISTORY_DAYS * _DAY_MS
            candles = self.store.read_candles(
                self.venue, symbol, interval_ms=interval, start_ms=start
            )
            oi = self.store.read_open_interest(self.venue, symbol, start, None)
            events = self.store.read_liquidations(self.venue, symbol, start, None)
            snap = self._build(symbol, candles, oi, events)
            self._snaps[symbol] = snap
            return snap

    def _build(
        self,
        symbol: str,
        candles: Candles,
        oi: OpenInterest | None,
        events: LiquidationEvents,
    ) -> Snapshot:
        last_bar = int(candles.ts_ms[-1]) if len(candles) else 0
        last_event = int(events.ts_ms[-1]) if len(events) else 0
        self._marks[symbol] = (last_bar, last_event)
        if last_bar:
            self._series[symbol] = (candles.interval_ms, last_bar)
        newest = max(last_bar + candles.interval_ms if last_bar else 0, last_event + 1)
        version = max(newest, self._versions.get(symbol, 0))
        self._versions[symbol] = version
        data = api.MarketData(candles, oi, events if len(events) else None, None, self.venue)
        return Snapshot(version, data)

    def refresh(self) -> list[tuple[str, int]]:
        """Check the symbols snapshotted so far for newer bars or events: ``(symbol, version)``
        of those that moved (their next snapshot is re-read)."""
        moved = []
        with self._lock:
            watched = list(self._marks.items())
        for symbol, (last_bar, last_event) in watched:
            interval = self._series[symbol][0]
            with self._lock:
                bars = self.store.read_candles(
                    self.venue, symbol, interval_ms=interval, start_ms=last_bar + 1
                )
                events = self.store.read_liquidations(self.venue, symbol, last_event + 1, None)
                if not len(bars) and not len(events):
                    continue
                self._snaps.pop(symbol, None)
                self._marks.pop(symbol, None)
                if len(bars):
                    self._series[symbol] = (interval, int(bars.ts_ms[-1]))
                new_bar = int(bars.ts_ms[-1]) + interval if len(bars) else 0
                new_event = int(events.ts_ms[-1]) + 1 if len(events) else 0
                version = max(new_bar, new_event, self._versions.get(symbol, 0) + 1)
                self._versions[symbol] = version
                moved.append((symbol, version))
        return moved


def store_sources(store: MarketStore) -> list[StoreSource]:
    """One source per stored venue with bars (1m bars preferred, else the finest stored)."""
    best: dict[str, dict[str, tuple[int, int]]] = {}
    for row in store.info():
        interval = _interval(str(getattr(row, "kind", "")))
        if interval is None:
            continue
        venue, symbol = str(row.venue), str(row.symbol).upper()
        have = best.setdefault(venue, {}).get(symbol)
        rank = (interval != PREFERRED_INTERVAL_MS, interval)
        if have is None or rank < (have[0] != PREFERRED_INTERVAL_MS, have[0]):
            best[venue][symbol] = (interval, int(row.last_ms))
    lock = threading.Lock()
    return [StoreSource(store, venue, series, lock) for venue, series in sorted(best.items())]
