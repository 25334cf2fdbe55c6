"""ccxt (async) for what it covers well (funding-rate history, OHLCV), behind liqmap's rules.

The ccxt exchange is pointed at ``Settings.rest_url(venue)`` by rewriting every entry of
``exchange.urls['api']`` that points at the venue's default host, so ``LIQMAP_<VENUE>_REST_URL``
(a proxy, or a local test server) applies to ccxt exactly as to our own REST. ccxt's HTTP answers
pass through :func:`liqmap.exchanges.http.error_for_status` (hooked in ``on_rest_response``), so
429/418/451/5xx/non-JSON map to the same liqmap errors, and calls are retried by the same
:class:`~liqmap.exchanges.http.RetryPolicy`. Markets are loaded for one market type only, which
keeps ccxt's start-up to one request.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from liqmap.domain.enums import Venue
from liqmap.errors import (
    ExchangeClientError,
    ExchangeError,
    ExchangeTimeoutError,
    MalformedResponseError,
)
from liqmap.exchanges.http import RateLimiter, RetryPolicy, Sleep, error_for_status, with_retries
from liqmap.net.deadline import DEFAULT_DEADLINE_S, DeadlineExceeded, within
from liqmap.settings import DEFAULT_REST_URLS

__all__ = ["CcxtBridge"]

T = TypeVar("T")

# ccxt id and the single market type liqmap loads, per venue.
_IDS: dict[Venue, tuple[str, str]] = {
    Venue.BINANCE: ("binanceusdm", "linear"),
    Venue.BINANCE_COINM: ("binancecoinm", "inverse"),
    Venue.BYBIT: ("bybit", "linear"),
    Venue.OKX: ("okx", "swap"),
    Venue.HYPERLIQUID: ("hyperliquid", "swap"),
}


def _rewrite(urls: Any, default: str, base: str, hostname: str) -> Any:
    if isinstance(urls, dict):
        return {k: _rewrite(v, default, base, hostname) for k, v in urls.items()}
    if isinstance(urls, str):
        url = urls.replace("{hostname}", hostname)
        return base + url[len(default) :] if url.startswith(default) else url
    return urls


class CcxtBridge:
    """One lazily created ccxt async exchange; :meth:`call` runs a coroutine on it with retries."""

    def __init__(
        self,
        venue: Venue,
        base_url: str,
        *,
        timeout_s: float,
        retry: RetryPolicy,
        deadline_s: float = DEFAULT_DEADLINE_S,
        limiter: RateLimiter,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.venue = venue
        self.base_url = base_url.rstrip("/")
        self._timeout_ms = int(timeout_s * 1000)
        self._deadline_s = deadline_s
        self._retry = retry
        self._limiter = limiter
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._ex: Any = None

    def _exchange(self) -> Any:
        if self._ex is None:
            import ccxt.async_support as ccxt_async  # type: ignore[import-untyped]

            ccxt_id, market_type = _IDS[self.venue]
            ex = getattr(ccxt_async, ccxt_id)(
                {
                    "enableRateLimit": True,
                    "enableLastJsonResponse": True,
                    "timeout": self._timeout_ms,
                    "options": {"fetchMarkets": {"types": [market_type]}},
                }
            )
            hostname = str(getattr(ex, "hostname", "") or "")
            ex.urls["api"] = _rewrite(
                ex.urls["api"], DEFAULT_REST_URLS[self.venue], self.base_url, hostname
            )
            ex.on_rest_response = self._hook
            self._ex = ex
        return self._ex

    def _hook(
        self, code: int, reason: str, url: str, method: str, headers: dict[str, str],
        body: str, request_headers: object, request_body: object,
    ) -> str:  # fmt: skip
        err = error_for_status(self.venue, int(code), headers or {}, body or "", url)
        if err is not None:
            raise err
        text = (body or "").strip()
        try:
            json.loads(text)
        except ValueError:
            raise MalformedResponseError(
                f"{self.venue.value} answered something that is not JSON at {url}; payload "
                f"starts {text[:200]!r}",
                raw=text, url=url,
            ) from None  # fmt: skip
        return text

    async def call(self, what: str, fn: Callable[[Any], Awaitable[T]], *, weight: float = 1.0) -> T:
        """Run ``fn(exchange)`` (``what`` names it in errors), mapping ccxt errors to liqmap's."""
        ex = self._exchange()

        async def once() -> T:
            await self._limiter.acquire("default", weight)
            return await self._once(ex, what, fn)

        return await with_retries(once, self._retry, sleep=self._sleep, rng=self._rng)

    async def _once(self, ex: Any, what: str, fn: Callable[[Any], Awaitable[T]]) -> T:
        import ccxt.async_support as ccxt_async

        name = self.venue.value
        try:
            return await within(self._deadline_s, lambda: fn(ex), what=what)
        except ExchangeError:
            raise
        except DeadlineExceeded:
            raise ExchangeTimeoutError(
                f"{name} did not finish {what} within the {self._deadline_s:g} s deadline "
                "(raise LIQMAP_HTTP_DEADLINE if your connection is slow)",
                url=self.base_url,
            ) from None
        except ccxt_async.RequestTimeout:
            raise ExchangeTimeoutError(
                f"{name} did not answer {what} within {self._timeout_ms / 1000:g} s "
                "(raise LIQMAP_HTTP_TIMEOUT if your connection is slow)",
                url=self.base_url,
            ) from None
        except ccxt_async.NetworkError as exc:
            raise ExchangeTimeoutError(
                f"connection to {name} failed during {what}: {exc}", url=self.base_url
            ) from None
        except ccxt_async.BaseError as exc:
            raise ExchangeClientError(f"{name} refused {what}: {exc}", url=self.base_url) from None
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raw = str(getattr(ex, "last_http_response", "") or "")
            raise MalformedResponseError(
                f"{name} answered {what} in a shape ccxt cannot read ({type(exc).__name__}: {exc})",
                raw=raw, url=self.base_url,
            ) from None  # fmt: skip

    async def aclose(self) -> None:
        """Close ccxt's aiohttp session (if one was opened)."""
        if self._ex is not None:
            ex, self._ex = self._ex, None
            await ex.close()
