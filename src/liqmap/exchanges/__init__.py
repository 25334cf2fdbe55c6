"""Exchange data over public REST: one async client per venue, a shared HTTP layer, and sync.

::

    async with client_for("binance") as c:
        candles = await c.fetch(DataKind.CANDLES, "BTCUSDT", start_ms, end_ms)

``liqmap.exchanges.sync`` fills the embedded store with what is missing and builds
:class:`liqmap.api.MarketData` from it (:func:`~liqmap.exchanges.sync.market_from_store`).
WebSocket streams live in each venue's ``stream.py``.
"""

from liqmap.exchanges.base import VenueClient
from liqmap.exchanges.records import (
    AccountPosition,
    DataKind,
    Endpoint,
    FundingRates,
    LongShortRatios,
    PositionSnapshot,
    TakerFlow,
)
from liqmap.exchanges.registry import CLIENTS, client_for, endpoint_rows, supported_kinds
from liqmap.exchanges.rest import Budget, HttpClient, RateLimiter, RetryPolicy

__all__ = [
    "CLIENTS",
    "AccountPosition",
    "Budget",
    "DataKind",
    "Endpoint",
    "FundingRates",
    "HttpClient",
    "LongShortRatios",
    "PositionSnapshot",
    "RateLimiter",
    "RetryPolicy",
    "TakerFlow",
    "VenueClient",
    "client_for",
    "endpoint_rows",
    "supported_kinds",
]
