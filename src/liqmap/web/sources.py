"""Where the dashboard's market data comes from: the demo market, the exchange-data store and
files given to ``liqmap serve --file`` (as ``liqmap map --source FILE`` reads them).

A source has a web-safe ``name`` (``demo``, a stored exchange such as ``binance``, or
``file-<stem>``), never a path: the web layer only ever looks names up in :class:`Sources`. Each source answers
:meth:`Source.snapshot` with the data of one symbol and a ``version`` (the time of its newest bar
or event) that keys every cache, so new data invalidates old responses by itself.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from liqmap import api
from liqmap.domain.enums import Venue
from liqmap.domain.market import LiquidationEvents, OpenInterest
from liqmap.errors import UnknownSymbolError

__all__ = [
    "DEMO_SYMBOLS",
    "HISTORY_DAYS",
    "DemoSource",
    "FileSource",
    "Snapshot",
    "Source",
    "Sources",
    "file_source_name",
]

DEMO_SYMBOLS: tuple[str, ...] = ("BTCUSDT", "ETHUSDT")  # the demo simulator's symbols
HISTORY_DAYS = 31  # the longest window (30d) plus the heatmap's one-day warm-up
_DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The data of one symbol at one moment: ``version`` is the epoch ms of its newest record."""

    version: int
    data: api.MarketData

    @property
    def start_ms(self) -> int:
        """Open time of the first bar."""
        return int(self.data.candles.ts_ms[0]) if len(self.data.candles) else 0

    @property
    def end_ms(self) -> int:
        """Close time of the last bar."""
        c = self.data.candles
        return int(c.ts_ms[-1]) + c.interval_ms if len(c) else 0


class Source(Protocol):
    """A named provider of market data for the web layer."""

    @property
    def name(self) -> str:
        """Web-safe id (``demo``, ``binance``...)."""
        ...

    @property
    def kind(self) -> Literal["demo", "store", "file"]:
        """What backs it."""
        ...

    @property
    def exchange(self) -> Venue:
        """Whose margin rules apply by default."""
        ...

    def symbols(self) -> tuple[str, ...]:
        """Symbols with data."""
        ...

    def version(self, symbol: str) -> int | None:
        """The current data version without I/O, or ``None`` when not known yet."""
        ...

    def snapshot(self, symbol: str) -> Snapshot:
        """The symbol's data (may block: call from a worker thread)."""
        ...


def _prefix(full: api.MarketData, n: int) -> api.MarketData:
    """The first ``n`` bars of ``full`` with the OI and events known by their close."""
    candles = full.candles.take(slice(0, n))
    end = int(candles.ts_ms[-1]) + candles.interval_ms
    oi = full.oi
    if oi is not None:
        keep = int(np.searchsorted(oi.ts_ms, end, side="right"))
        oi = OpenInterest(oi.ts_ms[:keep], oi.value_usd[:keep], oi.kind, oi.source)
    events: LiquidationEvents | None = full.liquidations
    if events is not None:
        events = events.between(int(candles.ts_ms[0]), end)
    return api.MarketData(candles, oi, events, None, api.DEMO)


