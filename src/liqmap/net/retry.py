"""The one retry policy, ``Retry-After`` parser, status -> error mapper and retry loop.

Every outgoing client takes its network policy from here: the exchange REST clients
(:mod:`liqmap.exchanges.rest`), the archive downloader (:mod:`liqmap.archive.fetch`), webhook
delivery (:mod:`liqmap.alerts.webhook`) and the recorder's reconnect loop
(:mod:`liqmap.recorder.connection`, backoff only: it reconnects forever). They differ only in
the :class:`RetryPolicy` each one passes:

=======================  =========  =======  ======  ========  ==========================
client                   attempts   base_s   cap_s   jitter    Retry-After above the max
=======================  =========  =======  ======  ========  ==========================
exchange REST            4          0.5      20      full      give up (an IP ban)
archive                  4          1        30      none      wait the max (30 s)
webhook (config)         4          0.5      30      none      give up
recorder reconnect       forever    0.5      30      equal     --
=======================  =========  =======  ======  ========  ==========================

Backoff before retry ``k`` (0-based) is ``d = min(cap_s, base_s * 2**k)``, then "full" jitter
draws uniformly in ``[0, d]``, "equal" in ``[d/2, d]``, "none" waits ``d``. A rate-limit error
carrying ``retry_after_s`` waits exactly that long instead (see ``over_limit``).
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

from liqmap.errors import (
    ExchangeClientError,
    ExchangeError,
    ExchangeServerError,
    GeoBlockedError,
    ParameterError,
    RateLimitError,
)
from liqmap.net.deadline import Deadline

__all__ = [
    "GiveUp",
    "Jitter",
    "OverLimit",
    "RetryPolicy",
    "Sleep",
    "error_for_status",
    "parse_retry_after",
    "with_retries",
]

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Jitter = Literal["full", "equal", "none"]
OverLimit = Literal["give_up", "cap"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry a retryable error.

    ``attempts`` counts every try (1 = no retry). ``jitter`` spreads the backoff (module
    docstring). A ``Retry-After`` longer than ``max_retry_after_s`` gives up at once when
    ``over_limit="give_up"`` (waiting an IP ban out is the user's call) or waits
    ``max_retry_after_s`` when ``"cap"``. ``retry_rate_limit_without_wait=False`` makes a rate
    limit with no ``Retry-After`` final (webhook receivers that say 429 and nothing else).
    """

    attempts: int = 4
    base_s: float = 0.5
    cap_s: float = 20.0
    max_retry_after_s: float = 300.0
    jitter: Jitter = "full"
    over_limit: OverLimit = "give_up"
    retry_rate_limit_without_wait: bool = True

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ParameterError(f"RetryPolicy.attempts must be >= 1, got {self.attempts}")
        for name in ("base_s", "cap_s", "max_retry_after_s"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ParameterError(
                    f"RetryPolicy.{name} must be a finite number >= 0, got {value}"
                )

    def backoff_s(self, attempt: int, rng: random.Random) -> float:
        """Backoff before retry ``attempt`` (0-based), jittered per ``jitter``."""
        d = min(self.cap_s, self.base_s * 2.0 ** min(attempt, 60))
        if self.jitter == "full":
            return rng.uniform(0.0, d)
        if self.jitter == "equal":
            return rng.uniform(d / 2, d)
        return d

    def retry_after_wait(self, seconds: float) -> float | None:
        """What a server-given ``Retry-After`` of ``seconds`` makes us wait (None: give up)."""
        if seconds <= self.max_retry_after_s:
            return seconds
        return self.max_retry_after_s if self.over_limit == "cap" else None

    def wait_s(
        self, err: BaseException, attempt: int, rng: random.Random, *, count: bool = True
    ) -> float | None:
        """Seconds to wait after failed try ``attempt`` (0-based), or ``None`` to give up.

        ``count=False`` leaves the attempt budget out (the caller checks it).
        """
        if not getattr(err, "retryable", False) or (count and attempt + 1 >= self.attempts):
            return None
        if isinstance(err, RateLimitError):
            if err.retry_after_s is not None:
                return self.retry_after_wait(err.retry_after_s)
            if not self.retry_rate_limit_without_wait:
                return None
        return self.backoff_s(attempt, rng)


def parse_retry_after(value: str | None, now_s: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds (``'2'``, ``'0.5'``) or an HTTP date.

    ``None`` when absent or unreadable; never negative (a date in the past is 0). ``now_s`` is
    the current epoch time (default: the clock).
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now_s is None else now_s)
    return max(0.0, seconds) if math.isfinite(seconds) else None


def error_for_status(
    status: int,
    headers: Mapping[str, str],
    url: str,
    *,
    who: str,
    said: str = "",
    geo_fix: str = "",
    hint_403: str = "",
) -> ExchangeError | None:
    """The liqmap error for an HTTP status from ``who`` (a venue, "the archive"); None below 400.

    429/418 -> :class:`RateLimitError` with the parsed ``Retry-After``; 451 ->
    :class:`GeoBlockedError` ending with ``geo_fix``; 5xx -> :class:`ExchangeServerError`; other
    4xx -> :class:`ExchangeClientError` (``hint_403`` added to a 403). ``said`` is the body's start.
    """
    if status < 400:
        return None
    tail = f": {said}" if said else ""
    if status in (429, 418):
        lower = {k.lower(): v for k, v in headers.items()}
        wait = parse_retry_after(lower.get("retry-after"))
        what = "banned this IP for exceeding its rate limit" if status == 418 else "rate-limited us"
        after = f"; retry after {wait:g} s" if wait is not None else ""
        return RateLimitError(
            f"{who} {what} (HTTP {status}) at {url}{after}{tail}",
            url=url,
            status=status,
            retry_after_s=wait,
        )
    if status == 451:
        return GeoBlockedError(
            f"{who} refuses requests from this location (HTTP 451) at {url}. {geo_fix}".rstrip(),
            url=url,
            status=status,
        )
    if status >= 500:
        return ExchangeServerError(
            f"{who} failed (HTTP {status}) at {url}{tail}", url=url, status=status
        )
    hint = hint_403 if status == 403 else ""
    return ExchangeClientError(
        f"{who} rejected the request (HTTP {status}) at {url}{hint}{tail}", url=url, status=status
    )


GiveUp = Literal["fatal", "exhausted", "deadline"]
"""Why :func:`with_retries` stopped: the error is final (not retryable, or a refused wait), the
attempts are used up, or the deadline leaves no time for the wait."""


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    sleep: Sleep = asyncio.sleep,
    rng: random.Random | None = None,
    on_retry: Callable[[ExchangeError, float], None] | None = None,
    deadline: Deadline | None = None,
    on_give_up: Callable[[ExchangeError, int, GiveUp], None] | None = None,
) -> T:
    """Run ``call``; on a retryable :class:`ExchangeError` wait (per ``policy``) and try again.

    When it stops, ``on_give_up(error, tries, why)`` runs before the error is re-raised; the
    default appends ``(gave up after N tries)`` to a retryable error's message (or that the
    ``deadline`` left no time for the next try).
    """
    rand = rng or random.Random()
    give_up = on_give_up or _note_give_up
    attempt = 0
    while True:
        try:
            return await call()
        except ExchangeError as err:
            wait = policy.wait_s(err, attempt, rand, count=False)
            if wait is None:
                give_up(err, attempt + 1, "fatal")
                raise
            if attempt + 1 >= policy.attempts:
                give_up(err, attempt + 1, "exhausted")
                raise
            if deadline is not None and wait >= deadline.remaining():
                give_up(err, attempt + 1, "deadline")
                raise
            if on_retry is not None:
                on_retry(err, wait)
            await sleep(wait)
            attempt += 1


def _note_give_up(err: ExchangeError, tries: int, why: GiveUp) -> None:
    if why == "deadline":
        err.args = (f"{err.args[0]} (the deadline leaves no time for a retry)", *err.args[1:])
    elif err.retryable and tries > 1:
        err.args = (f"{err.args[0]} (gave up after {tries} tries)", *err.args[1:])
