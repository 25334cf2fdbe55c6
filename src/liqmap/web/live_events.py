"""Live updates: a hub that fans events out to Server-Sent-Event streams, and the feeds that
produce them (the demo market's clock, the store watcher).

Event types on the wire (``text/event-stream``)::

    event: hello    data: {"source", "symbol", "version", "server_time_ms",
                           "kind", "status", "age_ms", "fresh_ms"}                   on connect
    event: update   data: {"source", "symbol", "version", "price"}            new bars or events
    event: alert    data: {"source", "symbol", "alert": {...}}                 from the alert engine

``version`` is the epoch ms of the newest record; the page refetches when it changes.

Freshness (:func:`freshness`): stored data is ``live`` only while its newest record is at most
``FRESH_MS`` old (by the server's clock); older data is ``stale`` and the page shows its age
instead of a green dot. The demo runs on simulated time: ``simulated`` (or ``paused`` when its
clock does not advance). A file source (``liqmap serve --file``) is ``file``. No data yet:
``waiting``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import anyio.to_thread

from liqmap.core.results import LiquidationMap
from liqmap.domain.market import LiquidationEvents
from liqmap.errors import LiqmapError
from liqmap.web.sources import DemoSource, Snapshot

__all__ = [
    "FRESH_MS",
    "AlertHook",
    "Hub",
    "LiveEvent",
    "Subscription",
    "alert_json",
    "forward_alerts",
    "freshness",
    "run_demo_feed",
    "run_poller",
    "sse_stream",
]

log = logging.getLogger("liqmap.web")

EventKind = Literal["hello", "update", "alert"]
MAX_TICK_HZ = 10.0
FRESH_MS = 10 * 60_000
"""Stored data counts as live while its newest record is at most this old (10 minutes)."""

Freshness = Literal["live", "stale", "simulated", "paused", "waiting", "file"]


def freshness(
    kind: str, version: int | None, now_ms: int, *, advancing: bool = True
) -> dict[str, Any]:
    """``{"status", "age_ms", "fresh_ms"}`` of a source's data at ``now_ms`` (see module doc)."""
    status: Freshness
    age = None if version is None else max(0, now_ms - int(version))
    if kind == "demo":
        status = "simulated" if advancing else "paused"
    elif kind == "file":
        status = "file"  # a file never gets new data while served
    elif age is None:
        status = "waiting"
    else:
        status = "live" if age <= FRESH_MS else "stale"
    return {"status": status, "age_ms": age, "fresh_ms": FRESH_MS}


class AlertHook(Protocol):
    """What the web layer needs of the alerting pipeline (``liqmap.alerts.AlertService``):
    ``evaluate`` runs the rules on a new map (from a worker thread), publishes what fires and
    queues the webhook deliveries without waiting for them; ``subscribe`` streams the published
    alerts, which the page shows; ``stats`` counts the background deliveries (drops included)."""

    def evaluate(self, liq_map: LiquidationMap, events: LiquidationEvents | None, /) -> object:
        """Evaluate, publish, and queue the deliveries (never waits for a receiver)."""
        ...

    def stats(self) -> Mapping[str, Any]:
        """Background delivery counters (``AlertService.stats``)."""
        ...

    def subscribe(self) -> AsyncIterator[object]:
        """The published alerts, as they come."""
        ...


def alert_json(alert: object) -> dict[str, Any]:
    """A JSON-ready form of an alert: its ``to_dict()``, its dataclass fields, or its text."""
    to_dict = getattr(alert, "to_dict", None)
    if callable(to_dict):
        d = to_dict()
        if isinstance(d, Mapping):
            return dict(d)
    if dataclasses.is_dataclass(alert) and not isinstance(alert, type):
        return dataclasses.asdict(alert)
    return {"message": str(alert)}


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """One event for the streams of ``(source, symbol)``."""

    kind: EventKind
    source: str
    symbol: str
    data: Mapping[str, Any]

    def encode(self) -> bytes:
        """The SSE frame."""
        payload = {"source": self.source, "symbol": self.symbol, **self.data}
        text = json.dumps(payload, allow_nan=False, separators=(",", ":"), default=str)
        return f"event: {self.kind}\ndata: {text}\n\n".encode()


@dataclass(eq=False)
class Subscription:
    """One stream's queue (``None`` ends the stream)."""

    source: str
    symbol: str
    queue: asyncio.Queue[LiveEvent | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=256)
    )


