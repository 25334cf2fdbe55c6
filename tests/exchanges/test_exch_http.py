"""The shared HTTP layer against a real local server: every fault of issue 4 section 6."""

from __future__ import annotations

import random
import time
from typing import Any

import httpx
import pytest
from _exch_wire import FAST, json_response
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from liqmap.domain.enums import Venue
from liqmap.errors import (
    ExchangeClientError,
    ExchangeServerError,
    ExchangeTimeoutError,
    GeoBlockedError,
    MalformedResponseError,
    RateLimitError,
)
from liqmap.exchanges.rest import (
    Budget,
    HttpClient,
    RateLimiter,
    RetryPolicy,
    parse_retry_after,
    with_retries,
)

PATH = "/fapi/v1/ping"


def _client(server: HTTPServer, **kw: Any) -> HttpClient:
    kw.setdefault("timeout_s", 2.0)
    kw.setdefault("retry", FAST)
    return HttpClient(Venue.BINANCE, server.url_for("").rstrip("/"), **kw)


def _sequence(*responses: Response) -> tuple[list[float], Any]:
    """A handler answering ``responses`` in turn (the last one repeats); logs request times."""
    seen: list[float] = []

    def handler(_req: Request) -> Response:
        seen.append(time.monotonic())
        return responses[min(len(seen), len(responses)) - 1]

    return seen, handler


@pytest.mark.asyncio
async def test_ok_decodes_into_the_type(server: HTTPServer) -> None:
    server.expect_request(PATH, query_string="a=1").respond_with_json([1, 2, 3])
    async with _client(server) as c:
        assert await c.get(PATH, {"a": 1, "skip": None}, list[int]) == [1, 2, 3]
        assert c.requests == 1 and c.retries == 0


@pytest.mark.asyncio
async def test_timeout_is_retried_then_reported(server: HTTPServer) -> None:
    def slow(_req: Request) -> Response:
        time.sleep(0.6)
        return json_response([])

    server.expect_request(PATH).respond_with_handler(slow)
    retry = RetryPolicy(attempts=2, base_s=0.01, cap_s=0.01)
    async with _client(server, timeout_s=0.2, retry=retry) as c:
        with pytest.raises(
            ExchangeTimeoutError, match=r"did not answer within 0.2 s.*LIQMAP_HTTP_TIMEOUT"
        ) as ei:
            await c.get(PATH, None, list[int])
        assert c.requests == 2
    assert "gave up after 2 tries" in str(ei.value)
    assert ei.value.retryable


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [429, 418])
async def test_rate_limit_waits_retry_after(server: HTTPServer, status: int) -> None:
    seen, handler = _sequence(
        json_response({"code": -1003, "msg": "Too many requests"}, status, {"Retry-After": "0.4"}),
        json_response([7]),
    )
    server.expect_request(PATH).respond_with_handler(handler)
    async with _client(server) as c:
        assert await c.get(PATH, None, list[int]) == [7]
        assert c.retries == 1
    assert len(seen) == 2
    assert seen[1] - seen[0] >= 0.39  # the Retry-After wait was honoured


@pytest.mark.asyncio
async def test_rate_limit_longer_than_allowed_is_raised_at_once(server: HTTPServer) -> None:
    seen, handler = _sequence(
        json_response(
            {"code": -1003, "msg": "IP banned until 1748169180000"}, 418, {"Retry-After": "600"}
        )
    )
    server.expect_request(PATH).respond_with_handler(handler)
    async with _client(server) as c:
        with pytest.raises(
            RateLimitError, match=r"banned this IP .*HTTP 418.*retry after 600 s"
        ) as ei:
            await c.get(PATH, None, list[int])
    assert ei.value.retry_after_s == 600.0 and ei.value.status == 418
    assert len(seen) == 1


@pytest.mark.asyncio
async def test_server_errors_then_success(server: HTTPServer) -> None:
    seen, handler = _sequence(
        Response("bad gateway", 502), Response("unavailable", 503), json_response([1])
    )
    server.expect_request(PATH).respond_with_handler(handler)
    async with _client(server) as c:
        assert await c.get(PATH, None, list[int]) == [1]
        assert c.retries == 2
    assert len(seen) == 3


@pytest.mark.asyncio
async def test_server_errors_are_bounded(server: HTTPServer) -> None:
    seen, handler = _sequence(Response("internal error", 500))
    server.expect_request(PATH).respond_with_handler(handler)
    async with _client(server) as c:
        with pytest.raises(
            ExchangeServerError, match=r"HTTP 500.*internal error.*gave up after 3 tries"
        ):
            await c.get(PATH, None, list[int])
    assert len(seen) == FAST.attempts


