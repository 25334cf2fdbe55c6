"""Exchange data over public REST: one async client per venue, a shared HTTP layer, and sync.

::

    async with client_for("binance") as c:
        candles = await c.fetch(DataKind.CANDLES, "BTCUSDT", start_ms, end_ms)

Nothing here touches the store: filling it is the service layer's job (:mod:`liqmap.services`).
WebSocket streams live in each venue's ``stream.py`` (the contract: :mod:`.stream`). Each venue
folder exports one :class:`~liqmap.exchanges.spec.VenueSpec`; :mod:`.registry` lists them
(:func:`spec_for`), and ``_template/`` is the skeleton of a new one.
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
from liqmap.exchanges.registry import CLIENTS, client_for, endpoint_rows, spec_for, supported_kinds
from liqmap.exchanges.rest import Budget, HttpClient, RateLimiter, RetryPolicy
from liqmap.exchanges.spec import VenueSpec

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
    "VenueSpec",
    "client_for",
    "endpoint_rows",
    "spec_for",
    "supported_kinds",
]
