"""The one async HTTP layer every venue's public REST client uses (httpx, injectable transport).

* **Timeouts**: ``Settings.http_timeout_s`` per read/connect and ``Settings.http_deadline_s``
  for the whole request (:func:`liqmap.net.within`: a server trickling bytes cannot hold it); a
  timeout, an expired deadline or a dropped connection is an
  :class:`~liqmap.errors.ExchangeTimeoutError` (retryable).
* **Retries** (:mod:`liqmap.net.retry`, re-exported here): bounded (``RetryPolicy.attempts``),
  exponential backoff with full jitter, only for retryable errors (timeouts, 5xx, 429/418). A
  429/418 waits exactly its ``Retry-After``.
* **Status mapping** (:func:`error_for_status`, over :func:`liqmap.net.retry.error_for_status`): 451 -> :class:`~liqmap.errors.GeoBlockedError`
  naming the ``LIQMAP_<VENUE>_REST_URL`` fix; other 4xx -> ``ExchangeClientError`` (fatal);
  5xx -> ``ExchangeServerError``; 429/418 -> ``RateLimitError(retry_after_s)``.
* **Bodies**: decoded by msgspec straight into the venue's wire structs; a body that is not JSON,
  or JSON of another shape, is a :class:`~liqmap.errors.MalformedResponseError` keeping the raw
  payload.
* **Weight budgets** (:class:`RateLimiter`): token buckets per venue (and per endpoint family where
  the venue limits them separately) so a long sync stays under the published limits.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import msgspec

from liqmap.domain.enums import Venue
from liqmap.errors import ExchangeError, ExchangeTimeoutError, MalformedResponseError
from liqmap.net.deadline import DEFAULT_DEADLINE_S, DeadlineExceeded, within
from liqmap.net.retry import RetryPolicy, Sleep, parse_retry_after, with_retries
from liqmap.net.retry import error_for_status as net_error_for_status

__all__ = [
    "Budget",
    "Check",
    "HttpClient",
    "RateLimiter",
    "RetryPolicy",
    "Sleep",
    "decode",
    "env_key",
    "error_for_status",
    "parse_retry_after",
    "with_retries",
]

T = TypeVar("T")
Check = Callable[[Any, str], None]
_SNIPPET = 300


def env_key(venue: Venue) -> str:
    """The environment variable that overrides a venue's REST base URL."""
    return f"LIQMAP_{venue.name}_REST_URL"


@dataclass(frozen=True, slots=True)
class Budget:
    """A token bucket: ``capacity`` weight units, refilled evenly over ``per_s`` seconds."""

    capacity: float
    per_s: float

    @property
    def rate(self) -> float:
        """Weight units regained per second."""
        return self.capacity / self.per_s


