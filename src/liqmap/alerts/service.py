"""The alerting pipeline in one object: evaluate -> publish on the bus -> deliver to webhooks.

Two ways in, same result:

* ``service.evaluate(m, events)`` — synchronous, callable from any thread (the web app's
  ``alerts=`` hook): returns the *new* alerts (duplicates within the cooldown left out), publishes
  them on :attr:`AlertService.bus` and delivers to the webhooks on a background thread.
* ``await service.process(m, events)`` — async (``liqmap alerts run``): the same, but awaits the
  webhook deliveries and returns them in an :class:`AlertBatch`.

::

    service = AlertService.from_file("alerts.toml")
    app = create_app(settings, store, alerts=service)   # the web app calls service.evaluate
    async for alert in service.subscribe(): ...          # or stream the bus yourself
    service.close()                                      # on shutdown
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from types import TracebackType

import httpx

from liqmap.alerts.alert import Alert
from liqmap.alerts.bus import AlertBus, Subscription
from liqmap.alerts.config import AlertsConfig, load_config
from liqmap.alerts.engine import AlertEngine
from liqmap.alerts.webhook import DeliveryResult, Sleep, WebhookSender
from liqmap.core.results import LiquidationMap
from liqmap.domain.market import LiquidationEvents

__all__ = ["AlertBatch", "AlertService"]

log = logging.getLogger("liqmap.alerts")


@dataclass(frozen=True, slots=True)
class AlertBatch:
    """One :meth:`AlertService.process` call: what fired, what reached the bus, deliveries."""

    alerts: tuple[Alert, ...]
    published: tuple[Alert, ...]
    deliveries: tuple[DeliveryResult, ...]


class AlertService:
    """Rules (an :class:`AlertEngine`), a dashboard :class:`AlertBus` and the webhooks."""

    def __init__(
        self,
        config: AlertsConfig,
        *,
        bus: AlertBus | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.config = config
        self.engine = AlertEngine(config.rules)
        self.bus = bus if bus is not None else AlertBus()
        self._senders = {
            w.name: WebhookSender(w, transport=transport, sleep=sleep) for w in config.webhooks
        }
        self.deliveries: deque[DeliveryResult] = deque(maxlen=500)
        """The most recent delivery results (newest last), from either way in."""
        self._executor: ThreadPoolExecutor | None = None
        self._pending: set[Future[None]] = set()
        self._lock = Lock()
        self._closed = False

    @classmethod
    def from_file(
        cls, path: str | Path, *, bus: AlertBus | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> AlertService:  # fmt: skip
        """Load and validate a config file (raises ``AlertConfigError``: exit code 2 in the CLI)."""
        return cls(load_config(path), bus=bus, transport=transport)

    def subscribe(self, *, replay: bool = False) -> Subscription:
        """A live stream of published alerts (see :meth:`AlertBus.subscribe`)."""
        return self.bus.subscribe(replay=replay)

    # --- the synchronous way in (any thread) ---------------------------------------------------
    def evaluate(
        self,
        m: LiquidationMap,
        events: LiquidationEvents | None = None,
        now_ms: int | None = None,
        *,
        stream: str = "",
    ) -> list[Alert]:
        """Evaluate, publish the new alerts, deliver to webhooks in the background.

        Returns the alerts the bus let through (not duplicates within their cooldown). Webhook
        senders de-duplicate on their own, so a failed delivery is tried again on a later call.
        """
        alerts = self.engine.evaluate(m, events, now_ms, stream=stream)
        fresh = [a for a in alerts if self.bus.publish(a)]
        if alerts and self._senders:
            self._background(tuple(alerts))
        return fresh

    def _background(self, alerts: tuple[Alert, ...]) -> None:
        with self._lock:
            if self._closed:
                return
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="liqmap-alerts")
            job = self._executor.submit(self._deliver_blocking, alerts)
            self._pending.add(job)
        job.add_done_callback(self._pending.discard)

    def _deliver_blocking(self, alerts: tuple[Alert, ...]) -> None:
        try:
            asyncio.run(self.deliver(alerts))
        except Exception:  # a bug in delivery must not kill the worker silently
            log.exception("alert delivery failed")

    def wait(self, timeout_s: float | None = None) -> None:
        """Block until the background deliveries submitted so far are done (tests, shutdown)."""
        with self._lock:
            pending = list(self._pending)
        for job in pending:
            job.result(timeout=timeout_s)

    # --- the async way in ----------------------------------------------------------------------
    async def process(
        self,
        m: LiquidationMap,
        events: LiquidationEvents | None = None,
        now_ms: int | None = None,
        *,
        stream: str = "",
    ) -> AlertBatch:
        """Evaluate every rule on ``m``, publish new alerts, and await the webhook deliveries."""
        alerts = tuple(self.engine.evaluate(m, events, now_ms, stream=stream))
        published = tuple(a for a in alerts if self.bus.publish(a))
        return AlertBatch(alerts, published, await self.deliver(alerts))

    async def deliver(self, alerts: Sequence[Alert]) -> tuple[DeliveryResult, ...]:
        """Send each alert to its rule's webhooks, concurrently; one result per (alert, webhook)."""
        jobs = [
            self._senders[w.name].send(a) for a in alerts for w in self.config.webhooks_for(a.rule)
        ]
        results = tuple(await asyncio.gather(*jobs))
        for r in results:
            self.deliveries.append(r)
            if not r.ok:
                log.warning("alert %s to webhook %s failed: %s", r.dedup_key, r.webhook, r.error)
        return results

    # --- shutdown ------------------------------------------------------------------------------
    def close(self, *, wait: bool = True) -> None:
        """End the bus subscriptions; finish (``wait``) or drop pending background deliveries."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        self.bus.close()
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=not wait)

    async def aclose(self) -> None:
        """:meth:`close` without blocking the event loop."""
        await asyncio.to_thread(self.close)

    async def __aenter__(self) -> AlertService:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
