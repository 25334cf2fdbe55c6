"""Stored exchanges as web sources: the exchange-data store (``liqmap.store.Store``) read for the
dashboard, one :class:`StoreSource` per stored venue (``binance``, ``bybit``...).

Reads go through one lock per store (a DuckDB connection is not shared between threads) and the
library's stored-market reads (:func:`liqmap.services.stored_market.read_window`, the read the
CLI and ``liqmap.api`` use, cached margin tiers included). The watcher calls
:meth:`StoreSource.refresh`: it reads only what is newer than the last snapshot
(:func:`~liqmap.services.stored_market.read_newer`) and reports the symbols that moved.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from liqmap.domain.enums import Venue
from liqmap.domain.market_data import MarketData
from liqmap.errors import UnknownExchangeError, UnknownSymbolError
from liqmap.services.stored_market import read_newer, read_window
from liqmap.settings import Settings
from liqmap.store.kinds import SeriesKind
from liqmap.web.sources import HISTORY_DAYS, Snapshot

if TYPE_CHECKING:
    from liqmap.store import Store

__all__ = [
    "HeldStore", "MarketStore", "ReopeningStore", "StoreSource", "as_market_store", "store_sources",
]  # fmt: skip

_DAY_MS = 86_400_000
PREFERRED_INTERVAL_MS = 60_000


class MarketStore(Protocol):
    """What the web layer needs of a store: its series and a read session."""

    settings: Settings

    def info(self) -> Sequence[Any]:
        """Series summaries with ``venue``, ``symbol``, ``kind``, ``first_ms``, ``last_ms``."""
        ...

    def session(self) -> AbstractContextManager[Store]:
        """An open store to read from, closed when the block ends."""
        ...


class ReopeningStore:
    """The store at ``path``, opened read-only for each read session and closed at once.

    A DuckDB file has one writer or any number of readers: a server holding it open would lock
    ``liqmap sync`` and ``liqmap import`` out for as long as it runs, and new bars could never
    reach it. Reopening costs a few tens of milliseconds per read; a read that meets a writer
    fails with a ``StoreError`` (HTTP 503, or retried by the watcher) instead of blocking it.
    """

    def __init__(self, path: Path, settings: Settings) -> None:
        self.path = path
        self.settings = settings

    @contextmanager
    def session(self) -> Iterator[Store]:
        """The store opened read-only, closed when the block ends."""
        from liqmap.store import Store

        with Store.open(self.path, settings=self.settings, read_only=True) as st:
            yield st

    def info(self) -> Sequence[Any]:
        """Series summaries."""
        with self.session() as st:
            return list(st.info())


class HeldStore:
    """An already open ``Store`` as a web store: every read session uses it as it is (its owner
    opened it and closes it)."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    @contextmanager
    def session(self) -> Iterator[Store]:
        """The held store (not closed when the block ends)."""
        yield self.store

    def info(self) -> Sequence[Any]:
        """Series summaries."""
        return list(self.store.info())


def as_market_store(store: MarketStore | Store, settings: Settings) -> MarketStore:
    """``store`` as the web reads it: a :class:`MarketStore` as given, an open ``Store`` held."""
    from liqmap.store import Store

    return HeldStore(store, settings) if isinstance(store, Store) else store


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
            with self.store.session() as st:
                data = read_window(
                    st, self.exchange, symbol, start_ms=last - HISTORY_DAYS * _DAY_MS,
                    interval_ms=interval, settings=self.store.settings,
                )  # fmt: skip
            snap = self._build(symbol, data)
            self._snaps[symbol] = snap
            return snap

    def _build(self, symbol: str, data: MarketData) -> Snapshot:
        candles, events = data.candles, data.liquidations
        last_bar = int(candles.ts_ms[-1]) if len(candles) else 0
        last_event = int(events.ts_ms[-1]) if events is not None and len(events) else 0
        self._marks[symbol] = (last_bar, last_event)
        if last_bar:
            self._series[symbol] = (candles.interval_ms, last_bar)
        newest = max(last_bar + candles.interval_ms if last_bar else 0, last_event + 1)
        version = max(newest, self._versions.get(symbol, 0))
        self._versions[symbol] = version
        return Snapshot(version, data)

    def refresh(self) -> list[tuple[str, int]]:
        """Check the symbols snapshotted so far for newer bars or events: ``(symbol, version)``
        of those that moved (their next snapshot is re-read)."""
        moved = []
        with self._lock:
            watched = list(self._marks.items())
        for symbol, (last_bar, last_event) in watched:
            interval = self._series[symbol][0]
            with self._lock, self.store.session() as st:
                bars, events = read_newer(
                    st, self.exchange, symbol, interval_ms=interval, after_bar_ms=last_bar,
                    after_event_ms=last_event,
                )  # fmt: skip
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
