"""Alert rules: frozen, validated dataclasses, one per kind.

=======================  ==================================================================
kind                     fires when
=======================  ==================================================================
``cluster_proximity``    the price is within ``within_pct`` % of a cluster of at least
                         ``min_usd`` (``side``, optional ``tiers`` subset)
``cluster_change``       a cluster's USD changed by at least ``change_pct`` % between two
                         consecutive evaluations of the same symbol
``liquidations``         more than ``min_usd`` of liquidations were observed in the last
                         ``minutes`` minutes (per side or in total)
=======================  ==================================================================

Every rule has a ``name`` (unique), ``symbols`` (``("*",)`` = any symbol), a ``cooldown_ms``
(delivery de-duplication window) and optional ``webhooks`` (names; ``None`` = all). Invalid values
raise :class:`AlertConfigError`, which names the file (when loaded from one), rule and field.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import ClassVar, Literal

from liqmap.alerts.alert import AlertKind
from liqmap.core.formatting import format_number
from liqmap.errors import ParameterError

__all__ = [
    "DEFAULT_COOLDOWN_MS",
    "AlertConfigError",
    "ClusterChangeRule",
    "ClusterProximityRule",
    "ClusterSide",
    "Direction",
    "LiquidationSide",
    "LiquidationsRule",
    "Rule",
]

ClusterSide = Literal["long", "short", "any"]
LiquidationSide = Literal["long", "short", "any", "total"]
Direction = Literal["grow", "shrink", "any"]

DEFAULT_COOLDOWN_MS = 15 * 60_000
"""Default cooldown: 15 minutes."""

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
SYMBOL_RE = re.compile(r"^[A-Z0-9][A-Z0-9_.-]{1,39}$")
MAX_MINUTES = 7 * 1440


class AlertConfigError(ParameterError):
    """A bad alert config: the message names the file, the rule (or webhook) and the field.

    ``path``, ``rule`` (name, or ``#n`` for the n-th table when it has no valid name), ``field``
    and ``section`` (``rule`` or ``webhook``) are kept as attributes.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        rule: str | None = None,
        field: str | None = None,
        section: Literal["rule", "webhook"] = "rule",
    ) -> None:
        self.path = path
        self.rule = rule
        self.section = section
        self.detail = message
        where = []
        if path is not None:
            where.append(path)
        if rule is not None:
            where.append(f"{section} {rule}" if rule.startswith("#") else f"{section} {rule!r}")
        if field is not None:
            where.append(f"field {field!r}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message, field=field)

    def located(self, *, path: str | None = None, rule: str | None = None) -> AlertConfigError:
        """The same error, located in ``path`` (and in ``rule`` when it named none)."""
        return AlertConfigError(
            self.detail,
            path=self.path or path,
            rule=self.rule or rule,
            field=self.field,
            section=self.section,
        )


def _finite(x: float) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


@dataclass(frozen=True, slots=True, kw_only=True)
class _RuleBase:
    """Fields every rule has."""

    kind: ClassVar[AlertKind]

    name: str
    symbols: tuple[str, ...]
    cooldown_ms: int = DEFAULT_COOLDOWN_MS
    webhooks: tuple[str, ...] | None = None

    def _fail(self, field: str, message: str) -> AlertConfigError:
        return AlertConfigError(message, rule=self.name, field=field)

    def _check_common(self) -> None:
        if not isinstance(self.name, str) or not NAME_RE.match(self.name):
            raise AlertConfigError(
                f"rule names use letters, digits, '_', '.', '-' (1-64 characters), got {self.name!r}",
                field="name",
            )
        syms = tuple(s.upper() for s in self.symbols)
        object.__setattr__(self, "symbols", syms)
        if not syms:
            raise self._fail("symbols", "give at least one symbol, e.g. ['BTCUSDT'], or '*'")
        for s in syms:
            if s != "*" and not SYMBOL_RE.match(s):
                raise self._fail("symbols", f"{s!r} is not a symbol like 'BTCUSDT' (or '*')")
        if not isinstance(self.cooldown_ms, int) or self.cooldown_ms < 0:
            raise self._fail("cooldown", f"must be >= 0, got {self.cooldown_ms!r} ms")
        if self.webhooks is not None and not self.webhooks:
            raise self._fail(
                "webhooks", "an empty list sends nowhere; omit it to use every webhook"
            )

    def _check_range(self, field: str, value: float, lo: float, hi: float, lo_open: bool) -> None:
        ok = _finite(value) and (value > lo if lo_open else value >= lo) and value <= hi
        if not ok:
            bracket = "(" if lo_open else "["
            raise self._fail(
                field,
                f"must be a number in {bracket}{format_number(lo)}, {format_number(hi)}], got {value!r}",
            )

    def _check_tiers(self, tiers: tuple[float, ...] | None) -> None:
        if tiers is None:
            return
        if not tiers:
            raise self._fail("tiers", "an empty list selects nothing; omit it to use every tier")
        for t in tiers:
            if not (_finite(t) and t > 1):
                raise self._fail("tiers", f"each tier is a leverage > 1 like '25x', got {t!r}")
        if len(set(tiers)) != len(tiers):
            raise self._fail("tiers", f"tiers repeat: {list(tiers)}")

    def applies_to(self, symbol: str) -> bool:
        """True when the rule watches ``symbol``."""
        return "*" in self.symbols or symbol.upper() in self.symbols


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterProximityRule(_RuleBase):
    """Price within ``within_pct`` % of a cluster of at least ``min_usd`` (centre to price).

    ``side``: ``long`` (long-liquidation clusters, below the price), ``short`` (above) or ``any``
    (each side on its own). ``tiers``: leverages whose USD counts (``None`` = all tiers).
    """

    kind: ClassVar[AlertKind] = "cluster_proximity"

    within_pct: float
    min_usd: float
    side: ClusterSide = "any"
    tiers: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        self._check_common()
        self._check_range("within_pct", self.within_pct, 0.0, 100.0, lo_open=True)
        self._check_range("min_usd", self.min_usd, 0.0, 1e15, lo_open=False)
        if self.side not in ("long", "short", "any"):
            raise self._fail("side", f"must be 'long', 'short' or 'any', got {self.side!r}")
        self._check_tiers(self.tiers)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterChangeRule(_RuleBase):
    """A cluster's USD changed by at least ``change_pct`` % since the previous evaluation.

    Clusters of consecutive evaluations are matched per side by price proximity
    (``match_pct``, see ``docs/alerts.md``); pairs where neither USD reaches ``min_usd`` are
    ignored. ``direction``: ``grow``, ``shrink`` or ``any``. With ``include_vanished`` a cluster of
    at least ``min_usd`` that has no match any more counts as a -100 % change.
    """

    kind: ClassVar[AlertKind] = "cluster_change"

    change_pct: float
    min_usd: float = 0.0
    match_pct: float = 0.5
    direction: Direction = "any"
    side: ClusterSide = "any"
    tiers: tuple[float, ...] | None = None
    include_vanished: bool = False

    def __post_init__(self) -> None:
        self._check_common()
        self._check_range("change_pct", self.change_pct, 0.0, 1e6, lo_open=True)
        self._check_range("min_usd", self.min_usd, 0.0, 1e15, lo_open=False)
        self._check_range("match_pct", self.match_pct, 0.0, 50.0, lo_open=True)
        if self.direction not in ("grow", "shrink", "any"):
            raise self._fail(
                "direction", f"must be 'grow', 'shrink' or 'any', got {self.direction!r}"
            )
        if self.side not in ("long", "short", "any"):
            raise self._fail("side", f"must be 'long', 'short' or 'any', got {self.side!r}")
        if not isinstance(self.include_vanished, bool):
            raise self._fail(
                "include_vanished", f"must be true or false, got {self.include_vanished!r}"
            )
        self._check_tiers(self.tiers)


@dataclass(frozen=True, slots=True, kw_only=True)
class LiquidationsRule(_RuleBase):
    """More than ``min_usd`` of observed liquidations in the last ``minutes`` minutes.

    ``side``: ``long`` (longs liquidated), ``short``, ``any`` (each side on its own) or ``total``
    (both sides summed). The window is ``now - minutes < ts <= now``.
    """

    kind: ClassVar[AlertKind] = "liquidations"

    min_usd: float
    minutes: int
    side: LiquidationSide = "total"

    def __post_init__(self) -> None:
        self._check_common()
        self._check_range("min_usd", self.min_usd, 0.0, 1e15, lo_open=False)
        if (
            not isinstance(self.minutes, int)
            or isinstance(self.minutes, bool)
            or not 1 <= self.minutes <= MAX_MINUTES
        ):
            raise self._fail(
                "minutes",
                f"must be a whole number of minutes in [1, {MAX_MINUTES}], got {self.minutes!r}",
            )
        if self.side not in ("long", "short", "any", "total"):
            raise self._fail(
                "side", f"must be 'long', 'short', 'any' or 'total', got {self.side!r}"
            )


Rule = ClusterProximityRule | ClusterChangeRule | LiquidationsRule
"""Any alert rule."""
