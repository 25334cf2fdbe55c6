"""Hyperliquid public ``POST /info`` client (perpetuals, USDC-margined).

=======  ==========================================================  ======  =====================
kind     request (``POST /info``)                                    page    history
=======  ==========================================================  ======  =====================
candles  ``{"type": "candleSnapshot", "req": {coin, interval, ...}}``  5000   the latest 5,000 bars
oi       ``{"type": "metaAndAssetCtxs"}`` openInterest x markPx      1       current value only
funding  ``{"type": "fundingHistory", "coin", "startTime", ...}``      500    full
brackets ``{"type": "metaAndAssetCtxs"}`` meta.marginTables          all    current
=======  ==========================================================  ======  =====================

Positions: ``{"type": "clearinghouseState", "user": "0x..."}`` (see ``positions.py``).
No public taker-flow, long/short or liquidation history (liquidations appear only in each
account's own fills). Limit: 1,200 weight per minute per IP; ``clearinghouseState`` weighs 2,
``candleSnapshot`` 20 plus 1 per 60 candles returned, other info requests 20
(https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits-and-user-limits).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.exchanges.base import FundingPage, VenueClient, base_coin, interval_name, windows
from liqmap.exchanges.hyperliquid import parse
from liqmap.exchanges.hyperliquid.schemas import (
    HlCandle,
    HlClearinghouseState,
    HlFunding,
    HlMetaAndAssetCtxs,
)
from liqmap.exchanges.records import DataKind, Endpoint, Record
from liqmap.exchanges.rest import Budget

__all__ = ["HyperliquidClient"]

DOC = "https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint"
CANDLE_LIMIT = 5000
FUNDING_LIMIT = 500
WEIGHT_INFO = 20.0
WEIGHT_CLEARINGHOUSE = 2.0
_META_TYPE: Any = HlMetaAndAssetCtxs  # a tuple type alias; msgspec decodes it as [meta, ctxs]


class HyperliquidClient(VenueClient):
    """Hyperliquid perpetuals."""

    venue: ClassVar[Venue] = Venue.HYPERLIQUID
    endpoints: ClassVar[dict[DataKind, Endpoint]] = {
        DataKind.CANDLES: Endpoint(
            "/info candleSnapshot", CANDLE_LIMIT, DOC + "#candle-snapshot",
            note="only the most recent 5,000 candles of each interval",
        ),
        DataKind.OI: Endpoint(
            "/info metaAndAssetCtxs", 1, DOC + "/perpetuals", history_ms=0,
            note="current value only: each sync stores one snapshot",
        ),
        DataKind.FUNDING: Endpoint(
            "/info fundingHistory", FUNDING_LIMIT,
            DOC + "/perpetuals#retrieve-historical-funding-rates",
        ),
        DataKind.BRACKETS: Endpoint("/info metaAndAssetCtxs marginTables", 0, DOC + "/perpetuals"),
    }  # fmt: skip
    unsupported: ClassVar[dict[DataKind, str]] = {
        DataKind.TAKER: "hyperliquid publishes no taker buy/sell volume history",
        DataKind.LONG_SHORT: "hyperliquid publishes no long/short ratio",
        DataKind.LIQUIDATIONS: "hyperliquid has no public liquidation history (liquidations show "
        "only in each account's own fills)",
    }
    budgets: ClassVar[dict[str, Budget]] = {"default": Budget(1200, 60.0)}
    funding_source: ClassVar[str] = "hyperliquid fundingHistory"

    def native(self, symbol: str) -> str:
        """``BTCUSDT`` -> ``BTC``."""
        return base_coin(symbol)

    def depth_ms(self, kind: DataKind, interval_ms: int) -> int | None:
        """How far back ``kind`` is served at ``interval_ms`` (None: full history)."""
        if kind is DataKind.CANDLES:
            return CANDLE_LIMIT * interval_ms
        return super().depth_ms(kind, interval_ms)

    def _pages(
        self, kind: DataKind, symbol: str, start_ms: int, end_ms: int, interval_ms: int
    ) -> AsyncIterator[Record]:
        if kind is DataKind.CANDLES:
            return self._candles(symbol, start_ms, end_ms, interval_ms)
        return self._oi(symbol, start_ms, end_ms)

    def _funding_page(self, symbol: str) -> FundingPage:
        coin = self.native(symbol)

        async def page(a: int, b: int) -> list[tuple[object, object]]:
            rows = await self.http.post(
                "/info", {"type": "fundingHistory", "coin": coin, "startTime": a, "endTime": b - 1},
                list[HlFunding], weight=WEIGHT_INFO + FUNDING_LIMIT / 20.0,
            )  # fmt: skip
            return [(r.time, r.fundingRate) for r in rows]

        return page

    async def _candles(
        self, symbol: str, start_ms: int, end_ms: int, interval_ms: int
    ) -> AsyncIterator[Record]:
        coin, name = self.native(symbol), interval_name(interval_ms)
        for a, b in windows(start_ms, end_ms, CANDLE_LIMIT * interval_ms):
            rows = await self.http.post(
                "/info",
                {"type": "candleSnapshot", "req": {"coin": coin, "interval": name, "startTime": a, "endTime": b - 1}},
                list[HlCandle], weight=WEIGHT_INFO + (b - a) / interval_ms / 60.0,
            )  # fmt: skip
            rows = [r for r in rows if a <= r.t < b]
            yield parse.parse_candles(
                rows, coin=coin, interval_ms=interval_ms, source="hyperliquid candleSnapshot"
            )

    async def meta_and_asset_ctxs(self) -> HlMetaAndAssetCtxs:
        """``[meta, assetCtxs]`` of every perpetual."""
        return await self.http.post(
            "/info", {"type": "metaAndAssetCtxs"}, _META_TYPE, weight=WEIGHT_INFO
        )

    async def _oi(self, symbol: str, start_ms: int, end_ms: int) -> AsyncIterator[Record]:
        now = int(time.time() * 1000)
        data = await self.meta_and_asset_ctxs()
        oi = parse.parse_snapshot_oi(
            data, self.native(symbol), now, source="hyperliquid metaAndAssetCtxs"
        )
        yield oi

    async def open_interest_now(self, coin: str) -> tuple[float, float]:
        """``(open interest in coin, mark price)`` right now."""
        _, oi, mark = parse.asset_context(await self.meta_and_asset_ctxs(), coin)
        return oi, mark

    async def margin_table(self, symbol: str) -> MarginTable:
        """The coin's margin tiers from ``meta.marginTables``."""
        data = await self.meta_and_asset_ctxs()
        return parse.parse_margin_table(
            data,
            self.native(symbol),
            source=f"hyperliquid POST /info metaAndAssetCtxs marginTables ({DOC}/perpetuals)",
        )

    async def clearinghouse_state(self, address: str) -> HlClearinghouseState:
        """One account's perpetuals summary and positions (weight 2)."""
        return await self.http.post(
            "/info", {"type": "clearinghouseState", "user": address}, HlClearinghouseState,
            weight=WEIGHT_CLEARINGHOUSE,
        )  # fmt: skip
