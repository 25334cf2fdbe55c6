"""Pure evaluation of each rule kind on a map (and observed events): no I/O, no clock.

Every function takes the rule, the inputs and ``now_ms`` and returns a :class:`RuleOutcome`:
``fired`` with its alerts, ``quiet`` with the nearest miss in words, or ``skipped`` with the
reason (the rule watches another symbol, no events were given, first evaluation of a symbol).

Comparisons: "within X %" and "changed by Z %" include the boundary (``<=`` / ``>=``, with a
relative tolerance of 1e-9 against float noise), "at least $Y" includes it, "more than $W" does not.

Cluster matching for ``cluster_change`` (between two consecutive evaluations of one symbol), per
side: every (previous, current) pair whose centres differ by at most ``match_pct`` % of the previous
centre is a candidate; candidates are taken closest first (ties: lower previous price, then lower
current price), each cluster at most once. A matched cluster inherits the previous one's *anchor*
(its price when first seen), which names it in ``dedup_key`` while it drifts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from liqmap.alerts.alert import Alert, AlertKind, AlertValue
from liqmap.alerts.rules import (
    AlertConfigError,
    ClusterChangeRule,
    ClusterProximityRule,
    LiquidationsRule,
)
from liqmap.core.reading import format_duration, format_price, format_usd
from liqmap.core.results import Cluster, LiquidationMap, tier_label
from liqmap.domain.market import LiquidationEvents

__all__ = [
    "ChangeState",
    "RuleOutcome",
    "Tracked",
    "eval_change",
    "eval_liquidations",
    "eval_proximity",
    "match_clusters",
]

_REL_TOL = 1e-9


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """What one rule did on one evaluation: ``fired`` (with alerts), ``quiet`` or ``skipped``."""

    rule: str
    kind: AlertKind
    symbol: str
    status: Literal["fired", "quiet", "skipped"]
    detail: str
    alerts: tuple[Alert, ...] = ()


@dataclass(frozen=True, slots=True)
class Tracked:
    """A cluster as a change rule remembers it: side, centre, USD (rule's tiers), anchor price."""

    side: str
    price: float
    usd: float
    anchor: float


@dataclass(frozen=True, slots=True)
class ChangeState:
    """A change rule's memory of one symbol: the clusters of the previous evaluation."""

    ts_ms: int
    clusters: tuple[Tracked, ...]


def _le(a: float, b: float) -> bool:
    return a <= b + _REL_TOL * max(1.0, abs(b))


def _ge(a: float, b: float) -> bool:
    return a >= b - _REL_TOL * max(1.0, abs(b))


def _sides(side: str) -> tuple[str, ...]:
    return ("long", "short") if side == "any" else (side,)


def tier_indices(
    m: LiquidationMap, tiers: tuple[float, ...] | None, rule: str
) -> tuple[int, ...] | None:
    """Positions of the rule's tiers in the map's leverages (``None`` = all tiers)."""
    if tiers is None:
        return None
    out = []
    for t in tiers:
        hit = [i for i, lv in enumerate(m.leverages) if abs(lv - t) <= 1e-9 * t]
        if not hit:
            have = ", ".join(tier_label(lv) for lv in m.leverages)
            raise AlertConfigError(
                f"tier {tier_label(t)} is not on the {m.symbol} map (its tiers: {have}); "
                "change the rule's tiers or the map's leverage mix",
                rule=rule, field="tiers",
            )  # fmt: skip
        out.append(hit[0])
    return tuple(out)


def _usd(c: Cluster, idx: tuple[int, ...] | None) -> float:
    return c.usd if idx is None else float(sum(c.usd_by_tier[i] for i in idx))


def _tier_text(tiers: tuple[float, ...] | None) -> str:
    return "" if tiers is None else "+".join(tier_label(t) for t in tiers)


def _alert(
    rule: ClusterProximityRule | ClusterChangeRule | LiquidationsRule,
    symbol: str,
    message: str,
    values: dict[str, AlertValue],
    now_ms: int,
    key: str,
) -> Alert:
    return Alert(
        rule=rule.name, symbol=symbol, kind=rule.kind, message=message, values=values,
        ts_ms=now_ms, dedup_key=f"{rule.name}:{symbol}:{rule.kind}:{key}",
        cooldown_ms=rule.cooldown_ms,
    )  # fmt: skip


def _outcome(
    rule: ClusterProximityRule | ClusterChangeRule | LiquidationsRule,
    symbol: str,
    alerts: Sequence[Alert],
    notes: Sequence[str],
) -> RuleOutcome:
    status: Literal["fired", "quiet"] = "fired" if alerts else "quiet"
    detail = "; ".join(a.message for a in alerts) if alerts else "; ".join(notes)
    return RuleOutcome(rule.name, rule.kind, symbol, status, detail, tuple(alerts))


# --- cluster_proximity ------------------------------------------------------------------------


def eval_proximity(rule: ClusterProximityRule, m: LiquidationMap, now_ms: int) -> RuleOutcome:
    """Per side: the nearest cluster of at least ``min_usd``; fires when it is within range."""
    idx = tier_indices(m, rule.tiers, rule.name)
    tiers = _tier_text(rule.tiers)
    alerts: list[Alert] = []
    notes: list[str] = []
    for side in _sides(rule.side):
        big = [
            (c, u) for c in m.clusters if c.side == side and _ge(u := _usd(c, idx), rule.min_usd)
        ]
        what = f"{side} cluster of at least {format_usd(rule.min_usd)}" + (
            f" in {tiers}" if tiers else ""
        )
        if not big:
            notes.append(f"no {what} on the map")
            continue
        c, usd = min(big, key=lambda x: (abs(x[0].distance_pct), -x[1], x[0].price))
        dist = abs(c.distance_pct)
        if not _le(dist, rule.within_pct):
            notes.append(f"nearest {what} is {dist:.2f}% away (needs within {rule.within_pct:g}%)")
            continue
        where = "below" if c.distance_pct < 0 else "above"
        msg = (
            f"{m.symbol}: a {format_usd(usd)} {side}-liquidation cluster"
            + (f" ({tiers})" if tiers else "")
            + f" at {format_price(c.price)} is {dist:.2f}% {where} the price "
            f"{format_price(m.price)} (rule '{rule.name}': within {rule.within_pct:g}% of at "
            f"least {format_usd(rule.min_usd)})"
        )
        values: dict[str, AlertValue] = {
            "side": side, "price": m.price, "cluster_price": c.price,
            "cluster_price_low": c.price_low, "cluster_price_high": c.price_high,
            "cluster_usd": usd, "distance_pct": c.distance_pct, "within_pct": rule.within_pct,
            "min_usd": rule.min_usd, "tiers": tiers or "all",
        }  # fmt: skip
        alerts.append(_alert(rule, m.symbol, msg, values, now_ms, side))
    return _outcome(rule, m.symbol, alerts, notes)


# --- cluster_change ---------------------------------------------------------------------------


def match_clusters(
    previous: Sequence[Tracked], current: Sequence[Tracked], match_pct: float
) -> list[tuple[int, int]]:
    """One-to-one pairs ``(i_previous, j_current)``, same side, closest first (module docstring)."""
    candidates = sorted(
        (abs(n.price / o.price - 1.0) * 100.0, o.price, n.price, i, j)
        for i, o in enumerate(previous)
        for j, n in enumerate(current)
        if o.side == n.side and o.price > 0 and _le(abs(n.price / o.price - 1.0) * 100.0, match_pct)
    )
    used_prev: set[int] = set()
    used_cur: set[int] = set()
    pairs = []
    for _, _, _, i, j in candidates:
        if i not in used_prev and j not in used_cur:
            used_prev.add(i)
            used_cur.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def _wanted(rule: ClusterChangeRule, pct: float) -> bool:
    if (rule.direction == "grow" and pct <= 0) or (rule.direction == "shrink" and pct >= 0):
        return False
    return _ge(abs(pct), rule.change_pct)


def _change_alert(
    rule: ClusterChangeRule, m: LiquidationMap, old: Tracked, new: Tracked | None,
    prev_ts_ms: int, now_ms: int,
) -> Alert:  # fmt: skip
    new_usd = 0.0 if new is None else new.usd
    pct = (new_usd - old.usd) * 100.0 / old.usd
    ago = format_duration(now_ms - prev_ts_ms)
    if new is None:
        verb, what = "vanish", "is no longer among the map's clusters (-100%)"
    else:
        verb = "grow" if pct > 0 else "shrink"
        what = (
            f"{'grew' if pct > 0 else 'shrank'} {abs(pct):.1f}% from {format_usd(old.usd)} to "
            f"{format_usd(new.usd)}"
        )
    price = old.price if new is None else new.price
    msg = (
        f"{m.symbol}: the {old.side}-liquidation cluster at {format_price(price)} {what} since "
        f"the previous evaluation {ago} ago (rule '{rule.name}': change of at least "
        f"{rule.change_pct:g}%)"
    )
    values: dict[str, AlertValue] = {
        "side": old.side, "price": m.price, "cluster_price": price,
        "previous_cluster_price": old.price, "previous_usd": old.usd, "cluster_usd": new_usd,
        "change_pct": pct, "change_threshold_pct": rule.change_pct, "anchor_price": old.anchor,
        "previous_ts_ms": prev_ts_ms, "tiers": _tier_text(rule.tiers) or "all",
    }  # fmt: skip
    return _alert(rule, m.symbol, msg, values, now_ms, f"{old.side}:{old.anchor:.8g}:{verb}")


def eval_change(
    rule: ClusterChangeRule, m: LiquidationMap, previous: ChangeState | None, now_ms: int
) -> tuple[RuleOutcome, ChangeState]:
    """Compare the map's clusters with the previous evaluation's; returns the new state too."""
    idx = tier_indices(m, rule.tiers, rule.name)
    sides = _sides(rule.side)
    current = [
        Tracked(c.side, c.price, _usd(c, idx), c.price) for c in m.clusters if c.side in sides
    ]
    if previous is None:
        state = ChangeState(now_ms, tuple(current))
        note = (
            f"first evaluation of {m.symbol}: {len(current)} cluster size(s) kept as the baseline"
        )
        return RuleOutcome(rule.name, rule.kind, m.symbol, "skipped", note), state
    pairs = match_clusters(previous.clusters, current, rule.match_pct)
    for i, j in pairs:  # matched clusters keep their identity
        current[j] = Tracked(
            current[j].side, current[j].price, current[j].usd, previous.clusters[i].anchor
        )
    found: list[tuple[Tracked, Tracked | None]] = [
        (previous.clusters[i], current[j]) for i, j in pairs
    ]
    if rule.include_vanished:
        matched = {i for i, _ in pairs}
        found += [(o, None) for i, o in enumerate(previous.clusters) if i not in matched]
    alerts: list[Alert] = []
    largest = 0.0
    for old, new in found:
        new_usd = 0.0 if new is None else new.usd
        if old.usd <= 0 or not _ge(max(old.usd, new_usd), rule.min_usd):
            continue
        pct = (new_usd - old.usd) * 100.0 / old.usd
        largest = max(largest, abs(pct))
        if _wanted(rule, pct):
            alerts.append(_change_alert(rule, m, old, new, previous.ts_ms, now_ms))
    alerts.sort(key=lambda a: (str(a.values["side"]), float(a.values["cluster_price"])))
    note = (
        f"{len(pairs)} cluster(s) matched; largest change {largest:.1f}% "
        f"(needs {rule.change_pct:g}%, {rule.direction})"
    )
    return _outcome(rule, m.symbol, alerts, [note]), ChangeState(now_ms, tuple(current))


# --- liquidations -----------------------------------------------------------------------------


def eval_liquidations(
    rule: LiquidationsRule, symbol: str, events: LiquidationEvents | None, now_ms: int
) -> RuleOutcome:
    """Sum observed liquidation USD with ``now - minutes < ts <= now``, per side or in total."""
    if events is None:
        note = "no observed liquidation events given (a liquidations source is needed)"
        return RuleOutcome(rule.name, rule.kind, symbol, "skipped", note)
    start = now_ms - rule.minutes * 60_000
    in_window = (events.ts_ms > start) & (events.ts_ms <= now_ms)
    usd = np.nan_to_num(events.notional_usd)
    per = {
        "long": (float(usd[in_window & (events.side > 0)].sum()), int((in_window & (events.side > 0)).sum())),
        "short": (float(usd[in_window & (events.side < 0)].sum()), int((in_window & (events.side < 0)).sum())),
    }  # fmt: skip
    if rule.side == "total":
        groups = [("total", per["long"][0] + per["short"][0], per["long"][1] + per["short"][1])]
    else:
        groups = [(s, *per[s]) for s in _sides(rule.side)]
    alerts: list[Alert] = []
    notes: list[str] = []
    for side, total, n in groups:
        label = "long and short" if side == "total" else side
        seen = f"{format_usd(total)} of {label} liquidations ({n} event(s)) in the last {rule.minutes} min"
        if not total > rule.min_usd:
            notes.append(f"{seen} (needs more than {format_usd(rule.min_usd)})")
            continue
        msg = f"{symbol}: {seen}, more than {format_usd(rule.min_usd)} (rule '{rule.name}')"
        values: dict[str, AlertValue] = {
            "side": side, "usd": total, "events": n, "minutes": rule.minutes,
            "min_usd": rule.min_usd, "window_start_ms": start, "window_end_ms": now_ms,
        }  # fmt: skip
        alerts.append(_alert(rule, symbol, msg, values, now_ms, side))
    return _outcome(rule, symbol, alerts, notes)
