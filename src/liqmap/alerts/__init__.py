"""Alerts on liquidation maps: rules from a TOML file, pure evaluation, webhook and dashboard delivery.

::

    from liqmap.alerts import AlertService
    service = AlertService.from_file("alerts.toml")       # validated rules + webhooks
    batch = await service.process(m, events, now_ms)      # evaluate, publish, deliver
    async for alert in service.subscribe(): ...            # the dashboard's live stream

The parts, usable on their own: :func:`load_config` -> :class:`AlertsConfig`;
:class:`AlertEngine` (pure, deterministic) -> :class:`Alert`; :class:`WebhookSender` (retries,
de-duplication, idempotency key) -> :class:`DeliveryResult`; :class:`AlertBus` (async fan-out).
The config format and the JSON layout are documented in ``docs/alerts.md``.
"""

from liqmap.alerts.alert import ALERT_SCHEMA, Alert, AlertKind, AlertValue
from liqmap.alerts.bus import AlertBus, Subscription
from liqmap.alerts.config_file import AlertsConfig, WebhookConfig, load_config, parse_config
from liqmap.alerts.cooldown import CooldownGate
from liqmap.alerts.engine import AlertEngine, RuleOutcome
from liqmap.alerts.rules import (
    DEFAULT_COOLDOWN_MS,
    AlertConfigError,
    ClusterChangeRule,
    ClusterProximityRule,
    LiquidationsRule,
    Rule,
)
from liqmap.alerts.service import AlertBatch, AlertService
from liqmap.alerts.webhook import DeliveryResult, WebhookSender

__all__ = [
    "ALERT_SCHEMA",
    "DEFAULT_COOLDOWN_MS",
    "Alert",
    "AlertBatch",
    "AlertBus",
    "AlertConfigError",
    "AlertEngine",
    "AlertKind",
    "AlertService",
    "AlertValue",
    "AlertsConfig",
    "ClusterChangeRule",
    "ClusterProximityRule",
    "CooldownGate",
    "DeliveryResult",
    "LiquidationsRule",
    "Rule",
    "RuleOutcome",
    "Subscription",
    "WebhookConfig",
    "WebhookSender",
    "load_config",
    "parse_config",
]
