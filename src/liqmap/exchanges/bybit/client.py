"""Bybit v5 public REST client (USDT perpetual, ``category=linear``).

==========  =====================================================  =====  =======================
kind        endpoint                                               page   history
==========  =====================================================  =====  =======================
candles     GET /v5/market/kline                                   1000   full
oi          GET /v5/market/open-interest (intervalTime=5min)       200    full; coin x price
funding     GET /v5/market/funding/history                         200    full
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
from liqmap.errors import ParameterError
from liqmap.exchanges.base import FundingPage, VenueClient, base_coin, interval_name, windows
from liqmap.exchanges.bybit import parse
from liqmap.exchanges.bybit.schemas import (
    BybitAccountRatioResult,
    BybitFundingResult,
    BybitKlineResult,
    BybitOpenInterestResult,
    BybitResponse,
    BybitRiskLimitResult,
)
from liqmap.exchanges.records import DataKind, Endpoint, Record, concat
from liqmap.exchanges.rest import Budget

__all__ = ["BybitClient"]

DOC = "https://bybit-exchange.github.io/docs/v5/market"
KLINE_LIMIT = 1000
OI_LIMIT = 200
RATIO_LIMIT = 500
FUNDING_LIMIT = 200
_FIVE_MIN = 300_000
# v5 kline ``interval`` codes (https://bybit-exchange.github.io/docs/v5/market/kline)
_KLINE_INTERVALS = {
    60_000: "1", 180_000: "3", 300_000: "5", 900_000: "15", 1_800_000: "30", 3_600_000: "60",
    7_200_000: "120", 14_400_000: "240", 86_400_000: "D",
}  # fmt: skip


def _check(resp: BybitResponse[Any], url: str) -> None:
    parse.check(resp, url)


class BybitClient(VenueClient):
    """Bybit USDT perpetual (linear)."""

    venue: ClassVar[Venue] = Venue.BYBIT
    endpoints: ClassVar[dict[DataKind, Endpoint]] = {
        DataKind.CANDLES: Endpoint("/v5/market/kline", KLINE_LIMIT, DOC + "/kline"),
        DataKind.OI: Endpoint(
            "/v5/market/open-interest", OI_LIMIT, DOC + "/open-interest",
            note="base-coin OI valued at the 5m close",
        ),
        DataKind.FUNDING: Endpoint(
            "/v5/market/funding/history", FUNDING_LIMIT,
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

    def _pages(
        self, kind: DataKind, symbol: str, start_ms: int, end_ms: int, interval_ms: int
    ) -> AsyncIterator[Record]:
        if kind is DataKind.CANDLES:
            return self._klines(symbol, start_ms, end_ms, interval_ms)
        if kind is DataKind.OI:
            return self._oi(symbol, start_ms, end_ms)
        return self._ratios(symbol, start_ms, end_ms)

    def _klines(
        self, symbol: str, start_ms: int, end_ms: int, interval_ms: int
    ) -> AsyncIterator[Candles]:
        code = _KLINE_INTERVALS.get(interval_ms)
        if code is None:
            raise ParameterError(
                f"bybit serves candles of {', '.join(map(interval_name, _KLINE_INTERVALS))}, "
                f"not {interval_ms} ms"
            )
        path = self.endpoints[DataKind.CANDLES].path

        async def page(a: int, b: int) -> list[list[str]]:
            resp = await self.http.get(
                path, {"category": "linear", "symbol": self.native(symbol), "interval": code,
                       "start": a, "end": b - 1, "limit": KLINE_LIMIT},
                BybitResponse[BybitKlineResult], check=_check,
            )  # fmt: skip
            return resp.result.list if resp.result else []

        return self._candle_windows(
            symbol, start_ms, end_ms, interval_ms, limit=KLINE_LIMIT, page=page,
            source=f"bybit {path}",
        )  # fmt: skip

    def _funding_page(self, symbol: str) -> FundingPage:
        path = self.endpoints[DataKind.FUNDING].path

        async def page(a: int, b: int) -> list[tuple[object, object]]:
            resp = await self.http.get(
                path, {"category": "linear", "symbol": self.native(symbol), "startTime": a,
                       "endTime": b - 1, "limit": FUNDING_LIMIT},
                BybitResponse[BybitFundingResult], check=_check,
            )  # fmt: skip
            rows = resp.result.list if resp.result else []
            return [(r.fundingRateTimestamp, r.fundingRate) for r in rows]

        return page

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
            bars = [p async for p in self._klines(symbol, a - _FIVE_MIN, b, _FIVE_MIN) if len(p)]
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
