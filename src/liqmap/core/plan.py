"""Trading aids from a liquidation map: stop-loss, take-profit, breakout zones, execution.

Decision support, not advice: every suggestion carries the numbers it came from (cluster USD,
distance, tiers) so a trader can judge it. Rules (``docs/cascade.md`` section 3):

* **Stop-loss** beyond the nearest *adverse* cluster (long liquidations below a long entry, short
  liquidations above a short entry: a wick through them is what takes stops), by a buffer of
  ``buffer_atr`` x the recent range (an ATR of ``atr_interval_ms`` bars); with a depth profile,
  beyond the pin of the cascade set off when price trades into the cluster's centre, when that
  wick would run further. A warning names any cluster the
  stop sits inside.
* **Take-profit** at the near edge of the largest *opposite* clusters (forced buyers above a long,
  forced sellers below a short: liquidity to exit into), with reward/risk.
* **Breakout zones**: gaps between neighbouring clusters whose USD density is below
  ``thin_ratio`` x the thinner neighbour's (the ``max_zones`` nearest to entry).
* **Execution** of ``size_usd``: slippage of a market order on the depth profile, and with forced
  flow: a passive order resting in adverse clusters within ``max_forced_distance_pct`` can expect
  ``capture_share`` of their forced orders; only the rest walks the book.
"""

from __future__ import annotations

import itertools
import math
from typing import Literal

import numpy as np

from liqmap.core.cascade import simulate_cascade
from liqmap.core.depth import DepthProfile
from liqmap.core.impact import ImpactModel
from liqmap.core.plan_types import (
    DISCLAIMER,
    BreakoutZone,
    Execution,
    LevelRef,
    Plan,
    PlanConfig,
    StopLoss,
    TakeProfit,
    TradeSide,
)
from liqmap.core.plan_types import pct as _pct
from liqmap.core.results import Cluster, LiquidationMap
from liqmap.domain.market import Candles
from liqmap.errors import ParameterError

__all__ = [
    "DISCLAIMER",
    "BreakoutZone",
    "Execution",
    "LevelRef",
    "Plan",
    "PlanConfig",
    "StopLoss",
    "TakeProfit",
    "make_plan",
    "recent_range_pct",
]


def recent_range_pct(bars: Candles, as_of_ms: int, interval_ms: int, periods: int) -> float:
    """Average true range (percent of the last close) of the last ``periods`` bars of
    ``interval_ms`` built from ``bars`` that closed by ``as_of_ms`` (no look-ahead)."""
    keep = bars.ts_ms + bars.interval_ms <= as_of_ms
    if keep.sum() < 2:
        raise ParameterError("plan needs at least two bars closed before the map's time")
    ts, hi, lo, cl = bars.ts_ms[keep], bars.high[keep], bars.low[keep], bars.close[keep]
    step = max(interval_ms, bars.interval_ms)
    group = ts // step
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    ends = np.r_[starts[1:], len(ts)] - 1
    h, lw, c = np.maximum.reduceat(hi, starts), np.minimum.reduceat(lo, starts), cl[ends]
    prev = np.r_[c[0], c[:-1]]
    tr = np.maximum(h - lw, np.maximum(np.abs(h - prev), np.abs(lw - prev)))[-periods:]
    return float(tr.mean() / c[-1] * 100.0)


def _clear_of_clusters(
    price: float, a: int, buffer: float, clusters: tuple[Cluster, ...]
) -> tuple[float, list[Cluster]]:
    """Move ``price`` away from entry (direction ``a``) past every cluster it lands in: to the
    cluster's far edge plus ``buffer`` (fraction), repeated until it sits in none."""
    moved: list[Cluster] = []
    for _ in range(len(clusters) + 1):
        hit = next((c for c in clusters if c.price_low <= price <= c.price_high), None)
        if hit is None:
            break
        moved.append(hit)
        price = (hit.price_low if a < 0 else hit.price_high) * (1 + a * buffer)
    return price, moved


