"""Binance USD-M live leverage brackets: ``GET /fapi/v1/leverageBracket`` (signed USER_DATA).

https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Notional-and-Leverage-Brackets
needs an API key (header ``X-MBX-APIKEY``) and an HMAC-SHA256 ``signature`` of the query string
(``timestamp``, ``recvWindow``; https://developers.binance.com/docs/derivatives/usds-margined-futures/general-info#signed-trade-and-user_data-endpoint-security).
A read-only key is enough. Without ``symbol`` it answers every symbol (weight 1)::

    [{"symbol": "ETHUSDT", "notionalCoef": 1.50,
      "brackets": [{"bracket": 1, "initialLeverage": 75, "notionalCap": 10000,
                    "notionalFloor": 0, "maintMarginRatio": 0.0065, "cum": 0}]}]

Without a configured key (``LIQMAP_BINANCE_API_KEY`` / ``LIQMAP_BINANCE_API_SECRET``) liqmap
uses its dated snapshots (:mod:`liqmap.io.bracket_snapshots`).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from liqmap.domain.margin import MarginTable
from liqmap.errors import ParameterError, UnknownSymbolError
from liqmap.exchanges.binance.client import BinanceClient
from liqmap.io.bracket_schemas import BinanceSymbolBrackets
from liqmap.io.brackets import table_from_binance

__all__ = ["PATH", "RECV_WINDOW_MS", "fetch_tiers", "sign"]

PATH = "/fapi/v1/leverageBracket"
RECV_WINDOW_MS = 5_000
# every symbol: a list; one symbol: one object (msgspec decodes the union)
_ANSWER: Any = list[BinanceSymbolBrackets] | BinanceSymbolBrackets
DOC = "https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Notional-and-Leverage-Brackets"  # fmt: skip


def sign(params: dict[str, Any], secret: str) -> dict[str, Any]:
    """``params`` plus ``signature = HMAC_SHA256(secret, urlencode(params))`` (hex), last.

    The query string is encoded in insertion order, as the HTTP client sends it.
    """
    query = urlencode(params)
    digest = hmac.new(secret.encode(), query.encode(), hashlib.sha256).hexdigest()
    return {**params, "signature": digest}


async def fetch_tiers(
    client: BinanceClient, symbols: Sequence[str] | None, *,
    clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
) -> list[MarginTable]:  # fmt: skip
    """Brackets of ``symbols`` (one request each) or of every symbol (one request) when None."""
    key, secret = client.settings.binance_api_key, client.settings.binance_api_secret
    if not (key and secret):
        raise ParameterError(
            "binance serves leverage brackets only to signed requests: set LIQMAP_BINANCE_API_KEY "
            "and LIQMAP_BINANCE_API_SECRET (a read-only key is enough), or use liqmap's dated "
            "snapshots (`liqmap symbols --exchange binance`) or --brackets FILE"
        )
    client.http.set_header("X-MBX-APIKEY", key)
    wanted: list[str | None] = [None] if symbols is None else [client.native(s) for s in symbols]
    today = datetime.now(UTC).date().isoformat()
    out: list[MarginTable] = []
    for sym in wanted:
        params: dict[str, Any] = {} if sym is None else {"symbol": sym}
        params |= {"recvWindow": RECV_WINDOW_MS, "timestamp": clock_ms()}
        got = await client.http.get(PATH, sign(params, secret), _ANSWER)
        items = got if isinstance(got, list) else [got]
        if sym is not None and not any(x.symbol == sym for x in items):
            raise UnknownSymbolError(f"binance returned no leverage brackets for {sym!r}")
        source = f"binance GET {PATH} (signed; {DOC})"
        out += [table_from_binance(x, source=source, as_of=today) for x in items]
    return out
