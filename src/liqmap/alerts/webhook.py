"""Webhook delivery: POST the alert's JSON, retry with exponential backoff, de-duplicate.

The retry loop, ``Retry-After`` parsing and backoff are :mod:`liqmap.net.retry`'s (policy
:func:`policy_of`); this module only says what each answer means.

Per attempt (at most ``max_attempts``):

======================================  ==========================================================
outcome                                 next
======================================  ==========================================================
2xx                                     delivered
5xx, timeout, connection error          retry after ``min(max_backoff_s, backoff_s * 2**(n-1))``
429 with ``Retry-After`` (seconds or    retry after that many seconds, if <= ``max_backoff_s``;
an HTTP date)                           otherwise failed
429 without ``Retry-After``, other 4xx  failed, not retried (the request itself is refused)
3xx                                     failed, not followed (configure the final URL)
======================================  ==========================================================

The whole delivery (every attempt and every wait) ends within ``deadline_s``
(:class:`liqmap.net.Deadline`): a receiver trickling its answer a byte at a time is cut off
and the delivery reported failed, instead of holding its caller forever.

Every attempt carries ``Idempotency-Key: <alert.idempotency_key>`` (the same on every retry, and
for the same alert after a restart) and ``X-Liqmap-Attempt: <n>``. An alert whose ``dedup_key``
was delivered (or is being delivered) within its cooldown is not sent again (status
``duplicate``); a failed delivery is forgotten, so the next evaluation may try again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

import httpx

from liqmap.alerts.alert import Alert
from liqmap.alerts.config_file import WebhookConfig
from liqmap.alerts.cooldown import CooldownGate
from liqmap.core.reading import format_duration
from liqmap.errors import (
    ExchangeClientError,
    ExchangeError,
    ExchangeServerError,
    ExchangeTimeoutError,
    RateLimitError,
)
from liqmap.net.deadline import Deadline, DeadlineExceeded, within
from liqmap.net.retry import GiveUp, RetryPolicy, parse_retry_after, with_retries

__all__ = [
    "DeliveryResult",
    "DeliveryStatus",
    "Sleep",
    "WebhookSender",
    "policy_of",
    "retry_after_s",
]

DeliveryStatus = Literal["delivered", "duplicate", "failed"]
Sleep = Callable[[float], Awaitable[None]]


def _user_agent() -> str:
    try:
        return f"liqmap/{version('liqmap')}"
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "liqmap"


USER_AGENT = _user_agent()


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What happened to one alert at one webhook."""

    webhook: str
    rule: str
    symbol: str
    dedup_key: str
    idempotency_key: str
    status: DeliveryStatus
    attempts: int = 0
    http_status: int | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        """True unless the delivery failed (a duplicate is not a failure)."""
        return self.status != "failed"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "webhook": self.webhook, "rule": self.rule, "symbol": self.symbol,
            "dedup_key": self.dedup_key, "idempotency_key": self.idempotency_key,
            "status": self.status, "attempts": self.attempts, "http_status": self.http_status,
            "error": self.error,
        }  # fmt: skip


