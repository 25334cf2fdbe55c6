"""Venue -> client class, and what each venue serves (the kinds and their endpoints)."""

from __future__ import annotations

import asyncio

import httpx

from liqmap.domain.enums import Venue
from liqmap.exchanges.base import VenueClient
from liqmap.exchanges.binance.client import BinanceClient, BinanceCoinmClient
from liqmap.exchanges.bybit.client import BybitClient
from liqmap.exchanges.hyperliquid.client import HyperliquidClient
from liqmap.exchanges.okx.client import OkxClient
from liqmap.exchanges.records import DataKind
from liqmap.exchanges.rest import RetryPolicy, Sleep
from liqmap.settings import Settings

__all__ = ["CLIENTS", "client_for", "endpoint_rows", "supported_kinds"]

CLIENTS: dict[Venue, type[VenueClient]] = {
    Venue.BINANCE: BinanceClient,
    Venue.BINANCE_COINM: BinanceCoinmClient,
    Venue.BYBIT: BybitClient,
    Venue.OKX: OkxClient,
    Venue.HYPERLIQUID: HyperliquidClient,
}


def client_for(
    venue: Venue | str,
    settings: Settings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    retry: RetryPolicy | None = None,
    sleep: Sleep = asyncio.sleep,
) -> VenueClient:
    """A new async client of ``venue`` (close it: ``async with client_for(...) as c``)."""
    v = venue if isinstance(venue, Venue) else Venue.parse(venue)
    return CLIENTS[v](settings, transport=transport, retry=retry, sleep=sleep)


def supported_kinds(venue: Venue | str) -> tuple[DataKind, ...]:
    """The kinds ``venue`` serves over public REST."""
    v = venue if isinstance(venue, Venue) else Venue.parse(venue)
    return tuple(k for k in DataKind if k in CLIENTS[v].endpoints)


def endpoint_rows() -> list[tuple[str, str, str, str, str]]:
    """``(venue, kind, endpoint, page size, history)`` for every venue and kind (docs/tests)."""
    rows: list[tuple[str, str, str, str, str]] = []
    for venue, cls in CLIENTS.items():
        for kind in DataKind:
            ep = cls.endpoints.get(kind)
            if ep is None:
                rows.append(
                    (venue.value, kind.value, "not public", "", cls.unsupported.get(kind, ""))
                )
                continue
            depth = (
                "full" if ep.history_ms is None
                else "current only" if ep.history_ms == 0
                else f"{ep.history_ms / 86_400_000:g} days"
            )  # fmt: skip
            rows.append((venue.value, kind.value, ep.path, str(ep.page_size or "all"), depth))
    return rows
