"""OKX v5 public REST client (USDT-margined perpetual swaps, ``BTC-USDT-SWAP``).

============  ==================================================================  =====  =============
kind          endpoint                                                            page   history
============  ==================================================================  =====  =============
candles       GET /api/v5/market/history-candles                                   100    full
oi            GET /api/v5/rubik/stat/contracts/open-interest-history (5m)         100    latest 1,440
taker         GET /api/v5/rubik/stat/taker-volume-contract (5m, unit=0)           100    latest 1,440
long_short    GET /api/v5/rubik/stat/contracts/long-short-account-ratio-contract  100    latest 1,440
funding       GET /api/v5/public/funding-rate-history                              100    3 months
brackets      GET /api/v5/public/position-tiers (+ instruments, mark-price)       all    current
liquidations  GET /api/v5/public/liquidation-orders (state=filled)                100    recent only
============  ==================================================================  =====  =============

Limits (per IP): rubik open-interest-history 10 requests / 2 s, the other rubik endpoints
5 / 2 s, public data 20 / 2 s (https://www.okx.com/docs-v5/en/#trading-statistics-rest-api).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles
from liqmap.errors import ParameterError, UnknownSymbolError
from liqmap.exchanges._wire import num
from liqmap.exchanges.base import FundingPage, VenueClient, base_coin, interval_name, windows
from liqmap.exchanges.okx import parse
from liqmap.exchanges.okx.schemas import (
    OkxCandleRow,
    OkxFundingRate,
    OkxInstrument,
    OkxLiquidation,
    OkxLongShortRow,
    OkxMarkPrice,
    OkxOpenInterestRow,
    OkxPositionTier,
    OkxResponse,
    OkxTakerVolumeRow,
)
from liqmap.exchanges.records import DataKind, Endpoint, Record
from liqmap.exchanges.rest import Budget

__all__ = ["OkxClient"]

DOC = "https://www.okx.com/docs-v5/en/"
RUBIK_LIMIT = 100
CANDLE_LIMIT = 100
FUNDING_LIMIT = 100
_FIVE_MIN = 300_000
_RUBIK_DEPTH = 1440 * _FIVE_MIN
# candle ``bar`` codes (UTC days), https://www.okx.com/docs-v5/en/#order-book-trading-market-data
_BARS = {
    60_000: "1m", 180_000: "3m", 300_000: "5m", 900_000: "15m", 1_800_000: "30m",
    3_600_000: "1H", 7_200_000: "2H", 14_400_000: "4H", 86_400_000: "1Dutc",
}  # fmt: skip


def _check(resp: OkxResponse[Any], url: str) -> None:
    parse.check(resp, url)


class OkxClient(VenueClient):
    """OKX USDT-margined perpetual swaps."""

    venue: ClassVar[Venue] = Venue.OKX
    endpoints: ClassVar[dict[DataKind, Endpoint]] = {
        DataKind.CANDLES: Endpoint(
            "/api/v5/market/history-candles", CANDLE_LIMIT,
            DOC + "#order-book-trading-market-data-get-candlesticks-history",
        ),
        DataKind.OI: Endpoint(
            "/api/v5/rubik/stat/contracts/open-interest-history", RUBIK_LIMIT,
            DOC + "#trading-statistics-rest-api-get-contract-open-interest-history",
            history_ms=_RUBIK_DEPTH, note="latest 1,440 entries per period (5 days at 5m)",
        ),
        DataKind.TAKER: Endpoint(
            "/api/v5/rubik/stat/taker-volume-contract", RUBIK_LIMIT,
            DOC + "#trading-statistics-rest-api-get-contract-taker-volume", history_ms=_RUBIK_DEPTH,
        ),
        DataKind.LONG_SHORT: Endpoint(
            "/api/v5/rubik/stat/contracts/long-short-account-ratio-contract", RUBIK_LIMIT,
            DOC + "#trading-statistics-rest-api-get-contract-long-short-ratio", history_ms=_RUBIK_DEPTH,
        ),
        DataKind.FUNDING: Endpoint(
            "/api/v5/public/funding-rate-history", FUNDING_LIMIT,
            DOC + "#public-data-rest-api-get-funding-rate-history", history_ms=92 * 86_400_000,
        ),
        DataKind.BRACKETS: Endpoint(
            "/api/v5/public/position-tiers", 0, DOC + "#public-data-rest-api-get-position-tiers"
        ),
        DataKind.LIQUIDATIONS: Endpoint(
            "/api/v5/public/liquidation-orders", 100,
            DOC + "#public-data-rest-api-get-liquidation-orders", note="recent orders only",
        ),
    }  # fmt: skip
    budgets: ClassVar[dict[str, Budget]] = {
        "default": Budget(20, 2.0), "rubik": Budget(5, 2.0), "rubik_oi": Budget(10, 2.0),
    }  # fmt: skip

    def native(self, symbol: str) -> str:
        """``BTCUSDT`` -> ``BTC-USDT-SWAP``."""
        return f"{base_coin(symbol)}-USDT-SWAP"

    def _pages(
        self, kind: DataKind, symbol: str, start_ms: int, end_ms: int, interval_ms: int
    ) -> AsyncIterator[Record]:
        if kind is DataKind.CANDLES:
            return self._candles(symbol, start_ms, end_ms, interval_ms)
        if kind is DataKind.LIQUIDATIONS:
            return self._liquidations(symbol, start_ms, end_ms)
        return self._rubik(kind, symbol, start_ms, end_ms)

    def _candles(
        self, symbol: str, start_ms: int, end_ms: int, interval_ms: int
    ) -> AsyncIterator[Candles]:
        bar = _BARS.get(interval_ms)
        if bar is None:
            raise ParameterError(
                f"okx serves candles of {', '.join(map(interval_name, _BARS))}, not {interval_ms} ms"
            )
        path = self.endpoints[DataKind.CANDLES].path

        async def page(a: int, b: int) -> list[list[str]]:
            # ``after``: older than (exclusive), ``before``: newer than (exclusive)
            resp = await self.http.get(
                path, {"instId": self.native(symbol), "bar": bar, "after": b, "before": a - 1,
                       "limit": CANDLE_LIMIT},
                OkxResponse[OkxCandleRow], check=_check,
            )  # fmt: skip
            return [[r.ts, r.o, r.h, r.l, r.c, r.volCcy or r.vol] for r in resp.data]

        return self._candle_windows(
            symbol, start_ms, end_ms, interval_ms, limit=CANDLE_LIMIT, page=page,
            source=f"okx {path}",
        )  # fmt: skip

    def _funding_page(self, symbol: str) -> FundingPage:
        path = self.endpoints[DataKind.FUNDING].path

        async def page(a: int, b: int) -> list[tuple[object, object]]:
            resp = await self.http.get(
                path, {"instId": self.native(symbol), "after": b, "before": a - 1,
                       "limit": FUNDING_LIMIT},
                OkxResponse[OkxFundingRate], check=_check,
            )  # fmt: skip
            return [(r.fundingTime, r.fundingRate) for r in resp.data]

        return page

    async def _rubik(
        self, kind: DataKind, symbol: str, start_ms: int, end_ms: int
    ) -> AsyncIterator[Record]:
        ep = self.endpoints[kind]
        src = f"okx {ep.path}"
        typ: Any = {
            DataKind.OI: OkxResponse[OkxOpenInterestRow],
            DataKind.TAKER: OkxResponse[OkxTakerVolumeRow],
            DataKind.LONG_SHORT: OkxResponse[OkxLongShortRow],
        }[kind]
        bucket = "rubik_oi" if kind is DataKind.OI else "rubik"
        for a, b in windows(start_ms, end_ms, RUBIK_LIMIT * _FIVE_MIN):
            params: dict[str, Any] = {
                "instId": self.native(symbol), "period": "5m", "begin": a, "end": b - 1,
                "limit": RUBIK_LIMIT,
            }  # fmt: skip
            if kind is DataKind.TAKER:
                params["unit"] = 0
            resp = await self.http.get(ep.path, params, typ, bucket=bucket, check=_check)
            rows = [r for r in resp.data if a <= int(num(r.ts, "ts", "okx")) < b]
            if kind is DataKind.OI:
                yield parse.parse_open_interest(rows, source=src)
            elif kind is DataKind.TAKER:
                yield parse.parse_taker(rows, interval_ms=_FIVE_MIN, source=src)
            else:
                yield parse.parse_long_short(rows, source=src)

    async def contract_value(self, symbol: str) -> float:
        """``ctVal`` of the swap (base coin per contract, e.g. 0.01 BTC)."""
        resp = await self.http.get(
            "/api/v5/public/instruments", {"instType": "SWAP", "instId": self.native(symbol)},
            OkxResponse[OkxInstrument], check=_check,
        )  # fmt: skip
        for inst in resp.data:
            if inst.instId == self.native(symbol):
                return num(inst.ctVal, "ctVal", "okx")
        raise UnknownSymbolError(f"okx lists no swap {self.native(symbol)!r}")

    async def mark_price(self, symbol: str) -> float:
        """Current mark price of the swap."""
        resp = await self.http.get(
            "/api/v5/public/mark-price", {"instType": "SWAP", "instId": self.native(symbol)},
            OkxResponse[OkxMarkPrice], check=_check,
        )  # fmt: skip
        if not resp.data:
            raise UnknownSymbolError(f"okx has no mark price for {self.native(symbol)!r}")
        return num(resp.data[0].markPx, "markPx", "okx")

    async def margin_table(self, symbol: str) -> MarginTable:
        """Cross-margin position tiers, converted from contracts to USDT at the mark price."""
        family = self.native(symbol).removesuffix("-SWAP")
        path = self.endpoints[DataKind.BRACKETS].path
        resp = await self.http.get(
            path, {"instType": "SWAP", "tdMode": "cross", "instFamily": family},
            OkxResponse[OkxPositionTier], check=_check,
        )  # fmt: skip
        ct_val, mark = await self.contract_value(symbol), await self.mark_price(symbol)
        return parse.parse_position_tiers(
            resp.data, symbol=self.native(symbol), usd_per_contract=ct_val * mark,
            source=f"okx GET {path} (contracts x ctVal {ct_val:g} x mark {mark:g})",
        )  # fmt: skip

    async def _liquidations(self, symbol: str, start_ms: int, end_ms: int) -> AsyncIterator[Record]:
        path = self.endpoints[DataKind.LIQUIDATIONS].path
        inst = self.native(symbol)
        ct_val = await self.contract_value(symbol)
        after: int | None = None
        while True:
            params: dict[str, Any] = {
                "instType": "SWAP", "instFamily": inst.removesuffix("-SWAP"), "state": "filled",
                "limit": 100, "after": after,
            }  # fmt: skip
            resp = await self.http.get(path, params, OkxResponse[OkxLiquidation], check=_check)
            ev = parse.parse_liquidations(
                resp.data, inst_id=inst, ct_val=ct_val, source=f"okx {path}"
            )
            if not len(ev):
                return
            yield ev.between(start_ms, end_ms)
            oldest = int(ev.ts_ms[0])
            if oldest <= start_ms or (after is not None and oldest >= after):
                return
            after = oldest
