"""Bybit live risk-limit tiers: ``GET /v5/market/risk-limit`` (public, no key).

https://bybit-exchange.github.io/docs/v5/market/risk-limit -- ``category=linear``; without
``symbol`` the endpoint lists every symbol's tiers, paged by ``cursor`` / ``nextPageCursor``::

    {"retCode": 0, "retMsg": "OK", "result": {"category": "linear", "nextPageCursor": "",
     "list": [{"id": 1, "symbol": "BTCUSDT", "riskLimitValue": "2000000",
               "maintenanceMargin": "0.005", "initialMargin": "0.01", "isLowestRisk": 1,
               "maxLeverage": "100.00", "mmDeduction": ""}, ...]}, "time": 1672054488010}
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from liqmap.domain.margin import MarginTable
from liqmap.exchanges.bybit.client import DOC, BybitClient, _check
from liqmap.exchanges.bybit.parse import parse_risk_limits
from liqmap.exchanges.bybit.schemas import BybitResponse, BybitRiskLimit, BybitRiskLimitResult
from liqmap.exchanges.records import DataKind

__all__ = ["MAX_PAGES", "fetch_tiers"]

MAX_PAGES = 200  # a guard against a cursor that never ends


async def fetch_tiers(client: BybitClient, symbols: Sequence[str] | None) -> list[MarginTable]:
    """Tiers of ``symbols`` (one request each), or of every linear symbol (paged) when None."""
    if symbols is not None:
        return [await client.margin_table(s) for s in symbols]
    path = client.endpoints[DataKind.BRACKETS].path
    rows: dict[str, list[BybitRiskLimit]] = defaultdict(list)
    cursor = ""
    for _ in range(MAX_PAGES):
        resp = await client.http.get(
            path, {"category": "linear", "cursor": cursor or None},
            BybitResponse[BybitRiskLimitResult], check=_check,
        )  # fmt: skip
        result = resp.result or BybitRiskLimitResult()
        for r in result.list:
            rows[r.symbol].append(r)
        cursor = result.nextPageCursor
        if not cursor:
            break
    source = f"bybit GET {path} ({DOC}/risk-limit)"
    return [parse_risk_limits(v, symbol=k, source=source) for k, v in sorted(rows.items())]
