"""Webhook delivery: POST the alert's JSON, retry with exponential backoff, de-duplicate.

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
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

import httpx

from liqmap.alerts.alert import Alert
from liqmap.alerts.config_file import WebhookConfig
from liqmap.alerts.cooldown import CooldownGate
from liqmap.core.reading import format_duration
from liqmap.net.deadline import Deadline, DeadlineExceeded, within

__all__ = ["DeliveryResult", "DeliveryStatus", "Sleep", "WebhookSender", "retry_after_s"]

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
    """Seconds to wait from a ``Retry-After`` header: ``'2'``, ``'0.5'`` or an HTTP date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(text).timestamp() - now_s
        except (TypeError, ValueError):
            return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


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
        body = alert.to_json().encode("utf-8")
        headers = {
            **cfg.headers,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Idempotency-Key": alert.idempotency_key,
        }
        budget = Deadline(cfg.deadline_s)
        attempt, status, error = 0, None, ""
        delay: float | None = None
        while attempt < cfg.max_attempts:
            attempt += 1
            backoff = min(cfg.max_backoff_s, cfg.backoff_s * 2 ** (attempt - 1))
            delay = backoff
            try:
                response = await within(
                    budget.remaining(),
                    partial(
                        client.post, cfg.url, content=body,
                        headers={**headers, "X-Liqmap-Attempt": str(attempt)},
                    ),
                )  # fmt: skip
            except DeadlineExceeded:
                status, error = None, f"no complete answer within the {cfg.deadline_s:g} s deadline"
                break
            except httpx.TimeoutException:
                status, error = None, f"timed out after {cfg.timeout_s:g} s"
            except httpx.TransportError as exc:
                status, error = None, f"connection failed ({type(exc).__name__}: {exc})"
            else:
                status = response.status_code
                if response.is_success:
                    return self._result(alert, "delivered", attempt, status, "")
                delay, error = self._after(response, backoff)
            if delay is None:
                break
            if attempt < cfg.max_attempts:
                if delay >= budget.remaining():
                    error += f"; the {cfg.deadline_s:g} s deadline leaves no time for a retry"
                    delay = None
                    break
                await self._sleep(delay)
        if attempt == cfg.max_attempts and delay is not None:
            error += f"; gave up after {attempt} attempt(s)"
        return self._result(alert, "failed", attempt, status, error)

    def _after(self, r: httpx.Response, backoff: float) -> tuple[float | None, str]:
        """(delay before the next attempt or ``None`` = do not retry, error text)."""
        code = r.status_code
        snippet = r.text[:200].strip()
        body = f": {snippet}" if snippet else ""
        if code >= 500:
            return backoff, f"HTTP {code} from the receiver{body}"
        if code == 429:
            wait = retry_after_s(r.headers.get("Retry-After"), self._clock())
            if wait is None:
                return None, "HTTP 429 without Retry-After (not retried)"
            if wait > self.config.max_backoff_s:
                return None, (
                    f"HTTP 429 with Retry-After {wait:g} s, more than max_backoff_s "
                    f"{self.config.max_backoff_s:g} s (not retried)"
                )
            return wait, f"HTTP 429, Retry-After {wait:g} s"
        if 300 <= code < 400:
            where = r.headers.get("Location", "?")
            return None, f"HTTP {code} redirect to {where} (not followed; configure the final URL)"
        return None, f"HTTP {code}: the receiver refused the alert (not retried){body}"
