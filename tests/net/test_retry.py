"""The one network policy (liqmap.net.retry): Retry-After, backoff, status mapping, the loop."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from liqmap.alerts.config_file import WebhookConfig
from liqmap.alerts.webhook import policy_of
from liqmap.archive.fetch import ARCHIVE_RETRY
from liqmap.errors import (
    ExchangeClientError,
    ExchangeError,
    ExchangeServerError,
    GeoBlockedError,
    ParameterError,
    RateLimitError,
)
from liqmap.net.deadline import Deadline
from liqmap.net.retry import RetryPolicy, error_for_status, parse_retry_after, with_retries


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()
    assert parse_retry_after("2", now) == 2.0 and parse_retry_after(" 0.5 ", now) == 0.5
    assert parse_retry_after(format_datetime(datetime(2026, 1, 2, 3, 4, 35, tzinfo=UTC)), now) == 30
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now) == 0.0  # past: no wait
    assert parse_retry_after("-3", now) == 0.0
    for bad in (None, "", "soon", "nan", "inf"):
        assert parse_retry_after(bad, now) is None


@pytest.mark.parametrize(
    ("jitter", "low", "high"), [("full", 0.0, 4.0), ("equal", 2.0, 4.0), ("none", 4.0, 4.0)]
)
def test_backoff_doubles_to_its_cap_with_the_chosen_jitter(
    jitter: str, low: float, high: float
) -> None:
    policy = RetryPolicy(base_s=1.0, cap_s=4.0, jitter=jitter)  # type: ignore[arg-type]
    rng = random.Random(7)
    waits = [policy.backoff_s(5, rng) for _ in range(200)]
    assert low <= min(waits) and max(waits) <= high
    assert RetryPolicy(base_s=1.0, cap_s=1e9, jitter="none").backoff_s(3, rng) == 8.0
    assert RetryPolicy(base_s=1.0, jitter="none").backoff_s(10_000, rng) == 20.0  # no overflow


def test_a_long_retry_after_gives_up_or_is_capped() -> None:
    err = RateLimitError("slow down", retry_after_s=600.0)
    rng = random.Random(0)
    assert RetryPolicy(max_retry_after_s=300.0).wait_s(err, 0, rng) is None
    assert ARCHIVE_RETRY.wait_s(err, 0, rng) == 30.0
    assert RetryPolicy().wait_s(RateLimitError("x", retry_after_s=2.0), 0, rng) == 2.0
    bare = RateLimitError("429 and nothing else")
    assert RetryPolicy(jitter="none", base_s=1.0).wait_s(bare, 0, rng) == 1.0
    hook = policy_of(WebhookConfig(name="h", url="https://x.example/h"))
    assert hook.wait_s(bare, 0, rng) is None  # a receiver's bare 429 is final
    assert RetryPolicy(attempts=2).wait_s(ExchangeServerError("x"), 1, rng) is None
    assert RetryPolicy().wait_s(ExchangeClientError("x"), 0, rng) is None


def test_the_policy_rejects_bad_values() -> None:
    with pytest.raises(ParameterError, match="attempts must be >= 1"):
        RetryPolicy(attempts=0)
    with pytest.raises(ParameterError, match=r"RetryPolicy\.cap_s"):
        RetryPolicy(cap_s=float("nan"))


def test_status_mapping() -> None:
    def err(status: int, headers: dict[str, str] | None = None) -> ExchangeError | None:
        return error_for_status(
            status,
            headers or {},
            "https://x.example/a",
            who="x",
            said="body",
            geo_fix="Set LIQMAP_X_REST_URL to a proxy",
            hint_403=" (an IP ban?)",
        )

    assert err(200) is None and err(304) is None
    limited = err(429, {"Retry-After": "3"})
    assert isinstance(limited, RateLimitError) and limited.retry_after_s == 3.0
    banned = err(418)
    assert isinstance(banned, RateLimitError) and "banned this IP" in str(banned)
    geo = err(451)
    assert isinstance(geo, GeoBlockedError) and str(geo).endswith(
        "Set LIQMAP_X_REST_URL to a proxy"
    )
    assert isinstance(err(503), ExchangeServerError) and err(503).retryable  # type: ignore[union-attr]
    forbidden = err(403)
    assert type(forbidden) is ExchangeClientError and "(an IP ban?): body" in str(forbidden)


def test_the_loop_retries_then_names_why_it_stopped() -> None:
    sleeps: list[float] = []

    async def sleep(s: float) -> None:
        sleeps.append(s)

    async def failing() -> int:
        raise ExchangeServerError("down")

    policy = RetryPolicy(attempts=3, base_s=1.0, jitter="none")
    with pytest.raises(ExchangeServerError, match=r"down \(gave up after 3 tries\)"):
        asyncio.run(with_retries(failing, policy, sleep=sleep))
    assert sleeps == [1.0, 2.0]

    stops: list[tuple[int, str]] = []
    with pytest.raises(ExchangeServerError):
        asyncio.run(
            with_retries(
                failing,
                RetryPolicy(attempts=5, base_s=10.0, jitter="none"),
                sleep=sleep,
                deadline=Deadline(5.0),
                on_give_up=lambda e, n, why: stops.append((n, why)),
            )
        )
    assert stops == [(1, "deadline")]

    calls = 0

    async def flaky() -> int:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise RateLimitError("busy", retry_after_s=0.25)
        return calls

    sleeps.clear()
    assert asyncio.run(with_retries(flaky, RetryPolicy(), sleep=sleep)) == 3
    assert sleeps == [0.25, 0.25]
