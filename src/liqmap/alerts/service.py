"""The alerting pipeline in one object: evaluate -> publish on the bus -> deliver to webhooks.

Two ways in, same result:

* ``service.evaluate(m, events)`` — synchronous, callable from any thread (the web app's
  ``alerts=`` hook): returns the *new* alerts (duplicates within the cooldown left out), publishes
  them on :attr:`AlertService.bus` and queues them for the webhooks without waiting: each webhook
  has its own bounded :class:`~liqmap.alerts.outbox.Outbox` (own thread, deadline and retries),
  so a hung receiver slows neither the evaluation nor the other webhooks; what it cannot take is
  dropped and counted (:meth:`AlertService.stats`).
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
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from liqmap.alerts.alert import Alert
from liqmap.alerts.bus import AlertBus, Subscription
from liqmap.alerts.config_file import AlertsConfig, load_config
from liqmap.alerts.engine import AlertEngine
from liqmap.alerts.outbox import DEFAULT_CAPACITY, Outbox
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
        queue_capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        self.config = config
        self.engine = AlertEngine(config.rules)
        self.bus = bus if bus is not None else AlertBus()
        self._senders = {
            w.name: WebhookSender(w, transport=transport, sleep=sleep) for w in config.webhooks
        }
        self.deliveries: deque[DeliveryResult] = deque(maxlen=500)
        """The most recent delivery results (newest last), from either way in."""
        self._outboxes = {
            name: Outbox(sender, capacity=queue_capacity, on_result=self.deliveries.append)
            for name, sender in self._senders.items()
        }

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
        for a in alerts:
            for w in self.config.webhooks_for(a.rule):
                self._outboxes[w.name].offer(a)
        return fresh

    def wait(self, timeout_s: float | None = None) -> None:
        """Block until the queued background deliveries are done (tests, shutdown)."""
        for box in self._outboxes.values():
            box.wait_idle(timeout_s)

    def stats(self) -> dict[str, Any]:
        """Background delivery counters per webhook, and the total dropped (queue full)."""
        per = {name: box.stats() for name, box in self._outboxes.items()}
        return {"webhooks": per, "dropped": sum(p["dropped"] for p in per.values())}

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
        self.bus.close()
        for box in self._outboxes.values():
            box.close(wait=wait)

    async def aclose(self) -> None:
        """:meth:`close` without blocking the event loop."""
        await asyncio.to_thread(self.close)

    async def __aenter__(self) -> AlertService:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