class Hub:
    """Fan-out of :class:`LiveEvent` to subscribed streams. Publish from the event loop with
    :meth:`publish`, from any other thread with :meth:`publish_threadsafe`."""

    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.published = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Remember the serving loop (for :meth:`publish_threadsafe`)."""
        self._loop = loop

    def subscribe(self, source: str, symbol: str) -> Subscription:
        """A new stream for ``(source, symbol)``."""
        sub = Subscription(source, symbol)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Forget a stream."""
        self._subs.discard(sub)

    @property
    def clients(self) -> int:
        """Open streams."""
        return len(self._subs)

    def watched(self) -> set[tuple[str, str]]:
        """The ``(source, symbol)`` pairs someone is watching."""
        return {(s.source, s.symbol) for s in self._subs}

    def publish(self, event: LiveEvent) -> None:
        """Queue ``event`` for every stream of its ``(source, symbol)`` (source ``*``: any
        source); when a slow client's queue is full its oldest event is dropped."""
        self.published += 1
        for sub in list(self._subs):
            if sub.symbol != event.symbol or event.source not in ("*", sub.source):
                continue
            if sub.queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    sub.queue.get_nowait()
            sub.queue.put_nowait(event)

    def publish_threadsafe(self, event: LiveEvent) -> None:
        """:meth:`publish` from a thread other than the serving loop's."""
        if self._loop is None or self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self.publish, event)

    def close(self) -> None:
        """End every stream."""
        for sub in list(self._subs):
            with contextlib.suppress(asyncio.QueueFull):
                sub.queue.put_nowait(None)


async def sse_stream(
    hub: Hub, sub: Subscription, hello: LiveEvent, *, heartbeat_s: float, max_s: float
) -> AsyncIterator[bytes]:
    """The bytes of one SSE response: ``hello``, then events, keep-alive comments while idle;
    ends after ``max_s`` (the browser reconnects by itself) or when the hub closes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_s
    try:
        yield b"retry: 2000\n\n" + hello.encode()
        while (left := deadline - loop.time()) > 0:
            try:
                event = await asyncio.wait_for(sub.queue.get(), timeout=min(heartbeat_s, left))
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            if event is None:
                return
            yield event.encode()
    finally:
        hub.unsubscribe(sub)


OnMoved = Callable[[str, str, int, float | None], Awaitable[None]]


async def run_demo_feed(
    demo: DemoSource,
    speed: float,
    on_moved: OnMoved,
    prepare: Callable[[str, Snapshot], None] | None = None,
) -> None:
    """Advance the demo market by ``speed`` bars a second (at most 10 ticks a second; a slow
    tick is caught up by the next one), ``prepare`` seeing each new snapshot first (in a worker
    thread), then ``on_moved(source, symbol, version, price)`` for each symbol that moved. Runs
    until cancelled; returns at once when ``speed`` is 0."""
    if speed <= 0:
        return
    period = max(1.0 / speed, 1.0 / MAX_TICK_HZ)
    last = time.monotonic()
    owed = 0.0
    while True:
        await asyncio.sleep(period)
        now = time.monotonic()
        owed += speed * (now - last)
        last = now
        bars = int(owed)
        if bars < 1:
            continue
        owed -= bars
        moved = await anyio.to_thread.run_sync(demo.advance, bars, prepare)
        for symbol, version, price in moved:
            try:
                await on_moved(demo.name, symbol, version, price)
            except Exception:  # a failing listener must not stop the market clock
                log.exception("demo feed: update of %s failed", symbol)


async def forward_alerts(alerts: AlertHook, hub: Hub) -> None:
    """Relay the alert pipeline's published alerts to the streams of their symbol."""
    async for alert in alerts.subscribe():
        data = alert_json(alert)
        symbol = str(data.get("symbol") or getattr(alert, "symbol", "")).upper()
        hub.publish(LiveEvent("alert", "*", symbol, {"alert": data}))


async def run_poller(poll_s: float, poll: Callable[[], Awaitable[None]]) -> None:
    """Call ``poll`` every ``poll_s`` seconds until cancelled (errors logged, not fatal)."""
    while True:
        await asyncio.sleep(poll_s)
        try:
            await poll()
        except LiqmapError as exc:  # e.g. a writer holds the store: try again later
            log.warning("store watcher: %s; retrying in %.1f s", exc, poll_s)
        except Exception:
            log.exception("store watcher failed; retrying in %.1f s", poll_s)