class DemoSource:
    """The built-in simulated market, revealed bar by bar by the demo feed.

    Each symbol is simulated once (on first use) for ``HISTORY_DAYS + live_days`` days; the first
    ``HISTORY_DAYS`` are shown at once and :meth:`advance` reveals the rest, so maps, heatmaps
    and live updates move like a market that trades (the simulator's future stays hidden).
    """

    name = api.DEMO
    kind: Literal["demo"] = "demo"
    exchange = Venue.BINANCE

    def __init__(self, *, live_days: float = 7.0, seed: int | None = None) -> None:
        self.live_days = live_days
        self.seed = seed
        self._full: dict[str, api.MarketData] = {}
        self._cursor: dict[str, int] = {}
        self._last: dict[str, Snapshot] = {}
        self._lock = threading.Lock()
        self._load_locks = {s: threading.Lock() for s in DEMO_SYMBOLS}

    def symbols(self) -> tuple[str, ...]:
        """The simulated symbols."""
        return DEMO_SYMBOLS

    def loaded(self) -> tuple[str, ...]:
        """Symbols simulated so far."""
        with self._lock:
            return tuple(self._full)

    def exhausted(self, symbol: str) -> bool:
        """True once every simulated bar of ``symbol`` has been revealed."""
        with self._lock:
            full = self._full.get(symbol)
            return full is not None and self._cursor[symbol] >= len(full.candles)

    def _load(self, symbol: str) -> api.MarketData:
        if symbol not in self._load_locks:
            raise UnknownSymbolError(
                f"the demo market simulates {', '.join(DEMO_SYMBOLS)}, not {symbol!r}"
            )
        with self._load_locks[symbol]:
            with self._lock:
                if symbol in self._full:
                    return self._full[symbol]
            full = api.load_market(
                symbol, api.DEMO, demo_days=HISTORY_DAYS + self.live_days, seed=self.seed
            )
            first = int(full.candles.ts_ms[0])
            shown = int(np.searchsorted(full.candles.ts_ms, first + HISTORY_DAYS * _DAY_MS))
            with self._lock:
                self._full[symbol] = full
                self._cursor[symbol] = max(shown, 1)
            return full

    def version(self, symbol: str) -> int | None:
        """Close time of the last revealed bar (``None`` before the symbol is simulated)."""
        with self._lock:
            full = self._full.get(symbol)
            if full is None:
                return None
            c = full.candles
            return int(c.ts_ms[self._cursor[symbol] - 1]) + c.interval_ms

    def snapshot(self, symbol: str) -> Snapshot:
        """The revealed part of the simulated market."""
        full = self._load(symbol)
        with self._lock:
            n = self._cursor[symbol]
            last = self._last.get(symbol)
        if last is not None and len(last.data.candles) == n:
            return last
        data = _prefix(full, n)
        c = data.candles
        snap = Snapshot(int(c.ts_ms[-1]) + c.interval_ms, data)
        with self._lock:
            if self._cursor[symbol] == n:
                self._last[symbol] = snap
        return snap

    def advance(
        self, bars: int = 1, prepare: Callable[[str, Snapshot], None] | None = None
    ) -> list[tuple[str, int, float]]:
        """Reveal ``bars`` more bars of every simulated symbol: ``(symbol, version, close)`` of
        those that moved. ``prepare(symbol, snapshot)`` sees each new snapshot before it is
        published (to build responses ahead); call from a worker thread."""
        with self._lock:
            todo = [(s, full, self._cursor[s]) for s, full in self._full.items()]
        moved = []
        for symbol, full, n in todo:
            c = full.candles
            m = min(n + bars, len(c))
            if m == n:
                continue
            data = _prefix(full, m)
            snap = Snapshot(int(c.ts_ms[m - 1]) + c.interval_ms, data)
            if prepare is not None:
                prepare(symbol, snap)
            with self._lock:
                if self._cursor[symbol] != n:  # advanced meanwhile by another caller
                    continue
                self._cursor[symbol] = m
                self._last[symbol] = snap
            moved.append((symbol, snap.version, float(c.close[m - 1])))
        return moved


def file_source_name(path: Path) -> str:
    """``file-<stem>``: web-safe (lower case, letters, digits and '-'), at most 32 characters."""
    stem = path.name.lower()
    for suffix in (".gz", ".zip", ".csv", ".parquet", ".json"):
        stem = stem.removesuffix(suffix)
    slug = re.sub(r"[^a-z0-9]+", "-", stem).strip("-") or "data"
    return f"file-{slug}"[:32].rstrip("-")


class FileSource:
    """One symbol's market data from files (bars, optional OI, flow and liquidation events),
    loaded once on first use like ``liqmap map --source FILE``; it never changes while served."""

    kind: Literal["file"] = "file"

    def __init__(
        self,
        symbol: str,
        bars: Path,
        *,
        oi: Path | None = None,
        flow: Path | None = None,
        liquidations: Path | None = None,
        exchange: Venue = Venue.BINANCE,
        name: str | None = None,
    ) -> None:
        self.name = name or file_source_name(bars)
        self.exchange = exchange
        self._symbol = symbol.upper()
        self._files = (bars, oi, flow, liquidations)
        self._snap: Snapshot | None = None
        self._lock = threading.Lock()

    def symbols(self) -> tuple[str, ...]:
        """The one symbol the files hold."""
        return (self._symbol,)

    def version(self, symbol: str) -> int | None:
        """Close time of the last bar once loaded."""
        snap = self._snap
        return None if snap is None else snap.version

    def snapshot(self, symbol: str) -> Snapshot:
        """The files' data (read on first call; errors name the file and the fix)."""
        if symbol.upper() != self._symbol:
            raise UnknownSymbolError(
                f"source {self.name!r} holds {self._symbol} only (from {self._files[0].name}), "
                f"not {symbol!r}"
            )
        with self._lock:
            if self._snap is None:
                bars, oi, flow, liquidations = self._files
                data = api.load_market(
                    self._symbol, str(bars), oi=oi, flow=flow, liquidations=liquidations
                )
                c = data.candles
                self._snap = Snapshot(int(c.ts_ms[-1]) + c.interval_ms if len(c) else 0, data)
            return self._snap


class Sources:
    """The sources the web app serves, by name."""

    def __init__(self, sources: list[Source]) -> None:
        self._by_name: dict[str, Source] = {}
        for s in sources:
            self._by_name.setdefault(s.name, s)

    def names(self) -> tuple[str, ...]:
        """Source names, ``demo`` first."""
        return tuple(self._by_name)

    def get(self, name: str) -> Source | None:
        """The source called ``name`` or ``None``."""
        return self._by_name.get(name)

    def all(self) -> tuple[Source, ...]:
        """Every source."""
        return tuple(self._by_name.values())

    def demo(self) -> DemoSource | None:
        """The demo source, when served."""
        d = self._by_name.get(api.DEMO)
        return d if isinstance(d, DemoSource) else None
