"""``liqmap scan``: liquidation maps of many symbols, ranked by their nearest large clusters.

Sources
-------
``store``
    The local store only (``--offline`` maps): nothing is fetched.
``exchange``
    The store, synced from the venue's public REST first (per symbol; a store is one DuckDB
    connection, so syncs run one at a time and each venue client paces itself within the
    venue's published rate limits).
a path template with ``{symbol}``
    One bars file per symbol, e.g. ``data/{symbol}-5m.csv.gz``.

Maps are built by a bounded pool of ``concurrency`` worker threads; a symbol that fails (no data,
a bad file, a venue error) becomes a row with its error and the scan goes on. Ranking is
:func:`liqmap.core.scan.rank`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from liqmap.core.scan import DEFAULT_MIN_SHARE, ScanResult, ScanRow, rank, scale_of, scan_row
from liqmap.domain.enums import Venue
from liqmap.errors import LiqmapError, ParameterError
from liqmap.timeutil import parse_duration_ms

if TYPE_CHECKING:
    from liqmap.api import MarketData

__all__ = ["ScanRequest", "run_scan", "stored_symbols"]

Progress = Callable[[str, bool], None]  # (symbol, ok) after each symbol


@dataclass(frozen=True, slots=True)
class ScanRequest:
    """What to scan: symbols, venue, source, window, bar interval, concurrency, threshold."""

    symbols: tuple[str, ...]
    exchange: Venue = Venue.BINANCE
    source: str = "store"
    window: str = "7d"
    interval_ms: int = 300_000
    at: str | None = None
    concurrency: int = 4
    min_share: float = DEFAULT_MIN_SHARE
    bins: int = 400

    def __post_init__(self) -> None:
        if not self.symbols:
            raise ParameterError("scan: no symbols; name them or sync some into the store")
        if not 1 <= self.concurrency <= 32:
            raise ParameterError(f"--concurrency must be 1..32, got {self.concurrency}")
        if not 0.0 < self.min_share < 1.0:
            raise ParameterError(f"--min-share must be in (0, 1), got {self.min_share}")
        if self.source not in ("store", "exchange") and "{symbol}" not in self.source:
            raise ParameterError(
                f"--source {self.source!r}: use 'store', 'exchange' or a path template with "
                "{symbol}, e.g. data/{symbol}-5m.csv.gz"
            )


def stored_symbols(venue: Venue, interval_ms: int = 300_000) -> tuple[str, ...]:
    """Symbols with candles of ``interval_ms`` in the local store."""
    from liqmap.settings import Settings
    from liqmap.store import Store
    from liqmap.store.kinds import SeriesKind

    settings = Settings.from_env()
    if not settings.store_path.exists():
        return ()
    with Store.open(settings=settings, read_only=True) as store:
        kind = SeriesKind.candles(interval_ms)
        return tuple(
            sorted(
                {i.symbol for i in store.info() if i.venue == venue.value and i.series_kind == kind}
            )
        )


def run_scan(req: ScanRequest, progress: Progress | None = None) -> ScanResult:
    """Build and rank every symbol's map; failures are rows, never exceptions."""
    window_ms = parse_duration_ms(req.window)
    with _loader(req) as load:

        def one(symbol: str) -> ScanRow:
            try:
                row = _row(req, load(symbol, window_ms))
            except LiqmapError as exc:
                row = ScanRow(symbol.upper(), req.exchange.value, error=str(exc))
            if progress is not None:
                progress(symbol, row.ok)
            return row

        with ThreadPoolExecutor(max_workers=req.concurrency) as pool:
            rows = list(pool.map(one, req.symbols))
    return rank(rows, window=req.window, min_share=req.min_share)


def _row(req: ScanRequest, md: MarketData) -> ScanRow:
    from liqmap import api

    m = api.estimate_map(md, window=req.window, at=req.at, exchange=req.exchange, bins=req.bins)
    scale, kind = scale_of(md.candles, md.oi)
    label = next((n for n in m.notes if n.startswith("margin table: ")), "")
    return scan_row(m, scale, kind, min_share=req.min_share, table=label)


Loader = Callable[[str, int], "MarketData"]


@contextmanager
def _loader(req: ScanRequest) -> Iterator[Loader]:
    """A thread-safe ``(symbol, window_ms) -> MarketData`` for the request's source."""
    if req.source in ("store", "exchange"):
        with _store_loader(req) as load:
            yield load
        return
    from liqmap import api

    def from_file(symbol: str, window_ms: int) -> MarketData:
        path = Path(req.source.replace("{symbol}", symbol))
        return api.load_market(symbol, str(path))

    yield from_file


@contextmanager
def _store_loader(req: ScanRequest) -> Iterator[Loader]:
    """One store for the whole scan; its single DuckDB connection is used under a lock (reads
    and syncs in turn), the maps are built outside it."""
    from liqmap.services.stored_market import market_from_store
    from liqmap.services.sync import store_symbol
    from liqmap.settings import Settings
    from liqmap.store import Store
    from liqmap.timeutil import parse_time_ms

    settings = Settings.from_env()
    lock = threading.Lock()
    at_ms = parse_time_ms(req.at) if req.at else None
    offline = req.source == "store"
    with Store.open(settings=settings, read_only=offline) as store:

        def from_store(symbol: str, window_ms: int) -> MarketData:
            with lock:
                at = at_ms
                if at is None and offline:  # stored data: the map at the last stored bar
                    last = store.last_candle_ms(
                        req.exchange.value, store_symbol(req.exchange, symbol), req.interval_ms
                    )
                    at = None if last is None else last + req.interval_ms
                return market_from_store(
                    store, req.exchange, symbol, window_ms=window_ms, at_ms=at, offline=offline,
                    settings=settings, interval_ms=req.interval_ms, now_ms=at,
                )  # fmt: skip

        yield from_store


def symbols_from(names: Sequence[str]) -> tuple[str, ...]:
    """``['BTC,ETH', 'SOL']`` -> ``('BTC', 'ETH', 'SOL')`` (comma lists allowed), de-duplicated."""
    out: list[str] = []
    for n in names:
        for s in n.split(","):
            if s.strip() and s.strip().upper() not in out:
                out.append(s.strip().upper())
    return tuple(out)