class RateLimiter:
    """Named token buckets; :meth:`acquire` waits until the bucket holds the request's weight."""

    def __init__(
        self,
        budgets: Mapping[str, Budget],
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._budgets = dict(budgets)
        self._tokens = {k: b.capacity for k, b in self._budgets.items()}
        self._stamp = {k: clock() for k in self._budgets}
        self._locks = {k: asyncio.Lock() for k in self._budgets}
        self._clock = clock
        self._sleep = sleep
        self.waited_s = 0.0

    async def acquire(self, bucket: str, weight: float = 1.0) -> None:
        """Take ``weight`` units from ``bucket`` (unknown buckets are unlimited)."""
        budget = self._budgets.get(bucket)
        if budget is None:
            return
        weight = min(weight, budget.capacity)
        async with self._locks[bucket]:
            now = self._clock()
            tokens = min(
                budget.capacity, self._tokens[bucket] + (now - self._stamp[bucket]) * budget.rate
            )
            if tokens < weight:
                wait = (weight - tokens) / budget.rate
                self.waited_s += wait
                await self._sleep(wait)
                now = self._clock()
                tokens = weight
            self._tokens[bucket] = tokens - weight
            self._stamp[bucket] = now


def _snippet(body: bytes | str) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = " ".join(text.split())
    return text if len(text) <= _SNIPPET else text[:_SNIPPET] + "..."


def error_for_status(
    venue: Venue, status: int, headers: Mapping[str, str], body: bytes | str, url: str
) -> ExchangeError | None:
    """The liqmap error for an HTTP status, or ``None`` for a success (2xx/3xx)."""
    key = env_key(venue)
    return net_error_for_status(
        status, headers, url, who=venue.value, said=_snippet(body),
        geo_fix=(
            f"Set {key} to a proxy or mirror of the same API that you are allowed to use, e.g. "
            f"{key}=https://my-proxy.example/{venue.value}"
        ),
        hint_403=" (Bybit and Binance answer 403 to an IP they have banned for too many requests)",
    )  # fmt: skip


def decode(raw: bytes, typ: type[T], *, venue: Venue, url: str) -> T:
    """Decode a body into a wire struct; non-JSON or the wrong shape -> MalformedResponseError."""
    try:
        return msgspec.json.decode(raw, type=typ)
    except msgspec.ValidationError as exc:
        raise MalformedResponseError(
            f"{venue.value} answered JSON that is not in the documented shape at {url}: {exc} "
            f"(payload starts {_snippet(raw)!r})",
            raw=raw, url=url,
        ) from None  # fmt: skip
    except msgspec.DecodeError as exc:
        raise MalformedResponseError(
            f"{venue.value} answered something that is not JSON at {url} ({exc}); "
            f"payload starts {_snippet(raw)!r}",
            raw=raw, url=url,
        ) from None  # fmt: skip


class HttpClient:
    """Async JSON-over-HTTP client of one venue: base URL, timeout, retries, weight budgets."""

    def __init__(
        self,
        venue: Venue,
        base_url: str,
        *,
        timeout_s: float,
        deadline_s: float = DEFAULT_DEADLINE_S,
        budgets: Mapping[str, Budget] | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.venue = venue
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.deadline_s = deadline_s
        self.retry = retry or RetryPolicy()
        self.limiter = RateLimiter(budgets or {}, sleep=sleep)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
            headers={"User-Agent": "liqmap", "Accept": "application/json"},
        )
        self.requests = 0
        self.retries = 0

    async def get(
        self, path: str, params: Mapping[str, Any] | None, typ: type[T], *,
        weight: float = 1.0, bucket: str = "default", check: Check | None = None,
    ) -> T:  # fmt: skip
        """GET ``path`` with query ``params`` and decode the JSON body into ``typ``.

        ``check(decoded, url)`` runs inside the retry loop: it raises for errors the venue reports
        in a 200 body (Bybit ``retCode``, OKX ``code``), so retryable ones are retried too.
        """
        return await self._request("GET", path, params, None, typ, weight, bucket, check)

    async def post(
        self, path: str, body: Mapping[str, Any], typ: type[T], *,
        weight: float = 1.0, bucket: str = "default", check: Check | None = None,
    ) -> T:  # fmt: skip
        """POST a JSON ``body`` to ``path`` and decode the JSON answer into ``typ``."""
        return await self._request("POST", path, None, body, typ, weight, bucket, check)

    async def _request(
        self, method: str, path: str, params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None, typ: type[T], weight: float, bucket: str,
        check: Check | None,
    ) -> T:  # fmt: skip
        async def once() -> T:
            await self.limiter.acquire(bucket, weight)
            out = await self._once(method, path, params, body, typ)
            if check is not None:
                check(out, f"{self.base_url}{path}")
            return out

        def count(_err: ExchangeError, _wait: float) -> None:
            self.retries += 1

        return await with_retries(
            once, self.retry, sleep=self._sleep, rng=self._rng, on_retry=count
        )

    async def _once(
        self, method: str, path: str, params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None, typ: type[T],
    ) -> T:  # fmt: skip
        url = f"{self.base_url}{path}"
        self.requests += 1
        query = {k: v for k, v in (params or {}).items() if v is not None}

        async def call() -> tuple[httpx.Response, bytes]:
            resp = await self._client.request(method, path, params=query, json=body)
            return resp, await resp.aread()

        try:
            resp, raw = await within(self.deadline_s, call, what=f"{method} {url}")
        except DeadlineExceeded:
            raise ExchangeTimeoutError(
                f"{self.venue.value} did not finish answering within the {self.deadline_s:g} s "
                f"deadline at {url} (raise LIQMAP_HTTP_DEADLINE if your connection is slow)",
                url=url,
            ) from None
        except httpx.TimeoutException:
            raise ExchangeTimeoutError(
                f"{self.venue.value} did not answer within {self.timeout_s:g} s at {url} "
                "(raise LIQMAP_HTTP_TIMEOUT if your connection is slow)",
                url=url,
            ) from None
        except httpx.TransportError as exc:
            raise ExchangeTimeoutError(
                f"connection to {self.venue.value} at {url} failed or dropped: {exc!r}", url=url
            ) from None
        err = error_for_status(self.venue, resp.status_code, resp.headers, raw, str(resp.url))
        if err is not None:
            raise err
        return decode(raw, typ, venue=self.venue, url=str(resp.url))

    def set_header(self, name: str, value: str) -> None:
        """Send ``name: value`` with every later request (e.g. Binance's ``X-MBX-APIKEY``)."""
        self._client.headers[name] = value

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