@pytest.mark.asyncio
async def test_451_is_geo_blocked_with_the_fix(server: HTTPServer) -> None:
    seen, handler = _sequence(
        json_response({"code": 0, "msg": "Service unavailable from a restricted location"}, 451)
    )
    server.expect_request(PATH).respond_with_handler(handler)
    async with _client(server) as c:
        with pytest.raises(GeoBlockedError, match=r"HTTP 451.*LIQMAP_BINANCE_REST_URL") as ei:
            await c.get(PATH, None, list[int])
    assert len(seen) == 1 and not ei.value.retryable
    assert isinstance(ei.value, ExchangeClientError)


@pytest.mark.asyncio
async def test_client_error_is_not_retried(server: HTTPServer) -> None:
    seen, handler = _sequence(json_response({"code": -1121, "msg": "Invalid symbol."}, 400))
    server.expect_request(PATH).respond_with_handler(handler)
    async with _client(server) as c:
        with pytest.raises(ExchangeClientError, match=r"HTTP 400.*Invalid symbol"):
            await c.get(PATH, None, list[int])
    assert len(seen) == 1


@pytest.mark.asyncio
async def test_malformed_json_keeps_the_raw_payload(server: HTTPServer) -> None:
    body = b"<html><body>502 upstream</body></html>"
    server.expect_request(PATH).respond_with_data(body, content_type="text/html")
    async with _client(server) as c:
        with pytest.raises(MalformedResponseError, match="not JSON") as ei:
            await c.get(PATH, None, list[int])
    assert ei.value.raw == body


@pytest.mark.asyncio
async def test_wrong_shape_json_is_malformed(server: HTTPServer) -> None:
    server.expect_request(PATH).respond_with_json({"unexpected": "object"})
    async with _client(server) as c:
        with pytest.raises(MalformedResponseError, match="not in the documented shape") as ei:
            await c.get(PATH, None, list[int])
    assert b"unexpected" in bytes(ei.value.raw)


@pytest.mark.asyncio
async def test_truncated_json_is_malformed(server: HTTPServer) -> None:
    server.expect_request(PATH).respond_with_data(
        b'[[1499040000000, "0.0163', content_type="application/json"
    )
    async with _client(server) as c:
        with pytest.raises(MalformedResponseError, match="not JSON"):
            await c.get(PATH, None, list[list[Any]])


@pytest.mark.asyncio
async def test_dropped_connection_is_retried_then_reported() -> None:
    calls = 0

    def drop(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.RemoteProtocolError("peer closed connection", request=request)

    c = HttpClient(
        Venue.OKX,
        "http://okx.invalid",
        timeout_s=1.0,
        retry=FAST,
        transport=httpx.MockTransport(drop),
    )
    async with c:
        with pytest.raises(ExchangeTimeoutError, match="failed or dropped"):
            await c.get("/api/v5/public/time", None, dict[str, Any])
    assert calls == FAST.attempts


@pytest.mark.asyncio
async def test_rate_limiter_spaces_requests_by_weight() -> None:
    now = [0.0]
    waits: list[float] = []

    async def sleep(s: float) -> None:
        waits.append(s)
        now[0] += s

    lim = RateLimiter({"default": Budget(10, 1.0)}, clock=lambda: now[0], sleep=sleep)
    await lim.acquire("default", 10)
    assert waits == []
    await lim.acquire("default", 5)
    assert waits == [pytest.approx(0.5)]
    now[0] += 1.0
    await lim.acquire("default", 10)
    assert waits == [pytest.approx(0.5)]
    await lim.acquire("other", 1e9)  # unknown buckets are unlimited


@pytest.mark.asyncio
async def test_backoff_is_exponential_with_jitter_and_bounded() -> None:
    waits: list[float] = []

    async def sleep(s: float) -> None:
        waits.append(s)

    async def fail() -> int:
        raise ExchangeServerError("boom")

    policy = RetryPolicy(attempts=5, base_s=1.0, cap_s=3.0)
    with pytest.raises(ExchangeServerError):
        await with_retries(fail, policy, sleep=sleep, rng=random.Random(1))
    assert len(waits) == 4
    assert all(0.0 <= w <= min(3.0, 2.0**i) for i, w in enumerate(waits))


def test_retry_after_parses_seconds_and_dates() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
