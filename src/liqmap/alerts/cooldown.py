"""De-duplication by ``dedup_key`` within each alert's cooldown, measured in alert time.

An alert passes the gate unless one with the same ``dedup_key`` passed less than
``max(cooldown_ms, 1)`` ms before (or after: late arrivals count too). Time is the alerts' own
``ts_ms``, never the wall clock, so replays and tests are deterministic.
"""

from __future__ import annotations

import threading

from liqmap.alerts.alert import Alert

__all__ = ["CooldownGate"]

_PRUNE_ABOVE = 4096


class CooldownGate:
    """Remembers when each ``dedup_key`` last passed (thread-safe)."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[int, int]] = {}  # key -> (ts_ms, cooldown_ms)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._last)

    def is_duplicate(self, alert: Alert) -> bool:
        """True when an alert with the same key passed within the cooldown."""
        with self._lock:
            return self._seen(alert)

    def admit(self, alert: Alert) -> bool:
        """Let ``alert`` through (and remember it) unless it is a duplicate."""
        with self._lock:
            if self._seen(alert):
                return False
            self._last[alert.dedup_key] = (alert.ts_ms, alert.cooldown_ms)
            if len(self._last) > _PRUNE_ABOVE:
                self._prune(alert.ts_ms)
            return True

    def forget(self, alert: Alert) -> None:
        """Undo :meth:`admit` of this alert (e.g. its delivery failed), so a later one may pass."""
        with self._lock:
            if self._last.get(alert.dedup_key, (None, 0))[0] == alert.ts_ms:
                del self._last[alert.dedup_key]

    def _seen(self, alert: Alert) -> bool:
        prev = self._last.get(alert.dedup_key)
        return prev is not None and abs(alert.ts_ms - prev[0]) < max(alert.cooldown_ms, 1)

    def _prune(self, now_ms: int) -> None:
        expired = [k for k, (ts, cd) in self._last.items() if now_ms - ts >= max(cd, 1)]
        for k in expired:
            del self._last[k]
