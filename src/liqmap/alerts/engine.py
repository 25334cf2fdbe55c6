"""The :class:`AlertEngine`: evaluates every rule on a map, deterministically, without I/O.

The engine reports every rule whose condition holds *now*; cooldowns are applied where alerts are
delivered (:class:`~liqmap.alerts.webhook.WebhookSender`, :class:`~liqmap.alerts.bus.AlertBus`),
keyed by ``Alert.dedup_key``. The only state is what ``cluster_change`` rules need: the clusters of
the previous evaluation, per rule and symbol. Same rules and same sequence of inputs, same alerts.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace

from liqmap.alerts.alert import Alert
from liqmap.alerts.evaluate import (
    ChangeState,
    RuleOutcome,
    eval_change,
    eval_liquidations,
    eval_proximity,
)
from liqmap.alerts.rules import AlertConfigError, ClusterChangeRule, ClusterProximityRule, Rule
from liqmap.core.results import LiquidationMap
from liqmap.domain.market import LiquidationEvents

__all__ = ["AlertEngine", "RuleOutcome"]


class AlertEngine:
    """Evaluate alert rules on liquidation maps.

    >>> engine = AlertEngine(load_config("alerts.toml").rules)   # doctest: +SKIP
    >>> for alert in engine.evaluate(m, events, now_ms): ...      # doctest: +SKIP
    """

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._rules = tuple(rules)
        names = [r.name for r in self._rules]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise AlertConfigError(f"rule name(s) used twice: {', '.join(dup)}")
        self._state: dict[tuple[str, str, str], ChangeState] = {}
        self._lock = threading.Lock()

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules, in config order (alerts come out in this order)."""
        return self._rules

    def evaluate(
        self,
        m: LiquidationMap,
        events: LiquidationEvents | None = None,
        now_ms: int | None = None,
        *,
        stream: str = "",
    ) -> list[Alert]:
        """Alerts of every rule that fires on ``m`` (and ``events``, for ``liquidations`` rules).

        ``events`` are the observed liquidations of ``m.symbol``; ``now_ms`` is the evaluation
        time (default ``m.as_of_ms``: right for historical and demo maps). ``stream`` names the
        data source when one engine sees the same symbol from several (``'demo'``, ``'binance'``):
        the change-rule memory and the dedup keys are then kept per stream. Thread-safe.
        """
        outcomes = self.evaluate_detailed(m, events, now_ms, stream=stream)
        return [a for o in outcomes for a in o.alerts]

    def evaluate_detailed(
        self,
        m: LiquidationMap,
        events: LiquidationEvents | None = None,
        now_ms: int | None = None,
        *,
        stream: str = "",
    ) -> tuple[RuleOutcome, ...]:
        """One :class:`RuleOutcome` per rule (fired / quiet / skipped, with the reason).

        The change-rule state is updated only when every rule evaluated without error.
        """
        with self._lock:
            outcomes = self._evaluate(m, events, now_ms, stream)
        if not stream:
            return outcomes
        return tuple(
            replace(
                o, alerts=tuple(replace(a, dedup_key=f"{stream}/{a.dedup_key}") for a in o.alerts)
            )
            for o in outcomes
        )

    def _evaluate(
        self, m: LiquidationMap, events: LiquidationEvents | None, now_ms: int | None, stream: str
    ) -> tuple[RuleOutcome, ...]:
        now = m.as_of_ms if now_ms is None else int(now_ms)
        symbol = m.symbol.upper()
        outcomes: list[RuleOutcome] = []
        new_state: dict[tuple[str, str, str], ChangeState] = {}
        for rule in self._rules:
            if not rule.applies_to(symbol):
                note = f"watches {', '.join(rule.symbols)}, not {symbol}"
                outcomes.append(RuleOutcome(rule.name, rule.kind, symbol, "skipped", note))
            elif isinstance(rule, ClusterProximityRule):
                outcomes.append(eval_proximity(rule, m, now))
            elif isinstance(rule, ClusterChangeRule):
                key = (rule.name, stream, symbol)
                outcome, new_state[key] = eval_change(rule, m, self._state.get(key), now)
                outcomes.append(outcome)
            else:
                outcomes.append(eval_liquidations(rule, symbol, events, now))
        self._state.update(new_state)
        return tuple(outcomes)

    def reset(self, symbol: str | None = None) -> None:
        """Forget the previous clusters (of one symbol, or all): the next evaluation is a baseline."""
        with self._lock:
            for key in [k for k in self._state if symbol is None or k[2] == symbol.upper()]:
                del self._state[key]
