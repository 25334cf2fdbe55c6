"""The template venue's public REST client: one ``Endpoint`` per kind it serves.

Wire format (replace with the venue's, and copy its JSON field names exactly): ``GET
/v1/klines?symbol=BTCUSDT&interval=1m&start=<ms>&end=<ms>&limit=500`` answers
``[[open_time_ms, "open", "high", "low", "close", "volume"], ...]``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import ClassVar

from liqmap.domain.venue import Venue
from liqmap.exchanges._template.venue import VENUE
from liqmap.exchanges.base import VenueClient, base_coin, interval_name
from liqmap.exchanges.records import DataKind, Endpoint, Record
from liqmap.exchanges.rest import Budget

__all__ = ["KLINE_LIMIT", "TemplateClient"]

DOC = "https://docs.template.example/api"
KLINE_LIMIT = 500


class TemplateClient(VenueClient):
    """Candles over ``/v1/klines``; the other kinds are not served (``unsupported`` says why)."""

    venue: ClassVar[Venue] = VENUE
    endpoints: ClassVar[dict[DataKind, Endpoint]] = {
        DataKind.CANDLES: Endpoint("/v1/klines", KLINE_LIMIT, DOC + "#klines"),
    }
    unsupported: ClassVar[dict[DataKind, str]] = {
        DataKind.OI: "the template venue publishes no open-interest history",
    }
    budgets: ClassVar[dict[str, Budget]] = {"default": Budget(capacity=20, per_s=1.0)}

    def native(self, symbol: str) -> str:
        """``BTC-USDT``/``BTC`` -> ``BTCUSDT``."""
        return base_coin(symbol) + "USDT"

    def _pages(
        self, kind: DataKind, symbol: str, start_ms: int, end_ms: int, interval_ms: int
    ) -> AsyncIterator[Record]:
        path = self.endpoints[DataKind.CANDLES].path

        async def page(a: int, b: int) -> list[list[str | float]]:
            params = {
                "symbol": self.native(symbol),
                "interval": interval_name(interval_ms),
                "start": a,
                "end": b - 1,
                "limit": KLINE_LIMIT,
            }
            return await self.http.get(path, params, list[list[str | float]])

        return self._candle_windows(
            symbol,
            start_ms,
            end_ms,
            interval_ms,
            limit=KLINE_LIMIT,
            page=page,
            source=f"{self.venue.value} {path}",
        )
