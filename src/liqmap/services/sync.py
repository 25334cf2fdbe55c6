"""Fill the embedded store from the venues' public REST APIs (the estimator's input is read back
by :func:`liqmap.services.stored_market.market_from_store`).

* :func:`sync_async` / :func:`sync` fetch, per kind, only the ranges the store lacks
  (``Store.missing_ranges``), clipped to what the endpoint still serves (e.g. Binance's 30 days of
  OI history), page by page, writing each page as it arrives (idempotent: re-fetching never
  duplicates). The open bar is never stored.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, assert_never

import httpx

from liqmap.domain.enums import Venue
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.errors import (
    EmptyWindowError,
    ExchangeTimeoutError,
    ParameterError,
)
from liqmap.exchanges.base import VenueClient, store_symbol
from liqmap.exchanges.checks import plausible_rows
from liqmap.exchanges.records import DataKind, FundingRates, LongShortRatios, Record, TakerFlow
from liqmap.exchanges.registry import client_for, spec_for
from liqmap.io.report import fmt_ms
from liqmap.net.deadline import DeadlineExceeded, within
from liqmap.settings import Settings
from liqmap.store import Store
from liqmap.store.kinds import FUNDING, LIQUIDATIONS, OI, SeriesKind

__all__ = [
    "DEFAULT_KINDS",
    "MAP_KINDS",
    "KindReport",
    "Progress",
    "SyncReport",
    "store_kind",
    "store_symbol",
    "sync",
    "sync_async",
]

DEFAULT_KINDS = (DataKind.CANDLES, DataKind.OI, DataKind.FUNDING, DataKind.TAKER,
                 DataKind.LONG_SHORT, DataKind.LIQUIDATIONS, DataKind.BRACKETS)  # fmt: skip
MAP_KINDS = (DataKind.CANDLES, DataKind.OI, DataKind.LIQUIDATIONS)
_FIVE_MIN = 300_000
_HOUR = 3_600_000
_SERIES = {
    "taker_buy": "taker_buy_volume",
    "taker_sell": "taker_sell_volume",
    "long_short": "long_short_ratio",
}


def store_kind(venue: Venue, kind: DataKind, interval_ms: int) -> tuple[SeriesKind, int]:
    """``(store kind, bucket step in ms)`` used for coverage of ``kind``."""
    match kind:
        case DataKind.CANDLES:
            return SeriesKind.candles(interval_ms), interval_ms
        case DataKind.FUNDING:
            return FUNDING, spec_for(venue).funding_interval_ms
        case DataKind.TAKER:
            return SeriesKind.series(_SERIES["taker_buy"]), _FIVE_MIN
        case DataKind.LONG_SHORT:
            return SeriesKind.series(_SERIES["long_short"]), _FIVE_MIN
        case DataKind.LIQUIDATIONS:
            return LIQUIDATIONS, _HOUR
        case DataKind.OI:
            return OI, _FIVE_MIN
        case DataKind.BRACKETS:
            raise ParameterError("brackets are tables (one per fetch), not a series with coverage")
        case _:
            assert_never(kind)


class Progress(Protocol):
    """What a sync reports while it runs (the CLI draws a rich progress bar from it)."""

    def start(self, kind: str, total_ms: int) -> None:
        """A kind starts; ``total_ms`` of time ranges are to be fetched."""

    def advance(self, kind: str, ms: int, rows: int) -> None:
        """A page covering ``ms`` of time with ``rows`` new rows was written."""


class _Quiet:
    def start(self, kind: str, total_ms: int) -> None:
        return None

    def advance(self, kind: str, ms: int, rows: int) -> None:
        return None


@dataclass(slots=True)
class KindReport:
    """What a sync did for one kind."""

    kind: str
    fetched: list[tuple[int, int]] = field(default_factory=list)  # ranges requested
    unavailable: list[tuple[int, int]] = field(
        default_factory=list
    )  # older than the endpoint serves
    rows: int = 0  # new rows written
    pages: int = 0
    skipped: str = ""  # why the kind was not fetched
    rejected: int = 0  # rows the venue sent that no market produces (not stored)
    rejected_why: str = ""  # the first reason

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        rng = [
            {"start_ms": a, "end_ms": b, "start": fmt_ms(a), "end": fmt_ms(b)}
            for a, b in self.fetched
        ]
        out = [
            {"start_ms": a, "end_ms": b, "start": fmt_ms(a), "end": fmt_ms(b)}
            for a, b in self.unavailable
        ]
        return {"kind": self.kind, "new_rows": self.rows, "pages": self.pages, "fetched": rng,
                "unavailable": out, "skipped": self.skipped, "rejected": self.rejected,
                "rejected_why": self.rejected_why}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SyncReport:
    """The outcome of one sync of one venue and symbol."""

    venue: str
    symbol: str
    start_ms: int
    end_ms: int
    kinds: tuple[KindReport, ...]
    requests: int = 0
    retries: int = 0

    @property
    def rows(self) -> int:
        """New rows written, all kinds."""
        return sum(k.rows for k in self.kinds)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "venue": self.venue, "symbol": self.symbol, "start_ms": self.start_ms,
            "end_ms": self.end_ms, "start": fmt_ms(self.start_ms), "end": fmt_ms(self.end_ms),
            "new_rows": self.rows, "requests": self.requests, "retries": self.retries,
            "kinds": [k.to_dict() for k in self.kinds],
        }  # fmt: skip


def _write(store: Store, venue: str, key: str, rec: Record) -> int:
    if isinstance(rec, Candles):
        return store.write_candles(venue, key, rec)
    if isinstance(rec, OpenInterest):
        return store.write_open_interest(venue, key, rec)
    if isinstance(rec, FundingRates):
        return store.write_funding(venue, key, rec.ts_ms, rec.rate)
    if isinstance(rec, TakerFlow):
        n = store.write_series(venue, key, _SERIES["taker_buy"], rec.ts_ms, rec.buy_volume)
        return n + store.write_series(venue, key, _SERIES["taker_sell"], rec.ts_ms, rec.sell_volume)
    if isinstance(rec, LongShortRatios):
        return store.write_series(venue, key, _SERIES["long_short"], rec.ts_ms, rec.ratio)
    return store.write_liquidations(venue, key, rec)


def _span(rec: Record, a: int, b: int) -> int:
    if len(rec) and not isinstance(rec, LiquidationEvents):
        return max(0, min(b, int(rec.ts_ms[-1]) + 1) - a)
    return b - a


def _plan(
    store: Store, client: VenueClient, kind: DataKind, key: str, start_ms: int, end_ms: int,
    interval_ms: int, now_ms: int, rep: KindReport,
) -> list[tuple[int, int]]:  # fmt: skip
    depth = client.depth_ms(kind, interval_ms)
    if depth == 0:  # the venue serves the current value only: one snapshot now
        return [(now_ms, now_ms + 1)] if start_ms <= now_ms <= end_ms else []
    first = start_ms if depth is None else max(start_ms, now_ms - depth)
    if first > start_ms:
        rep.unavailable.append((start_ms, min(first, end_ms)))
    if first >= end_ms:
        return []
    if kind is DataKind.LIQUIDATIONS:
        return [(first, end_ms)]
    skind, step = store_kind(client.venue, kind, interval_ms)
    return store.missing_ranges(client.venue.value, key, skind, first, end_ms, step)


async def _sync_kind(
    store: Store, client: VenueClient, kind: DataKind, symbol: str, start_ms: int, end_ms: int,
    interval_ms: int, now_ms: int, progress: Progress,
) -> KindReport:  # fmt: skip
    rep = KindReport(kind.value)
    venue, key = client.venue.value, store_symbol(client.venue, symbol)
    if not client.supports(kind):
        rep.skipped = client.why_not(kind)
        return rep
    if kind is DataKind.BRACKETS:
        table = await client.margin_table(symbol)
        rep.rows = store.write_brackets(venue, replace(table, symbol=key), now_ms)
        rep.pages = 1
        return rep
    if kind is DataKind.CANDLES:  # never store the bar that is still open
        end_ms = min(end_ms, now_ms - now_ms % interval_ms)
    ranges = _plan(store, client, kind, key, start_ms, end_ms, interval_ms, now_ms, rep)
    progress.start(kind.value, sum(b - a for a, b in ranges))
    for a, b in ranges:
        rep.fetched.append((a, b))
        cursor = a
        async for page in client.pages(kind, symbol, a, b, interval_ms=interval_ms):
            rep.pages += 1
            done = _span(page, cursor, b)
            good, n_bad, why = plausible_rows(page)
            rep.rejected += n_bad
            rep.rejected_why = rep.rejected_why or why
            n = _write(store, venue, key, good) if len(good) else 0
            rep.rows += n
            progress.advance(kind.value, done, n)
            cursor += done
        if cursor < b:
            progress.advance(kind.value, b - cursor, 0)
    return rep


async def sync_async(
    store: Store,
    client: VenueClient,
    symbol: str,
    *,
    start_ms: int,
    end_ms: int,
    kinds: Sequence[DataKind] = DEFAULT_KINDS,
    interval_ms: int = 60_000,
    progress: Progress | None = None,
    now_ms: int | None = None,
) -> SyncReport:
    """Fetch what ``store`` lacks of ``kinds`` for ``symbol`` in ``[start_ms, end_ms)``.

    The whole run ends within ``client.settings.sync_deadline_s`` (``LIQMAP_SYNC_DEADLINE``):
    past it an :class:`ExchangeTimeoutError` is raised; pages stored so far stay stored (the
    next run fetches only what is still missing).
    """
    limit = client.settings.sync_deadline_s
    try:
        return await within(
            limit,
            lambda: _sync_all(
                store, client, symbol, start_ms, end_ms, kinds, interval_ms, progress, now_ms
            ),
        )
    except DeadlineExceeded:
        raise ExchangeTimeoutError(
            f"the sync of {client.venue.value} {symbol} did not finish within {limit:g} s "
            "(LIQMAP_SYNC_DEADLINE); what was fetched is stored, and running the same command "
            "again fetches only the rest. Raise LIQMAP_SYNC_DEADLINE for long windows",
            url=client.http.base_url,
        ) from None


async def _sync_all(
    store: Store, client: VenueClient, symbol: str, start_ms: int, end_ms: int,
    kinds: Sequence[DataKind], interval_ms: int, progress: Progress | None, now_ms: int | None,
) -> SyncReport:  # fmt: skip
    now = int(time.time() * 1000) if now_ms is None else now_ms
    end = min(end_ms, now)
    if end <= start_ms:
        raise EmptyWindowError(f"nothing to sync: {fmt_ms(start_ms)} is not before {fmt_ms(end)}")
    prog = progress or _Quiet()
    reports = [
        await _sync_kind(store, client, k, symbol, start_ms, end, interval_ms, now, prog)
        for k in kinds
    ]
    return SyncReport(
        client.venue.value, store_symbol(client.venue, symbol), start_ms, end, tuple(reports),
        client.http.requests, client.http.retries,
    )  # fmt: skip


def sync(
    store: Store,
    venue: Venue | str,
    symbol: str,
    *,
    start_ms: int,
    end_ms: int | None = None,
    kinds: Sequence[DataKind] = DEFAULT_KINDS,
    interval_ms: int = 60_000,
    settings: Settings | None = None,
    progress: Progress | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    now_ms: int | None = None,
) -> SyncReport:
    """Blocking facade of :func:`sync_async` (for the CLI): one event loop, client closed after."""

    async def run() -> SyncReport:
        async with client_for(venue, settings, transport=transport) as client:
            return await sync_async(
                store, client, symbol, start_ms=start_ms,
                end_ms=end_ms if end_ms is not None else int(time.time() * 1000), kinds=kinds,
                interval_ms=interval_ms, progress=progress, now_ms=now_ms,
            )  # fmt: skip

    return asyncio.run(run())
