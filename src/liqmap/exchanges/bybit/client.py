"""Bybit v5 public REST client (USDT perpetual, ``category=linear``).

==========  =====================================================  =====  =======================
kind        endpoint                                               page   history
==========  =====================================================  =====  =======================
candles     ccxt fetch_ohlcv (GET /v5/market/kline)                1000   full
oi          GET /v5/market/open-interest (intervalTime=5min)       200    full; coin x price
funding     ccxt fetch_funding_rate_history                        200    full
            (GET /v5/market/funding/history)
long_short  GET /v5/market/account-ratio (period=5min)             500    full
brackets    GET /v5/market/risk-limit                              all    current
==========  =====================================================  =====  =======================

Not public over REST: taker buy/sell volume per period and liquidation history (Bybit publishes
liquidations only on the ``allLiquidation`` WebSocket topic: ``liqmap record``).
IP limit: 600 requests per 5 s (https://bybit-exchange.github.io/docs/v5/rate-limit).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles
from liqmap.exchanges.base import VenueClient, base_coin, windows
from liqmap.exchanges.bybit import parse
from liqmap.exchanges.bybit.schemas import (
    BybitAccountRatioResult,
    BybitOpenInterestResult,
    BybitResponse,
    BybitRiskLimitResult,
)
from liqmap.exchanges.http import Budget
from liqmap.exchanges.records import DataKind, Endpoint, Record, concat

__all__ = ["BybitClient"]

DOC = "https://bybit-exchange.github.io/docs/v5/market"
KLINE_LIMIT = 1000
OI_LIMIT = 200
RATIO_LIMIT = 500
FUNDING_LIMIT = 200
_FIVE_MIN = 300_000


def _check(resp: BybitResponse[Any], url: str) -> None:
    parse.check(resp, url)


class BybitClient(VenueClient):
    """Bybit USDT perpetual (linear)."""

    venue: ClassVar[Venue] = Venue.BYBIT
    endpoints: ClassVar[dict[DataKind, Endpoint]] = {
        DataKind.CANDLES: Endpoint("/v5/market/kline (ccxt fetch_ohlcv)", KLINE_LIMIT, DOC + "/kline"),
        DataKind.OI: Endpoint(
            "/v5/market/open-interest", OI_LIMIT, DOC + "/open-interest",
            note="base-coin OI valued at the 5m close",
        ),
        DataKind.FUNDING: Endpoint(
            "/v5/market/funding/history (ccxt fetch_funding_rate_history)", FUNDING_LIMIT,
            DOC + "/history-fund-rate",
        ),
        DataKind.LONG_SHORT: Endpoint("/v5/market/account-ratio", RATIO_LIMIT, DOC + "/long-short-ratio"),
        DataKind.BRACKETS: Endpoint("/v5/market/risk-limit", 0, DOC + "/risk-limit"),
    }  # fmt: skip
    unsupported: ClassVar[dict[DataKind, str]] = {
        DataKind.TAKER: "bybit publishes no taker buy/sell volume history over REST",
        DataKind.LIQUIDATIONS: "bybit serves liquidations only on the allLiquidation WebSocket "
        "topic; record them with `liqmap record --exchange bybit`",
    }
    budgets: ClassVar[dict[str, Budget]] = {"default": Budget(600, 5.0)}

    def native(self, symbol: str) -> str:
        """``BTC-USDT-SWAP``/``BTC`` -> ``BTCUSDT``."""
        return base_coin(symbol) + "USDT"

    def ccxt_symbol(self, symbol: str) -> str:
        """ccxt's unified symbol."""
        return f"{base_coin(symbol)}/USDT:USDT"

    def _pages(
        self, kind: DataKind, symbol: str, start_ms: int, end_ms: int, interval_ms: int
    ) -> AsyncIterator[Record]:
        if kind is DataKind.CANDLES:
            return self._ccxt_ohlcv(
                symbol,
                start_ms,
                end_ms,
                interval_ms,
                limit=KLINE_LIMIT,
                source="bybit /v5/market/kline",
            )
        if kind is DataKind.FUNDING:
            return self._ccxt_funding(
                symbol,
                start_ms,
                end_ms,
                limit=FUNDING_LIMIT,
                source="bybit /v5/market/funding/history",
            )
        if kind is DataKind.OI:
            return self._oi(symbol, start_ms, end_ms)
        return self._ratios(symbol, start_ms, end_ms)

    async def _oi(self, symbol: str, start_ms: int, end_ms: int) -> AsyncIterator[Record]:
        path = self.endpoints[DataKind.OI].path
        for a, b in windows(start_ms, end_ms, OI_LIMIT * _FIVE_MIN):
            resp = await self.http.get(
                path,
                {"category": "linear", "symbol": self.native(symbol), "intervalTime": "5min",
                 "startTime": a, "endTime": b - 1, "limit": OI_LIMIT},
                BybitResponse[BybitOpenInterestResult], check=_check,
            )  # fmt: skip
            rows = resp.result.list if resp.result else []
            bars = [
                p
                async for p in self._ccxt_ohlcv(
                    symbol,
                    a - _FIVE_MIN,
                    b,
                    _FIVE_MIN,
                    limit=KLINE_LIMIT,
                    source="bybit /v5/market/kline",
                )
                if len(p)
            ]
            prices = concat(bars) if bars else None
            yield parse.parse_open_interest(
                rows, prices if isinstance(prices, Candles) else None, source=f"bybit {path}"
            )

    async def _ratios(self, symbol: str, start_ms: int, end_ms: int) -> AsyncIterator[Record]:
        path = self.endpoints[DataKind.LONG_SHORT].path
        for a, b in windows(start_ms, end_ms, RATIO_LIMIT * _FIVE_MIN):
            resp = await self.http.get(
                path,
                {"category": "linear", "symbol": self.native(symbol), "period": "5min",
                 "startTime": a, "endTime": b - 1, "limit": RATIO_LIMIT},
                BybitResponse[BybitAccountRatioResult], check=_check,
            )  # fmt: skip
            rows = resp.result.list if resp.result else []
            yield parse.parse_long_short(rows, source=f"bybit {path}")

    async def margin_table(self, symbol: str) -> MarginTable:
        """Current risk-limit tiers of the linear perpetual."""
        path = self.endpoints[DataKind.BRACKETS].path
        resp = await self.http.get(
            path, {"category": "linear", "symbol": self.native(symbol)},
            BybitResponse[BybitRiskLimitResult], check=_check,
        )  # fmt: skip
        rows = resp.result.list if resp.result else []
        return parse.parse_risk_limits(
            rows, symbol=self.native(symbol), source=f"bybit GET {path} ({DOC}/risk-limit)"
        )
