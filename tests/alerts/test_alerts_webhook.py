"""Webhook delivery against a real HTTP server on 127.0.0.1: payload, retries, backoff, 429,
timeouts, connection errors, de-duplication and the idempotency key."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from liqmap.alerts import Alert, WebhookConfig, WebhookSender
from liqmap.alerts.webhook import retry_after_s

T0 = 1_767_225_600_000
MIN = 60_000
PATH = "/hook"


def alert(
    ts_ms: int = T0, key: str = "near:BTCUSDT:cluster_proximity:long", cooldown_ms: int = 15 * MIN
) -> Alert:
    return Alert(
        rule="near", symbol="BTCUSDT", kind="cluster_proximity",
        message="BTCUSDT: a $2.0M long-liquidation cluster at 99.50 is 0.50% below the price",
        values={"side": "long", "cluster_usd": 2e6, "distance_pct": -0.5}, ts_ms=ts_ms,
        dedup_key=key, cooldown_ms=cooldown_ms,
    )  # fmt: skip


def hook(server: HTTPServer, **kw: Any) -> WebhookConfig:
    args: dict[str, Any] = {"name": "ops", "url": server.url_for(PATH), "timeout_s": 2.0,
                            "max_attempts": 4, "backoff_s": 0.1, "max_backoff_s": 1.0}  # fmt: skip
    return WebhookConfig(**(args | kw))


class Script:
    """A receiver handler answering with a scripted list of (status, headers, delay_s)."""

    def __init__(self, *steps: tuple[int, dict[str, str], float]) -> None:
        self.steps = list(steps)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append({"headers": dict(request.headers), "body": request.get_data()})
        status, headers, delay = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if delay:
            time.sleep(delay)
        return Response("nope" if status >= 300 else "ok", status=status, headers=headers)

    def header(self, name: str) -> list[str]:
        return [r["headers"].get(name) for r in self.requests]


def serve(server: HTTPServer, *steps: tuple[int, dict[str, str], float]) -> Script:
    script = Script(*steps)
    server.expect_request(PATH, method="POST").respond_with_handler(script)
    return script


OK = (200, {}, 0.0)


@pytest.mark.asyncio
async def test_payload_and_headers(receiver: HTTPServer, sleeps: Any) -> None:
    script = serve(receiver, OK)
    cfg = hook(receiver, headers={"Authorization": "Bearer t0ken"})
    a = alert()
    result = await WebhookSender(cfg, sleep=sleeps).send(a)
    assert (result.status, result.attempts, result.http_status, result.error) == (
        "delivered",
        1,
        200,
        "",
    )
    assert result.ok and result.webhook == "ops" and result.dedup_key == a.dedup_key
    (req,) = script.requests
    assert json.loads(req["body"]) == a.to_dict()
    h = req["headers"]
    assert h["Content-Type"] == "application/json"
    assert h["Idempotency-Key"] == a.idempotency_key and h["X-Liqmap-Attempt"] == "1"
    assert h["Authorization"] == "Bearer t0ken" and h["User-Agent"].startswith("liqmap")
    assert sleeps.delays == []


@pytest.mark.asyncio
async def test_retry_on_500_then_success_with_real_backoff(receiver: HTTPServer) -> None:
    script = serve(receiver, (500, {}, 0.0), OK)
    t = time.monotonic()
    result = await WebhookSender(hook(receiver, backoff_s=0.2)).send(alert())
    assert time.monotonic() - t >= 0.2
    assert (result.status, result.attempts, result.http_status) == ("delivered", 2, 200)
    keys = script.header("Idempotency-Key")
    assert keys == [alert().idempotency_key] * 2, "the same idempotency key on every attempt"
    assert script.header("X-Liqmap-Attempt") == ["1", "2"]
    assert script.requests[0]["body"] == script.requests[1]["body"]


@pytest.mark.asyncio
async def test_exponential_backoff_is_capped_and_attempts_bounded(
    receiver: HTTPServer, sleeps: Any
) -> None:
    script = serve(receiver, (503, {}, 0.0))
    cfg = hook(receiver, max_attempts=5, backoff_s=0.3, max_backoff_s=1.0)
    result = await WebhookSender(cfg, sleep=sleeps).send(alert())
    assert (result.status, result.attempts, result.http_status) == ("failed", 5, 503)
    assert len(script.requests) == 5
    assert sleeps.delays == pytest.approx([0.3, 0.6, 1.0, 1.0])
    assert result.error == "HTTP 503 from the receiver: nope; gave up after 5 attempt(s)"
    assert len(set(script.header("Idempotency-Key"))) == 1


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
async def test_no_retry_on_4xx(receiver: HTTPServer, sleeps: Any, status: int) -> None:
    script = serve(receiver, (status, {}, 0.0))
    result = await WebhookSender(hook(receiver), sleep=sleeps).send(alert())
    assert (result.status, result.attempts, result.http_status) == ("failed", 1, status)
    assert "not retried" in result.error and len(script.requests) == 1 and sleeps.delays == []


@pytest.mark.asyncio
async def test_429_retry_after_is_honoured(receiver: HTTPServer) -> None:
    script = serve(receiver, (429, {"Retry-After": "1"}, 0.0), OK)
    t = time.monotonic()
    result = await WebhookSender(hook(receiver, backoff_s=0.01)).send(alert())
    assert time.monotonic() - t >= 1.0, "waited the Retry-After, not the 0.01 s backoff"
    assert (result.status, result.attempts) == ("delivered", 2)
    assert len(script.requests) == 2


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("headers", "needle"),
    [({}, "without Retry-After"), ({"Retry-After": "120"}, "more than max_backoff_s")],
)
async def test_429_not_retried_without_usable_retry_after(
    receiver: HTTPServer, sleeps: Any, headers: dict[str, str], needle: str
) -> None:
    script = serve(receiver, (429, headers, 0.0), OK)
    result = await WebhookSender(hook(receiver), sleep=sleeps).send(alert())
    assert (result.status, result.attempts, result.http_status) == ("failed", 1, 429)
    assert needle in result.error and len(script.requests) == 1


@pytest.mark.asyncio
async def test_timeout_is_retried(receiver: HTTPServer, sleeps: Any) -> None:
    script = serve(receiver, (200, {}, 1.0), OK)  # the first answer comes too late
    result = await WebhookSender(hook(receiver, timeout_s=0.2), sleep=sleeps).send(alert())
    assert (result.status, result.attempts) == ("delivered", 2)
    assert len(sleeps.delays) == 1
    assert script.header("Idempotency-Key")[0] == script.header("Idempotency-Key")[1]


@pytest.mark.asyncio
async def test_timeout_every_time_fails(receiver: HTTPServer, sleeps: Any) -> None:
    serve(receiver, (200, {}, 0.6))
    result = await WebhookSender(hook(receiver, timeout_s=0.15, max_attempts=2), sleep=sleeps).send(
        alert()
    )
    assert (result.status, result.attempts, result.http_status) == ("failed", 2, None)
    assert result.error == "timed out after 0.15 s; gave up after 2 attempt(s)"


@pytest.mark.asyncio
async def test_connection_refused_is_retried_then_fails(sleeps: Any) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = WebhookConfig(
        name="down", url=f"http://127.0.0.1:{port}/x", max_attempts=3, backoff_s=0.1
    )
    result = await WebhookSender(cfg, sleep=sleeps).send(alert())
    assert (result.status, result.attempts) == ("failed", 3)
    assert result.error.startswith("connection failed (ConnectError")
    assert sleeps.delays == pytest.approx([0.1, 0.2])


@pytest.mark.asyncio
async def test_redirect_is_not_followed(receiver: HTTPServer, sleeps: Any) -> None:
    serve(receiver, (307, {"Location": "http://elsewhere.test/"}, 0.0))
    result = await WebhookSender(hook(receiver), sleep=sleeps).send(alert())
    assert result.status == "failed" and "not followed" in result.error


@pytest.mark.asyncio
async def test_deduplicated_within_the_cooldown(receiver: HTTPServer, sleeps: Any) -> None:
    script = serve(receiver, OK)
    sender = WebhookSender(hook(receiver), sleep=sleeps)
    first = await sender.send(alert(T0))
    again = await sender.send(alert(T0 + 15 * MIN - 1))
    other = await sender.send(alert(T0 + MIN, key="near:BTCUSDT:cluster_proximity:short"))
    after = await sender.send(alert(T0 + 15 * MIN))
    assert [r.status for r in (first, again, other, after)] == [
        "delivered", "duplicate", "delivered", "delivered",
    ]  # fmt: skip
    assert again.ok and again.attempts == 0 and "within the cooldown (15m)" in again.error
    assert len(script.requests) == 3
    assert script.header("Idempotency-Key")[0] != script.header("Idempotency-Key")[2]


@pytest.mark.asyncio
async def test_zero_cooldown_drops_only_exact_repeats(receiver: HTTPServer, sleeps: Any) -> None:
    script = serve(receiver, OK)
    sender = WebhookSender(hook(receiver), sleep=sleeps)
    results = [await sender.send(alert(ts, cooldown_ms=0)) for ts in (T0, T0, T0 + 1)]
    assert [r.status for r in results] == ["delivered", "duplicate", "delivered"]
    assert len(script.requests) == 2


@pytest.mark.asyncio
async def test_failed_delivery_is_tried_again_later(receiver: HTTPServer, sleeps: Any) -> None:
    script = serve(receiver, (400, {}, 0.0), OK)
    sender = WebhookSender(hook(receiver), sleep=sleeps)
    assert (await sender.send(alert(T0))).status == "failed"
    assert (await sender.send(alert(T0 + MIN))).status == "delivered", "failure is not remembered"
    assert (await sender.send(alert(T0 + 2 * MIN))).status == "duplicate"
    assert len(script.requests) == 2


def test_retry_after_forms() -> None:
    assert retry_after_s("2", 0.0) == 2.0 and retry_after_s(" 0.5 ", 0.0) == 0.5
    assert retry_after_s("-3", 0.0) == 0.0
    assert retry_after_s("Wed, 21 Oct 2015 07:28:05 GMT", 1445412480.0) == pytest.approx(5.0)
    assert retry_after_s("soon", 0.0) is None and retry_after_s(None, 0.0) is None
    assert retry_after_s("nan", 0.0) is None