def _stop(
    m: LiquidationMap, adverse: list[Cluster], a: int, entry: float, buffer: float,
    cfg: PlanConfig, atr: float, pinner: DepthProfile | ImpactModel | None,
) -> StopLoss:  # fmt: skip
    """Stop beyond the nearest adverse cluster (``a`` = adverse direction, -1 down, +1 up),
    never inside any cluster, checked against the allowed risk."""
    allowed = cfg.max_risk_pct if cfg.max_risk_pct > 0 else cfg.wide_stop_atr * atr
    pin, ref = None, None
    basis: Literal["cluster", "cascade_pin", "range"] = "range"
    if not adverse:
        price = entry * (1 + a * cfg.fallback_stop_atr * atr / 100)
    else:
        c = adverse[0]
        edge = c.price_low if a < 0 else c.price_high
        basis, ref = "cluster", LevelRef.of(c, entry, m.leverages)
        if pinner is not None and a * (c.price - m.price) > 0:  # price trades into its centre
            pin = simulate_cascade(m, pinner, shock_pct=_pct(c.price, m.price)).pin_price
            if a * (pin - edge) > 0:
                edge, basis = pin, "cascade_pin"
        price = edge * (1 + a * buffer)
    price, moved = _clear_of_clusters(price, a, buffer, m.clusters)
    dist = _pct(price, entry)
    return StopLoss(
        price, dist, buffer * 100, basis, ref, pin, None,
        moved_past=tuple(LevelRef.of(c, entry, m.leverages) for c in moved),
        within_risk=abs(dist) <= allowed, allowed_risk_pct=allowed,
    )  # fmt: skip


def _targets(
    opposite: list[Cluster], entry: float, stop: float, m: LiquidationMap, cfg: PlanConfig
) -> tuple[TakeProfit, ...]:
    """Near edges of the largest opposite clusters, with reward/risk and the minimum-R flag."""
    best = sorted(opposite, key=lambda c: -c.usd)[: cfg.max_targets]
    risk = abs(entry - stop)
    out = []
    for c in sorted(best, key=lambda c: abs(c.price - entry)):
        tp = c.price_low if c.price > entry else c.price_high
        rr = abs(tp - entry) / risk if risk > 0 else math.inf
        ok = rr >= cfg.min_reward_risk
        out.append(TakeProfit(tp, _pct(tp, entry), rr, LevelRef.of(c, entry, m.leverages), ok))
    return tuple(out)


def _zones(m: LiquidationMap, entry: float, cfg: PlanConfig) -> tuple[BreakoutZone, ...]:
    cs = sorted(m.clusters, key=lambda c: c.price_low)
    total = m.long_total + m.short_total
    lo_e, hi_e = m.edges[:-1], m.edges[1:]
    out = []
    for c1, c2 in itertools.pairwise(cs):
        lo, hi = c1.price_high, c2.price_low
        width = (hi - lo) / m.price * 100
        if width < cfg.min_zone_pct:
            continue
        share = np.clip(np.minimum(hi_e, hi) - np.maximum(lo_e, lo), 0, None) / (hi_e - lo_e)
        usd = float(np.dot(total, share))
        dens = [c.usd / max((c.price_high - c.price_low) / m.price * 100, 1e-9) for c in (c1, c2)]
        ratio = (usd / width) / min(dens) if min(dens) > 0 else math.inf
        if ratio >= cfg.thin_ratio:
            continue
        where = "below" if hi <= m.price else "above" if lo >= m.price else "around"
        refs = (LevelRef.of(c1, entry, m.leverages), LevelRef.of(c2, entry, m.leverages))
        out.append(BreakoutZone(lo, hi, width, usd, ratio, where, *refs))  # type: ignore[arg-type]
    near = sorted(out, key=lambda z: min(abs(z.price_low - entry), abs(z.price_high - entry)))
    return tuple(sorted(near[: cfg.max_zones], key=lambda z: z.price_low))


def _execution(
    size: float, forced: list[Cluster], d: int, entry: float, m: LiquidationMap,
    depth: DepthProfile | None, cfg: PlanConfig,
) -> Execution:  # fmt: skip
    """``d`` = direction of the order's own impact (+1 buying, -1 selling)."""
    levels, left = [], size
    for c in forced:
        if left <= 0 or abs(_pct(c.price, entry)) > cfg.max_forced_distance_pct:
            break
        take = min(left, cfg.capture_share * c.usd)
        levels.append((LevelRef.of(c, entry, m.leverages), take))
        left -= take
    passive = size - left
    if depth is None:
        return Execution(
            size, None, None, tuple(levels), passive, left, None, None, cfg.capture_share
        )
    side = depth.side(d)
    slip = side.avg_fill_distance(size) * 1e4
    end = entry * (1 + d * side.distance_for(size))
    rest = side.avg_fill_distance(left) * 1e4
    blended = rest * left / size
    return Execution(
        size, slip, end, tuple(levels), passive, left, rest, blended, cfg.capture_share
    )


