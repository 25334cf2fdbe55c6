"""Total deadlines on outgoing requests: the one place every HTTP client takes them from.

``httpx.Timeout(t)`` bounds each connect/read/write, not the request: a receiver that sends a
byte every 0.5 s never trips a 10 s read timeout. :func:`within` runs a whole request (connect,
headers, body) under one wall-clock budget and raises :class:`DeadlineExceeded` when it runs out;
each client maps that to its own error (``ExchangeTimeoutError``, a failed webhook delivery).

A :class:`Deadline` is a budget spread over several steps (a whole sync, a delivery with its
retries): :meth:`Deadline.remaining` is what the next step may use.

The budget per request is ``Settings.http_deadline_s`` (``LIQMAP_HTTP_DEADLINE``, default
:data:`DEFAULT_DEADLINE_S` seconds); a whole sync has ``Settings.sync_deadline_s``
(``LIQMAP_SYNC_DEADLINE``).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

__all__ = ["DEFAULT_DEADLINE_S", "Deadline", "DeadlineExceeded", "within"]

T = TypeVar("T")
DEFAULT_DEADLINE_S = 30.0


class DeadlineExceeded(TimeoutError):  # noqa: N818 - reads better at the raise site
    """A request (or a group of them) ran past its total deadline."""

    def __init__(self, what: str, seconds: float) -> None:
        self.what = what
        self.seconds = seconds
        super().__init__(f"{what} did not finish within its {seconds:g} s deadline")


async def within(seconds: float, call: Callable[[], Awaitable[T]], *, what: str = "request") -> T:
    """Await ``call()`` for at most ``seconds`` (wall clock) in all; past it the call is cancelled
    and :class:`DeadlineExceeded` raised."""
    if seconds <= 0:
        raise DeadlineExceeded(what, 0.0)
    import asyncio  # here, not at the top: Settings reads DEFAULT_DEADLINE_S in every command

    try:
        async with asyncio.timeout(seconds):
            return await call()
    except TimeoutError as exc:
        if isinstance(exc, DeadlineExceeded):
            raise
        raise DeadlineExceeded(what, seconds) from None


@dataclass(slots=True)
class Deadline:
    """A wall-clock budget of ``seconds`` started at construction, shared by several steps."""

    seconds: float
    clock: Callable[[], float] = time.monotonic
    _start: float = field(init=False)

    def __post_init__(self) -> None:
        self._start = self.clock()

    def remaining(self) -> float:
        """Seconds left (0 once spent)."""
        return max(0.0, self.seconds - (self.clock() - self._start))

    @property
    def expired(self) -> bool:
        """True once the budget is spent."""
        return self.remaining() <= 0.0

    def cap(self, seconds: float) -> float:
        """``seconds`` or what is left, whichever is shorter."""
        return min(seconds, self.remaining())