def retry_after_s(value: str | None, now_s: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: ``'2'``, ``'0.5'`` or an HTTP date
    (:func:`liqmap.net.retry.parse_retry_after`)."""
    return parse_retry_after(value, now_s)


def policy_of(config: WebhookConfig) -> RetryPolicy:
    """The webhook's :class:`~liqmap.net.retry.RetryPolicy`: deterministic backoff, a 429 waits
    its ``Retry-After`` only when it is given and at most ``max_backoff_s``."""
    return RetryPolicy(
        attempts=config.max_attempts, base_s=config.backoff_s, cap_s=config.max_backoff_s,
        max_retry_after_s=config.max_backoff_s, jitter="none", over_limit="give_up",
        retry_rate_limit_without_wait=False,
    )  # fmt: skip


class WebhookSender:
    """Delivers alerts to one webhook.

    Each :meth:`send` opens its own short-lived ``httpx.AsyncClient``, so a sender works from any
    event loop or thread (alerts are rare; a connection per alert is cheap). ``transport`` and
    ``sleep`` are injectable for tests; ``gate`` (default: a new :class:`CooldownGate`) holds the
    de-duplication memory.
    """

    def __init__(
        self,
        config: WebhookConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        gate: CooldownGate | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._transport = transport
        self._sleep = sleep
        self._gate = gate if gate is not None else CooldownGate()
        self._clock = clock

    def _result(
        self, alert: Alert, status: DeliveryStatus, attempts: int, http: int | None, error: str
    ) -> DeliveryResult:
        return DeliveryResult(
            self.config.name, alert.rule, alert.symbol, alert.dedup_key, alert.idempotency_key,
            status, attempts, http, error,
        )  # fmt: skip

    async def send(self, alert: Alert) -> DeliveryResult:
        """Deliver ``alert`` unless its ``dedup_key`` was delivered within its cooldown."""
        if not self._gate.admit(alert):
            why = f"same dedup_key delivered within the cooldown ({format_duration(alert.cooldown_ms)})"
            return self._result(alert, "duplicate", 0, None, why)
        try:
            async with httpx.AsyncClient(
                transport=self._transport,
                timeout=httpx.Timeout(self.config.timeout_s),
                follow_redirects=False,
            ) as client:
                result = await self._deliver(client, alert)
        except BaseException:
            self._gate.forget(alert)
            raise
        if result.status == "failed":
            self._gate.forget(alert)
        return result

    async def _deliver(self, client: httpx.AsyncClient, alert: Alert) -> DeliveryResult:
        cfg = self.config
        headers = {
            **cfg.headers,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Idempotency-Key": alert.idempotency_key,
        }
        body = alert.to_json().encode("utf-8")
        budget = Deadline(cfg.deadline_s)
        tries = 0

        async def attempt() -> int:
            nonlocal tries
            tries += 1
            sent = {**headers, "X-Liqmap-Attempt": str(tries)}
            return await self._post(
                client, partial(client.post, cfg.url, content=body, headers=sent), budget
            )

        notes: list[str] = []

        def give_up(_err: ExchangeError, _tries: int, why: GiveUp) -> None:
            if why == "exhausted":
                notes.append(f"; gave up after {tries} attempt(s)")
            elif why == "deadline":
                notes.append(f"; the {cfg.deadline_s:g} s deadline leaves no time for a retry")

        try:
            status = await with_retries(
                attempt, policy_of(cfg), sleep=self._sleep, deadline=budget, on_give_up=give_up
            )
        except ExchangeError as err:
            return self._result(alert, "failed", tries, err.status, str(err) + "".join(notes))
        return self._result(alert, "delivered", tries, status, "")

    async def _post(
        self,
        client: httpx.AsyncClient,
        post: Callable[[], Awaitable[httpx.Response]],
        budget: Deadline,
    ) -> int:
        """One POST; its status on success, else the error the retry loop classifies."""
        cfg = self.config
        try:
            response = await within(budget.remaining(), post)
        except DeadlineExceeded:
            raise ExchangeError(
                f"no complete answer within the {cfg.deadline_s:g} s deadline"
            ) from None
        except httpx.TimeoutException:
            raise ExchangeTimeoutError(f"timed out after {cfg.timeout_s:g} s") from None
        except httpx.TransportError as exc:
            raise ExchangeTimeoutError(f"connection failed ({type(exc).__name__}: {exc})") from None
        if response.is_success:
            return response.status_code
        raise self._refused(response)

    def _refused(self, r: httpx.Response) -> ExchangeError:
        """The error for a non-2xx answer: 5xx and a 429 with a usable ``Retry-After`` retry."""
        code = r.status_code
        snippet = r.text[:200].strip()
        body = f": {snippet}" if snippet else ""
        if code >= 500:
            return ExchangeServerError(f"HTTP {code} from the receiver{body}", status=code)
        if code == 429:
            wait = retry_after_s(r.headers.get("Retry-After"), self._clock())
            if wait is None:
                msg = "HTTP 429 without Retry-After (not retried)"
            elif wait > self.config.max_backoff_s:
                msg = (
                    f"HTTP 429 with Retry-After {wait:g} s, more than max_backoff_s "
                    f"{self.config.max_backoff_s:g} s (not retried)"
                )
            else:
                msg = f"HTTP 429, Retry-After {wait:g} s"
            return RateLimitError(msg, status=code, retry_after_s=wait)
        if 300 <= code < 400:
            where = r.headers.get("Location", "?")
            msg = f"HTTP {code} redirect to {where} (not followed; configure the final URL)"
            return ExchangeClientError(msg, status=code)
        msg = f"HTTP {code}: the receiver refused the alert (not retried){body}"
        return ExchangeClientError(msg, status=code)
