"""What every venue client shares: construction from :class:`~liqmap.settings.Settings`, the
kind -> endpoint table, paging by time windows, and a uniform ``pages``/``fetch`` surface.

Clients are async (one concurrency model); the CLI wraps them with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import ClassVar, Self

import httpx

from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles
from liqmap.errors import ParameterError
from liqmap.exchanges._wire import num, parse_funding, parse_ohlcv
from liqmap.exchanges.records import DataKind, Endpoint, FundingRates, Record, concat
from liqmap.exchanges.rest import Budget, HttpClient, RetryPolicy, Sleep
from liqmap.settings import Settings

__all__ = ["INTERVALS_MS", "VenueClient", "base_coin", "interval_name", "store_symbol", "windows"]

INTERVALS_MS = {
    "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000,
    "1h": 3_600_000, "2h": 7_200_000, "4h": 14_400_000, "1d": 86_400_000,
}  # fmt: skip
_NAMES = {v: k for k, v in INTERVALS_MS.items()}
_HOUR_MS = 3_600_000

#: ``page(a, b)``: the venue's raw ``(time, rate)`` funding pairs of ``[a, b)``.
FundingPage = Callable[[int, int], Awaitable[Sequence[tuple[object, object]]]]
#: ``page(a, b)``: the venue's raw ``[time, open, high, low, close, volume]`` rows of ``[a, b)``.
CandlePage = Callable[[int, int], Awaitable[Sequence[Sequence[object]]]]


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
    rate limits as token buckets) and implement ``_pages`` for their kinds; a venue serving
    funding implements ``_funding_page`` (the windows are paged here).
    """

    venue: ClassVar[Venue]
    endpoints: ClassVar[Mapping[DataKind, Endpoint]] = {}
    unsupported: ClassVar[Mapping[DataKind, str]] = {}
    budgets: ClassVar[Mapping[str, Budget]] = {}
    funding_source: ClassVar[str] = ""  # names funding records; "": "<venue> <endpoint path>"

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
        if kind is DataKind.FUNDING:
            return self._funding(symbol, start_ms, end_ms)
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

    def native(self, symbol: str) -> str:
        """The venue's own spelling of ``symbol``."""
        raise NotImplementedError

    def _funding(self, symbol: str, start_ms: int, end_ms: int) -> AsyncIterator[Record]:
        """Funding history of ``symbol``: ``_funding_page`` in windows of the endpoint's page."""
        ep = self.endpoints[DataKind.FUNDING]
        source = self.funding_source or f"{self.venue.value} {ep.path.split()[0]}"
        return self._funding_windows(
            start_ms, end_ms, limit=ep.page_size, page=self._funding_page(symbol), source=source
        )

    def _funding_page(self, symbol: str) -> FundingPage:
        """``page(a, b)``: the raw ``(time, rate)`` pairs of ``[a, b)``, for venues serving funding."""
        raise NotImplementedError

    async def _funding_windows(
        self, start_ms: int, end_ms: int, *, limit: int, page: FundingPage, source: str
    ) -> AsyncIterator[Record]:
        """Funding history in windows that hold at most ``limit`` settlements.

        No venue settles more often than hourly, so a window of ``limit`` hours never overflows a
        page, whatever the symbol's funding interval; ``page(a, b)`` returns the raw
        ``(time, rate)`` pairs of ``[a, b)`` in any order.
        """
        for a, b in windows(start_ms, end_ms, limit * _HOUR_MS):
            rates = parse_funding(await page(a, b), venue=self.venue.value, source=source)
            keep = (rates.ts_ms >= a) & (rates.ts_ms < b)
            yield FundingRates(rates.ts_ms[keep], rates.rate[keep], source)

    async def _candle_windows(
        self, symbol: str, start_ms: int, end_ms: int, interval_ms: int, *, limit: int,
        page: CandlePage, source: str,
    ) -> AsyncIterator[Candles]:  # fmt: skip
        """Candles in windows of ``limit`` bars; ``page(a, b)`` returns raw
        ``[open_time, open, high, low, close, volume]`` rows of ``[a, b)`` in any order."""
        for a, b in windows(start_ms, end_ms, limit * interval_ms):
            rows = [r for r in await page(a, b) if r and a <= int(num(r[0], "time", "")) < b]
            yield parse_ohlcv(
                rows, symbol=self.native(symbol), interval_ms=interval_ms, venue=self.venue.value,
                source=source,
            )  # fmt: skip

    async def margin_table(self, symbol: str) -> MarginTable:
        """The venue's current maintenance-margin tiers for ``symbol``."""
        raise ParameterError(self.why_not(DataKind.BRACKETS))

    async def aclose(self) -> None:
        """Close the HTTP pool."""
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


def store_symbol(venue: Venue, symbol: str) -> str:
    """The symbol a venue's series are stored under: ``BTCUSDT`` on the linear USDT venues (as the
    recorder stores them), ``BTCUSD`` on Binance COIN-M, the coin (``BTC``) on Hyperliquid."""
    from liqmap.exchanges.registry import spec_for  # the registry imports this module

    return spec_for(venue).store_symbol(base_coin(symbol))
