"""Live margin tiers: fetch from the venues, cache in the store with their fetch date, refresh.

The per-venue fetchers live in each venue's package (``exchanges/<venue>/tiers.py``);
:func:`fetch_tiers` dispatches over :class:`~liqmap.domain.enums.Venue` exhaustively.
:func:`sync_tiers` stores every table it gets under ``(venue, symbol, fetched_ms)`` and reports
per-symbol failures without stopping. :func:`cached_table` answers the latest cached table and
whether it is older than ``Settings.tiers_max_age_ms`` (``LIQMAP_TIERS_MAX_AGE``).

=================  ==============================================  ======================
venue              endpoint                                        key
=================  ==============================================  ======================
binance            GET /fapi/v1/leverageBracket                    API key (HMAC-signed)
bybit              GET /v5/market/risk-limit                       public
okx                GET /api/v5/public/position-tiers (+ ctVal)     public
hyperliquid        POST /info metaAndAssetCtxs (marginTables)      public
binance-coinm      (not fetched: signed /dapi/v2/leverageBracket)  use --brackets
=================  ==============================================  ======================
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import httpx

from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.errors import LiqmapError, ParameterError
from liqmap.exchanges.base import VenueClient, store_symbol
from liqmap.exchanges.registry import client_for, spec_for
from liqmap.settings import Settings
from liqmap.store import Store

__all__ = [
    "TierSync", "cached_table", "fetch_tiers", "live_tiers_available", "refreshed_table",
    "sync_tiers", "sync_tiers_async",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class TierSync:
    """What one ``tiers sync`` did: tables stored, rows written, per-symbol failures."""

    venue: Venue
    fetched_ms: int
    tables: tuple[MarginTable, ...]
    rows: int
    failures: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "venue": self.venue.value,
            "fetched_ms": self.fetched_ms,
            "symbols": [t.symbol for t in self.tables],
            "tables": len(self.tables),
            "rows": self.rows,
            "failures": [{"symbol": s, "error": e} for s, e in self.failures],
        }


async def fetch_tiers(client: VenueClient, symbols: Sequence[str] | None) -> list[MarginTable]:
    """The venue's current tiers of ``symbols`` (None: every symbol it lists), by its spec."""
    spec = spec_for(client.venue)
    if spec.tiers is None:
        raise ParameterError(spec.no_tiers_reason)
    return await spec.tiers(client, symbols)


async def sync_tiers_async(
    store: Store, venue: Venue, symbols: Sequence[str] | None = None, *,
    settings: Settings | None = None, transport: httpx.AsyncBaseTransport | None = None,
    now_ms: int | None = None,
) -> TierSync:  # fmt: skip
    """Fetch and store the tiers; a symbol that fails is reported, the others are kept."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    got: list[MarginTable] = []
    failures: list[tuple[str, str]] = []
    async with client_for(venue, settings, transport=transport) as client:
        if symbols is None:
            got = await fetch_tiers(client, None)
        for sym in symbols or ():
            try:
                got += await fetch_tiers(client, [sym])
            except LiqmapError as exc:
                failures.append((sym, str(exc)))
    rows = 0
    stored = []
    with store.transaction():
        for t in got:
            table = replace(t, symbol=store_symbol(venue, t.symbol))
            rows += store.write_brackets(venue.value, table, now)
            stored.append(table)
    return TierSync(venue, now, tuple(stored), rows, tuple(failures))


def sync_tiers(
    store: Store, venue: Venue, symbols: Sequence[str] | None = None, *,
    settings: Settings | None = None, transport: httpx.AsyncBaseTransport | None = None,
    now_ms: int | None = None,
) -> TierSync:  # fmt: skip
    """Blocking :func:`sync_tiers_async` (for the CLI)."""
    return asyncio.run(
        sync_tiers_async(
            store, venue, symbols, settings=settings, transport=transport, now_ms=now_ms
        )
    )


def cached_table(
    store: Store, venue: Venue, symbol: str, *, max_age_ms: int, now_ms: int | None = None
) -> tuple[MarginTable | None, bool]:
    """``(latest cached table or None, stale)``; stale when older than ``max_age_ms`` (0: never)."""
    key = store_symbol(venue, symbol)
    table = store.latest_brackets(venue.value, key)
    if table is None:
        return None, False
    fetched = store.brackets_fetched_ms(venue.value, key) or 0
    now = int(time.time() * 1000) if now_ms is None else now_ms
    stale = max_age_ms > 0 and now - fetched > max_age_ms
    return table, stale


def live_tiers_available(venue: Venue, settings: Settings) -> bool:
    """True when liqmap can fetch the venue's tiers: public on Bybit, OKX and Hyperliquid; on
    Binance USD-M with an API key configured; never on COIN-M (each venue's spec says)."""
    spec = spec_for(venue)
    return spec.tiers is not None and spec.tiers_available(settings)


def refreshed_table(
    store: Store, venue: Venue, symbol: str, *, settings: Settings | None = None,
    transport: httpx.AsyncBaseTransport | None = None, now_ms: int | None = None,
    fetch: bool = True,
) -> MarginTable | None:  # fmt: skip
    """The cached live table of ``symbol``, first re-fetched when missing or older than
    ``settings.tiers_max_age_ms`` (``LIQMAP_TIERS_MAX_AGE``) and ``fetch`` is allowed.

    A failed refresh keeps what is cached (or None: the dated default then applies); the map's
    ``margin table: ...`` note always says which table was used.
    """
    s = settings or Settings.from_env()
    table, stale = cached_table(store, venue, symbol, max_age_ms=s.tiers_max_age_ms, now_ms=now_ms)
    fresh = table is not None and not stale
    if fresh or not fetch or store.read_only or not live_tiers_available(venue, s):
        return table
    try:
        rep = sync_tiers(store, venue, [symbol], settings=s, transport=transport, now_ms=now_ms)
    except LiqmapError:
        return table
    return rep.tables[0] if rep.tables else table
