"""Binance USD-M (``fapi``) and COIN-M (``dapi``) public REST clients.

=====================  ==========================================  =====  ===================
kind                   endpoint                                    page   history
=====================  ==========================================  =====  ===================
candles                GET /fapi/v1/klines (/dapi/v1/klines)       1500   full
oi                     GET /futures/data/openInterestHist          500    30 days
taker                  GET /futures/data/takerlongshortRatio       500    30 days (USD-M)
long_short             GET /futures/data/globalLongShortAccountRatio 500  30 days (USD-M)
funding                GET /fapi/v1/fundingRate                    1000   full
=====================  ==========================================  =====  ===================

Not public: maintenance brackets (``/fapi/v1/leverageBracket`` is a signed USER_DATA endpoint:
liqmap ships a dated table instead) and liquidation history (``/fapi/v1/allForceOrders`` is no
longer served publicly: record ``!forceOrder@arr``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

from liqmap.domain.enums import Venue
from liqmap.exchanges.base import FundingPage, VenueClient, base_coin, interval_name, windows
from liqmap.exchanges.binance import parse
from liqmap.exchanges.binance.schemas import (
    BinanceFundingRate,
    BinanceKline,
    BinanceLongShortRatio,
    BinanceOpenInterestHist,
    BinanceTakerLongShortRatio,
)
from liqmap.exchanges.records import DataKind, Endpoint, Record
from liqmap.exchanges.rest import Budget

__all__ = ["BinanceClient", "BinanceCoinmClient"]

DOC = "https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api"
DOC_CM = (
    "https://developers.binance.com/docs/derivatives/coin-margined-futures/market-data/rest-api"
)
_DAY = 86_400_000
_DATA_PERIOD = 300_000  # 5m: the finest period of the /futures/data statistics
KLINE_LIMIT = 1500
DATA_LIMIT = 500
FUNDING_LIMIT = 1000


def kline_weight(limit: int) -> float:
    """Request weight of a klines call by ``limit`` (Binance: <100: 1, <500: 2, <=1000: 5, else 10)."""
    return 1.0 if limit < 100 else 2.0 if limit < 500 else 5.0 if limit <= 1000 else 10.0


class BinanceClient(VenueClient):
    """Binance USD-M futures (linear, ``fapi``)."""

    venue: ClassVar[Venue] = Venue.BINANCE
    prefix: ClassVar[str] = "/fapi/v1"
    coinm: ClassVar[bool] = False
    endpoints: ClassVar[dict[DataKind, Endpoint]] = {
        DataKind.CANDLES: Endpoint("/fapi/v1/klines", KLINE_LIMIT, DOC + "/Kline-Candlestick-Data"),
        DataKind.OI: Endpoint(
            "/futures/data/openInterestHist", DATA_LIMIT, DOC + "/Open-Interest-Statistics",
            history_ms=30 * _DAY, note="only the latest 30 days; older OI: liqmap download --kind metrics",
        ),
        DataKind.TAKER: Endpoint(
            "/futures/data/takerlongshortRatio", DATA_LIMIT, DOC + "/Taker-BuySell-Volume",
            history_ms=30 * _DAY,
        ),
        DataKind.LONG_SHORT: Endpoint(
            "/futures/data/globalLongShortAccountRatio", DATA_LIMIT, DOC + "/Long-Short-Ratio",
            history_ms=30 * _DAY,
        ),
        DataKind.FUNDING: Endpoint(
            "/fapi/v1/fundingRate", FUNDING_LIMIT,
            DOC + "/Get-Funding-Rate-History",
        ),
    }  # fmt: skip
    unsupported: ClassVar[dict[DataKind, str]] = {
        DataKind.BRACKETS: "binance serves leverage brackets only to signed requests "
        "(GET /fapi/v1/leverageBracket needs an API key); liqmap uses its dated bracket table "
        "or --brackets FILE",
        DataKind.LIQUIDATIONS: "binance no longer serves liquidation history over public REST "
        "(/fapi/v1/allForceOrders); record the !forceOrder@arr stream with `liqmap record`",
    }
    # REQUEST_WEIGHT 2400/min per IP (exchangeInfo); /futures/data: 1000 requests/5 min per IP;
    # fundingRate shares 500 requests/5 min per IP.
    budgets: ClassVar[dict[str, Budget]] = {
        "default": Budget(2400, 60.0), "data": Budget(1000, 300.0), "funding": Budget(500, 300.0),
    }  # fmt: skip

    def native(self, symbol: str) -> str:
        """``BTC-USDT-SWAP``/``BTC`` -> ``BTCUSDT``."""
        return base_coin(symbol) + "USDT"

    def _data_params(self, symbol: str) -> dict[str, Any]:
        return {"symbol": self.native(symbol)}

    def _pages(
        self, kind: DataKind, symbol: str, start_ms: int, end_ms: int, interval_ms: int
    ) -> AsyncIterator[Record]:
        if kind is DataKind.CANDLES:
            return self._klines(symbol, start_ms, end_ms, interval_ms)
        return self._data(kind, symbol, start_ms, end_ms)

    def _funding_page(self, symbol: str) -> FundingPage:
        path = self.endpoints[DataKind.FUNDING].path.split()[0]

        async def page(a: int, b: int) -> list[tuple[object, object]]:
            rows = await self.http.get(
                path, {"symbol": self.native(symbol), "startTime": a, "endTime": b - 1,
                       "limit": FUNDING_LIMIT},
                list[BinanceFundingRate], bucket="funding",
            )  # fmt: skip
            return [(r.fundingTime, r.fundingRate) for r in rows]

        return page

    async def _klines(
        self, symbol: str, start_ms: int, end_ms: int, interval_ms: int
    ) -> AsyncIterator[Record]:
        name = interval_name(interval_ms)
        path = self.endpoints[DataKind.CANDLES].path
        cursor = start_ms
        while cursor < end_ms:
            b = min(end_ms, cursor + KLINE_LIMIT * interval_ms)
            got = await self.http.get(
                path,
                {"symbol": self.native(symbol), "interval": name, "startTime": cursor,
                 "endTime": b - 1, "limit": KLINE_LIMIT},
                list[BinanceKline], weight=kline_weight(KLINE_LIMIT),
            )  # fmt: skip
            rows = [r for r in got if cursor <= r.openTime < b]
            yield parse.parse_klines(
                rows, symbol=self.native(symbol), interval_ms=interval_ms, coinm=self.coinm,
                source=f"{self.venue.value} {path}",
            )  # fmt: skip
            # a full page may stop short of the window (e.g. repeated rows): go on from its end
            full = len(got) >= KLINE_LIMIT and rows
            cursor = max(r.openTime for r in rows) + interval_ms if full else b

    async def _data(
        self, kind: DataKind, symbol: str, start_ms: int, end_ms: int
    ) -> AsyncIterator[Record]:
        ep = self.endpoints[kind]
        typ: Any = {
            DataKind.OI: list[BinanceOpenInterestHist],
            DataKind.TAKER: list[BinanceTakerLongShortRatio],
            DataKind.LONG_SHORT: list[BinanceLongShortRatio],
        }[kind]
        src = f"{self.venue.value} {ep.path}"
        for a, b in windows(start_ms, end_ms, DATA_LIMIT * _DATA_PERIOD):
            params = self._data_params(symbol) | {
                "period": "5m", "startTime": a, "endTime": b - 1, "limit": DATA_LIMIT,
            }  # fmt: skip
            rows = [
                r
                for r in await self.http.get(ep.path, params, typ, bucket="data")
                if a <= r.timestamp < b
            ]
            if kind is DataKind.OI:
                usd = parse.coinm_contract_usd(symbol) if self.coinm else None
                yield parse.parse_open_interest(rows, contract_usd=usd, source=src)
            elif kind is DataKind.TAKER:
                yield parse.parse_taker(rows, interval_ms=_DATA_PERIOD, source=src)
            else:
                yield parse.parse_long_short(rows, source=src)


class BinanceCoinmClient(BinanceClient):
    """Binance COIN-M futures (inverse, ``dapi``): candles, OI and funding of the perpetual."""

    venue: ClassVar[Venue] = Venue.BINANCE_COINM
    prefix: ClassVar[str] = "/dapi/v1"
    coinm: ClassVar[bool] = True
    endpoints: ClassVar[dict[DataKind, Endpoint]] = {
        DataKind.CANDLES: Endpoint("/dapi/v1/klines", KLINE_LIMIT, DOC_CM + "/Kline-Candlestick-Data"),
        DataKind.OI: Endpoint(
            "/futures/data/openInterestHist", DATA_LIMIT, DOC_CM + "/Open-Interest-Statistics",
            history_ms=30 * _DAY, note="contracts x face value (100 USD BTC, 10 USD others)",
        ),
        DataKind.FUNDING: Endpoint(
            "/dapi/v1/fundingRate", FUNDING_LIMIT,
            DOC_CM + "/Get-Funding-Rate-History-of-Perpetual-Futures",
        ),
    }  # fmt: skip
    unsupported: ClassVar[dict[DataKind, str]] = dict(BinanceClient.unsupported) | {
        DataKind.TAKER: "binance-coinm taker volume (/futures/data/takerBuySellVol) is not wired "
        "in liqmap; COIN-M klines already carry taker-buy volume",
        DataKind.LONG_SHORT: "binance-coinm long/short ratio is not wired in liqmap",
    }

    def native(self, symbol: str) -> str:
        """``BTCUSD`` -> ``BTCUSD_PERP`` (the perpetual)."""
        return base_coin(symbol) + "USD_PERP"

    def _data_params(self, symbol: str) -> dict[str, Any]:
        return {"pair": base_coin(symbol) + "USD", "contractType": "PERPETUAL"}
