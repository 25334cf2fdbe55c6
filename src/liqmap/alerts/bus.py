"""In-process async fan-out of alerts to any number of subscribers (the dashboard's SSE streams).

``publish`` is synchronous, never blocks and may be called from any thread (a worker thread that
evaluated the rules, or the event loop). Each subscriber has a bounded buffer that drops its
oldest alert when full (counted in ``Subscription.dropped``), so a slow browser cannot stall the
others. ``subscribe()`` registers at once (alerts published after the call are never missed) and
returns an async iterator; leave it with ``close()``, ``async with``, or by dropping it (the bus
holds subscriptions weakly).

By default the bus de-duplicates like the webhooks do (same ``dedup_key`` within the cooldown),
and keeps the last ``history`` alerts for pages that connect later (``recent``, ``replay``).
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Any

from liqmap.alerts.alert import Alert
from liqmap.alerts.cooldown import CooldownGate

__all__ = ["AlertBus", "Subscription"]


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Subscription:
    """One subscriber's stream of alerts (an async iterator); ends when it or the bus closes."""

    def __init__(self, bus: AlertBus, maxsize: int, initial: tuple[Alert, ...]) -> None:
        self._bus = bus
        self._items: deque[Alert] = deque(initial[-maxsize:], maxlen=maxsize)
        self._wake = asyncio.Event()
        self._loop = _running_loop()
        self._closed = False
        self.dropped = 0
        """Alerts dropped because this subscriber fell ``maxsize`` alerts behind."""

    def _call(self, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn`` on the subscriber's loop (directly when already there or not bound yet)."""
        loop = self._loop
        if loop is None or _running_loop() is loop:
            fn(*args)
            return
        try:
            loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the subscriber's loop is closed: nobody is listening
            self._closed = True

    def _push(self, alert: Alert) -> None:
        if self._closed:
            return
        if len(self._items) == self._items.maxlen:
            self.dropped += 1
        self._items.append(alert)
        self._wake.set()

    def _end(self) -> None:
        self._closed = True
        self._wake.set()

    @property
    def closed(self) -> bool:
        """True once closed (alerts already buffered are still yielded)."""
        return self._closed

    def close(self) -> None:
        """Stop receiving; iteration ends after the buffered alerts."""
        self._call(self._end)
        self._bus._discard(self)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Alert:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        while True:
            if self._items:
                return self._items.popleft()
            if self._closed:
                raise StopAsyncIteration
            self._wake.clear()
            await self._wake.wait()

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AlertBus:
    """Publish alerts once, receive them in every subscriber."""

    def __init__(self, *, maxsize: int = 100, history: int = 50, dedup: bool = True) -> None:
        if maxsize < 1 or history < 0:
            raise ValueError("AlertBus needs maxsize >= 1 and history >= 0")
        self._maxsize = maxsize
        self._subs: weakref.WeakSet[Subscription] = weakref.WeakSet()
        self._recent: deque[Alert] = deque(maxlen=history)
        self._gate = CooldownGate() if dedup else None
        self._closed = False
        self._lock = threading.Lock()

    @property
    def subscribers(self) -> int:
        """Open subscriptions."""
        with self._lock:
            return len(self._subs)

    def recent(self) -> tuple[Alert, ...]:
        """The last published alerts, oldest first."""
        with self._lock:
            return tuple(self._recent)

    def publish(self, alert: Alert) -> bool:
        """Fan ``alert`` out (any thread); ``False`` when it is a duplicate or the bus is closed."""
        with self._lock:
            if self._closed or (self._gate is not None and not self._gate.admit(alert)):
                return False
            self._recent.append(alert)
            subs = list(self._subs)
        for sub in subs:
            sub._call(sub._push, alert)
        return True

    def subscribe(self, *, replay: bool = False) -> Subscription:
        """A new subscription (registered now); with ``replay`` it starts with :meth:`recent`."""
        with self._lock:
            sub = Subscription(self, self._maxsize, tuple(self._recent) if replay else ())
            if self._closed:
                sub._end()
            else:
                self._subs.add(sub)
        return sub

    def close(self) -> None:
        """End every subscription (after their buffered alerts); later publishes are ignored."""
        with self._lock:
            self._closed = True
            subs = list(self._subs)
            self._subs.clear()
        for sub in subs:
            sub._call(sub._end)

    def _discard(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)
