"""What every venue client shares: construction from :class:`~liqmap.settings.Settings`, the
kind -> endpoint table, paging by time windows, and a uniform ``pages``/``fetch`` surface.

Clients are async (one concurrency model); the CLI wraps them with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any, ClassVar, Self

import httpx

from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles
from liqmap.errors import MalformedResponseError, ParameterError
from liqmap.exchanges._ccxt import CcxtBridge
from liqmap.exchanges._wire import parse_ccxt_funding, parse_ccxt_ohlcv
from liqmap.exchanges.http import Budget, HttpClient, RetryPolicy, Sleep
from liqmap.exchanges.records import DataKind, Endpoint, FundingRates, Record, concat
from liqmap.settings import Settings

__all__ = ["INTERVALS_MS", "VenueClient", "base_coin", "interval_name", "windows"]

INTERVALS_MS = {
    "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000,
    "1h": 3_600_000, "2h": 7_200_000, "4h": 14_400_000, "1d": 86_400_000,
}  # fmt: skip
_NAMES = {v: k for k, v in INTERVALS_MS.items()}


def interval_name(interval_ms: int) -> str:
    """``60_000 -> '1m'``; unknown intervals are a ParameterError listing the known ones."""
    try:
        return _NAMES[interval_ms]
    except KeyError:
        raise ParameterError(
            f"interval of {interval_ms} ms is not one the venues serve; use one of "
            + ", ".join(INTERVALS_MS)
        ) from None


def windows(start_ms: int, end_ms: int, step_ms: int) -> Iterator[tuple[int, int]]:
    """``[start, end)`` cut into consecutive ``[a, b)`` windows of at most ``step_ms``."""
    a = start_ms
    while a < end_ms:
        b = min(end_ms, a + step_ms)
        yield a, b
        a = b


class VenueClient:
    """Base of the per-venue REST clients.

    Subclasses set ``venue``, ``endpoints`` (the kinds they serve), ``budgets`` (published
    rate limits as token buckets) and implement ``_pages`` for their kinds.
    """

    venue: ClassVar[Venue]
    endpoints: ClassVar[Mapping[DataKind, Endpoint]] = {}
    unsupported: ClassVar[Mapping[DataKind, str]] = {}
    budgets: ClassVar[Mapping[str, Budget]] = {}

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.settings = settings or Settings.from_env()
        base = self.settings.rest_url(self.venue)
        self.http = HttpClient(
            self.venue, base, timeout_s=self.settings.http_timeout_s,
            deadline_s=self.settings.http_deadline_s, budgets=self.budgets,
            retry=retry, transport=transport, sleep=sleep,
        )  # fmt: skip
        self.ccxt = CcxtBridge(
            self.venue, base, timeout_s=self.settings.http_timeout_s, retry=self.http.retry,
            deadline_s=self.settings.http_deadline_s,
            limiter=self.http.limiter, sleep=sleep,
        )  # fmt: skip

    def supports(self, kind: DataKind) -> bool:
        """True when this venue serves ``kind`` over public REST."""
        return kind in self.endpoints

    def depth_ms(self, kind: DataKind, interval_ms: int) -> int | None:
        """How far back ``kind`` is served (``None``: full history; 0: current value only)."""
        ep = self.endpoints.get(kind)
        return None if ep is None else ep.history_ms

    def why_not(self, kind: DataKind) -> str:
        """Why ``kind`` is not served (empty when it is)."""
        if self.supports(kind):
            return ""
        return self.unsupported.get(
            kind, f"{self.venue.value} has no public REST endpoint for {kind.value}"
        )

    def pages(
        self, kind: DataKind, symbol: str, start_ms: int, end_ms: int, *, interval_ms: int = 60_000
    ) -> AsyncIterator[Record]:
        """Records of ``kind`` for ``[start_ms, end_ms)``, one page (request) at a time."""
        if not self.supports(kind):
            raise ParameterError(self.why_not(kind))
        if end_ms <= start_ms:
            raise ParameterError(f"empty time range [{start_ms}, {end_ms})")
        return self._pages(kind, symbol, start_ms, end_ms, interval_ms)

    def _pages(
        self, kind: DataKind, symbol: str, start_ms: int, end_ms: int, interval_ms: int
    ) -> AsyncIterator[Record]:
        raise ParameterError(self.why_not(kind))

    async def fetch(
        self, kind: DataKind, symbol: str, start_ms: int, end_ms: int, *, interval_ms: int = 60_000
    ) -> Record | None:
        """All pages of ``kind`` joined into one record (``None`` when the venue had nothing)."""
        got = [
            p async for p in self.pages(kind, symbol, start_ms, end_ms, interval_ms=interval_ms)
            if len(p)
        ]  # fmt: skip
        return concat(got) if got else None

    def ccxt_symbol(self, symbol: str) -> str:
        """ccxt's unified symbol of the venue's perpetual for ``symbol``."""
        raise NotImplementedError

    def native(self, symbol: str) -> str:
        """The venue's own spelling of ``symbol``."""
        raise NotImplementedError

    async def _ccxt_funding(
        self, symbol: str, start_ms: int, end_ms: int, *, limit: int, source: str,
        until: str = "until", weight: float = 1.0,
    ) -> AsyncIterator[Record]:  # fmt: skip
        """Funding history through ccxt, paged forward by time (shared by every venue)."""
        sym = self.ccxt_symbol(symbol)
        since = start_ms
        while since < end_ms:

            async def page(ex: Any, s: int = since) -> list[dict[str, Any]]:
                out: list[dict[str, Any]] = await ex.fetch_funding_rate_history(
                    sym, since=s, limit=limit, params={until: end_ms - 1}
                )
                raw = getattr(ex, "last_json_response", None)
                if isinstance(raw, list) and raw and not out:  # ccxt dropped unreadable items
                    raise MalformedResponseError(
                        f"{self.venue.value} answered funding items ccxt cannot read: {raw[:2]!r}",
                        raw=repr(raw[:5]),
                    )
                return out

            items = await self.ccxt.call(f"funding history of {sym}", page, weight=weight)
            rates = parse_ccxt_funding(items, venue=self.venue.value, source=source)  # validates
            keep = (rates.ts_ms >= since) & (rates.ts_ms < end_ms)
            if not keep.any():
                return
            yield FundingRates(rates.ts_ms[keep], rates.rate[keep], source)
            since = int(rates.ts_ms[keep].max()) + 1

    async def _ccxt_ohlcv(
        self, symbol: str, start_ms: int, end_ms: int, interval_ms: int, *, limit: int, source: str
    ) -> AsyncIterator[Candles]:
        """Candles through ccxt ``fetch_ohlcv``, one window of ``limit`` bars per request."""
        sym, tf = self.ccxt_symbol(symbol), interval_name(interval_ms)
        for a, b in windows(start_ms, end_ms, limit * interval_ms):

            async def page(ex: Any, a: int = a, b: int = b) -> list[list[Any]]:
                out: list[list[Any]] = await ex.fetch_ohlcv(
                    sym, tf, since=a, limit=limit, params={"until": b - 1}
                )
                return out

            rows = await self.ccxt.call(f"{tf} candles of {sym}", page)
            rows = [r for r in rows if r and isinstance(r[0], int) and a <= r[0] < b]
            yield parse_ccxt_ohlcv(
                rows, symbol=self.native(symbol), interval_ms=interval_ms, venue=self.venue.value,
                source=source,
            )  # fmt: skip

    async def margin_table(self, symbol: str) -> MarginTable:
        """The venue's current maintenance-margin tiers for ``symbol``."""
        raise ParameterError(self.why_not(DataKind.BRACKETS))

    async def aclose(self) -> None:
        """Close the HTTP pool and ccxt's session."""
        try:
            await self.ccxt.aclose()
        finally:
            await self.http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def base_coin(symbol: str) -> str:
    """The base coin of a user's symbol in any venue's spelling: ``BTCUSDT``, ``BTC-USDT-SWAP``,
    ``BTC/USDT:USDT``, ``BTCUSD_PERP``, ``BTC`` -> ``BTC``."""
    s = symbol.strip().upper()
    for sep in ("/", "-", "_", ":"):
        s = s.split(sep)[0]
    for quote in ("USDT", "USDC", "USD"):
        if s.endswith(quote) and len(s) > len(quote):
            return s[: -len(quote)]
    return s
