"""Per-webhook delivery queues: evaluation never waits for a receiver.

Each webhook has an :class:`Outbox`: a bounded queue drained by its own thread (with its own
event loop). :meth:`Outbox.offer` returns at once; when the queue is full the *oldest* queued
alert is dropped (newer alerts matter more) and counted. Every delivery is bounded by the
webhook's ``deadline_s`` and retry policy (:class:`~liqmap.alerts.webhook.WebhookSender`), so a
hung receiver holds only its own queue: the page and the other webhooks go on as if it were
healthy. :meth:`Outbox.stats` says how many were queued, in flight, delivered, failed and dropped
(``/api/v1/health`` shows them under ``alert_deliveries``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from liqmap.alerts.alert import Alert
from liqmap.alerts.webhook import DeliveryResult, WebhookSender

__all__ = ["DEFAULT_CAPACITY", "Outbox"]

log = logging.getLogger("liqmap.alerts")
DEFAULT_CAPACITY = 256


class Outbox:
    """A bounded queue of alerts for one webhook, delivered in order by a background thread."""

    def __init__(
        self,
        sender: WebhookSender,
        *,
        capacity: int = DEFAULT_CAPACITY,
        on_result: Callable[[DeliveryResult], None] | None = None,
    ) -> None:
        self.sender = sender
        self.capacity = capacity
        self._on_result = on_result or (lambda r: None)
        self._queue: deque[Alert] = deque()
        self._cv = threading.Condition()
        self._closed = False
        self._in_flight = 0
        self._thread: threading.Thread | None = None
        self.delivered = self.failed = self.duplicates = self.dropped = 0

    @property
    def name(self) -> str:
        """The webhook's name."""
        return self.sender.config.name

    def offer(self, alert: Alert) -> bool:
        """Queue ``alert`` (never blocks); ``False`` when it was not queued (closed). A full
        queue drops its oldest alert, counted in ``dropped``."""
        with self._cv:
            if self._closed:
                return False
            if len(self._queue) >= self.capacity:
                lost = self._queue.popleft()
                self.dropped += 1
                log.warning(
                    "webhook %s is not keeping up: dropped alert %s (queue of %d full)",
                    self.name, lost.dedup_key, self.capacity,
                )  # fmt: skip
            self._queue.append(alert)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name=f"liqmap-webhook-{self.name}", daemon=True
                )
                self._thread.start()
            self._cv.notify()
        return True

    def _next(self) -> Alert | None:
        with self._cv:
            while not self._queue and not self._closed:
                self._cv.wait()
            if not self._queue:
                return None
            self._in_flight += 1
            return self._queue.popleft()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            while (alert := self._next()) is not None:
                try:
                    result = loop.run_until_complete(self.sender.send(alert))
                except Exception:  # a bug in delivery must not kill the worker silently
                    log.exception("delivery of %s to %s failed", alert.dedup_key, self.name)
                    result = None
                self._count(result)
        finally:
            loop.close()

    def _count(self, result: DeliveryResult | None) -> None:
        with self._cv:
            self._in_flight -= 1
            if result is None or result.status == "failed":
                self.failed += 1
            elif result.status == "duplicate":
                self.duplicates += 1
            else:
                self.delivered += 1
            self._cv.notify_all()
        if result is not None:
            self._on_result(result)

    def wait_idle(self, timeout_s: float | None = None) -> bool:
        """Block until nothing is queued or in flight; ``False`` on timeout."""
        with self._cv:
            return self._cv.wait_for(
                lambda: not self._queue and self._in_flight == 0, timeout=timeout_s
            )

    def close(self, *, wait: bool = True, timeout_s: float | None = None) -> None:
        """Stop taking alerts; deliver what is queued (``wait``) or drop it (counted)."""
        with self._cv:
            self._closed = True
            if not wait:
                self.dropped += len(self._queue)
                self._queue.clear()
            self._cv.notify_all()
            thread = self._thread
        if wait and thread is not None:
            thread.join(timeout_s)

    def stats(self) -> dict[str, Any]:
        """Counters: queued, in_flight, delivered, failed, duplicates, dropped, capacity."""
        with self._cv:
            return {
                "queued": len(self._queue), "in_flight": self._in_flight,
                "delivered": self.delivered, "failed": self.failed,
                "duplicates": self.duplicates, "dropped": self.dropped,
                "capacity": self.capacity,
            }  # fmt: skip