def make_plan(
    m: LiquidationMap,
    bars: Candles,
    *,
    side: TradeSide,
    entry: float | None = None,
    size_usd: float | None = None,
    depth: DepthProfile | None = None,
    impact: ImpactModel | None = None,
    config: PlanConfig | None = None,
    data_source: str = "",
    simulated: bool = False,
) -> Plan:
    """Stop, targets, breakout zones and (with ``size_usd``) execution for a trade on map ``m``.

    ``bars`` give the recent range (only bars closed by the map's time are used); ``entry``
    defaults to the map's price; ``impact`` (else ``depth``) gives the cascade pin the stop must
    clear, ``depth`` the slippage numbers. ``data_source`` / ``simulated`` say what the map was
    built from (a plan on the simulated demo market says so).
    """
    cfg = config or PlanConfig()
    if side not in ("long", "short"):
        raise ParameterError(f"side must be 'long' or 'short', got {side!r}")
    e = float(m.price if entry is None else entry)
    if not (math.isfinite(e) and e > 0):
        raise ParameterError(f"entry must be a positive price, got {entry!r}")
    if size_usd is not None and not (math.isfinite(size_usd) and size_usd > 0):
        raise ParameterError(f"size must be a positive USD amount, got {size_usd!r}")
    a = -1 if side == "long" else 1  # adverse direction
    atr = recent_range_pct(bars, m.as_of_ms, cfg.atr_interval_ms, cfg.atr_periods)
    adv_side, opp_side = ("long", "short") if side == "long" else ("short", "long")
    adverse = sorted(
        (c for c in m.clusters if c.side == adv_side and a * (c.price - e) > 0),
        key=lambda c: abs(c.price - e),
    )
    opposite = [c for c in m.clusters if c.side == opp_side and -a * (c.price - e) > 0]
    stop = _stop(m, adverse, a, e, cfg.buffer_atr * atr / 100, cfg, atr, impact or depth)
    ex = None
    if size_usd is not None:
        ex = _execution(float(size_usd), adverse, -a, e, m, depth, cfg)
    targets = _targets(opposite, e, stop.price, m, cfg)
    return Plan(
        symbol=m.symbol,
        as_of_ms=m.as_of_ms,
        side=side,
        entry=e,
        price=m.price,
        atr_pct=atr,
        stop=stop,
        take_profits=tuple(t for t in targets if t.meets_min_rr),
        breakout_zones=_zones(m, e, cfg),
        execution=ex,
        warnings=_warnings(m, e, stop, adverse, atr, cfg, depth, size_usd, targets, simulated),
        depth_source=None if depth is None else depth.source,
        config=cfg,
        low_rr_targets=tuple(t for t in targets if not t.meets_min_rr),
        data_source=data_source,
        simulated=simulated,
        impact_source=None if impact is None else impact.source,
    )


def _warnings(
    m: LiquidationMap, entry: float, stop: StopLoss, adverse: list[Cluster], atr: float,
    cfg: PlanConfig, depth: DepthProfile | None, size: float | None,
    targets: tuple[TakeProfit, ...], simulated: bool,
) -> tuple[str, ...]:  # fmt: skip
    out = []
    if simulated:
        out.append("SIMULATED market (--source demo): these levels are not a real market's")
    for c in stop.moved_past:
        out.append(
            f"the stop was moved beyond the {c.side} cluster {c.price_low:,.2f}-"
            f"{c.price_high:,.2f} ({c.usd:,.0f} USD) it would have sat in: a wick into a cluster "
            "takes the stops inside it"
        )
    if not stop.within_risk:
        out.append(
            f"no stop within the allowed risk ({stop.allowed_risk_pct:.2f}%) exists outside the "
            f"clusters: the nearest clean stop is {stop.price:,.2f} ({stop.distance_pct:+.2f}%); "
            "skip the trade or reduce size for that risk"
        )
    low = [t for t in targets if not t.meets_min_rr]
    if low:
        rs = ", ".join(f"{t.price:,.2f} ({t.reward_risk:.2f}R)" for t in low)
        out.append(f"targets below {cfg.min_reward_risk:g}R skipped: {rs}")
    if not adverse:
        out.append("no adverse cluster on the map: the stop uses the recent range only")
    if abs(_pct(entry, m.price)) > 5.0:
        out.append(
            f"entry is {_pct(entry, m.price):+.1f}% from the current price; the map describes the "
            "levels as of now and will change before price gets there"
        )
    if size is not None and depth is None:
        out.append("no depth profile: slippage not estimated (pass --depth or --depth-model)")
    return tuple(out)
