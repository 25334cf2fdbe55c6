"""The :class:`Alert` record: what a rule produces, what webhooks receive and the dashboard shows.

An alert is immutable and JSON-ready (``to_dict`` / ``to_json``, layout ``liqmap.alert/1``, see
``docs/alerts.md``). ``dedup_key`` names *the condition* (rule, symbol, kind, side and, for cluster
changes, the tracked cluster), not the moment: two alerts with the same key inside the rule's
cooldown are duplicates. ``idempotency_key`` names *this* alert (key and time) and is sent with
every attempt of a webhook delivery, so receivers can drop retried copies.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from liqmap.core.results import iso_ms

__all__ = ["ALERT_SCHEMA", "Alert", "AlertKind", "AlertValue"]

ALERT_SCHEMA = "liqmap.alert/1"

AlertKind = Literal["cluster_proximity", "cluster_change", "liquidations"]
AlertValue = float | int | str


@dataclass(frozen=True, slots=True)
class Alert:
    """One fired rule for one symbol at one time.

    Attributes
    ----------
    rule
        The rule's ``name`` from the config file.
    symbol
        The map's symbol (``BTCUSDT``).
    kind
        ``cluster_proximity``, ``cluster_change`` or ``liquidations``.
    message
        Plain-language text with the numbers, ready to show or post.
    values
        The numbers behind the message (read-only mapping of str to float, int or str).
    ts_ms
        Evaluation time (epoch ms, UTC).
    dedup_key
        Identity of the condition; equal keys within ``cooldown_ms`` are duplicates.
    cooldown_ms
        The rule's cooldown (0 = only exact repeats are duplicates).
    """

    rule: str
    symbol: str
    kind: AlertKind
    message: str
    values: Mapping[str, AlertValue]
    ts_ms: int
    dedup_key: str
    cooldown_ms: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))

    def __hash__(self) -> int:
        return hash((self.dedup_key, self.ts_ms, self.message))

    @property
    def idempotency_key(self) -> str:
        """Stable id of this alert (same across retries and restarts): sha256 of key and time."""
        raw = f"{self.dedup_key}|{self.ts_ms}".encode()
        return hashlib.sha256(raw).hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``liqmap.alert/1``); ``text`` repeats ``message`` for chat webhooks."""
        return {
            "schema": ALERT_SCHEMA,
            "rule": self.rule,
            "symbol": self.symbol,
            "kind": self.kind,
            "message": self.message,
            "text": self.message,
            "values": dict(self.values),
            "ts_ms": self.ts_ms,
            "ts": iso_ms(self.ts_ms),
            "dedup_key": self.dedup_key,
            "idempotency_key": self.idempotency_key,
            "cooldown_ms": self.cooldown_ms,
        }

    def to_json(self) -> str:
        """Compact JSON text of :meth:`to_dict` (one line: fits an SSE ``data:`` field)."""
        return json.dumps(self.to_dict(), allow_nan=False, separators=(",", ":"))
