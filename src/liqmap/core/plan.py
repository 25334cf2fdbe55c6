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
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from liqmap.core.cascade import simulate_cascade
from liqmap.core.depth import DepthProfile
from liqmap.core.results import Cluster, LiquidationMap, iso_ms, tier_label
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

PLAN_SCHEMA = "liqmap.plan/1"
DISCLAIMER = (
    "Decision support from a model estimate of liquidation levels, not trading advice: levels "
    "are inferred from price action, not exchange position data."
)
TradeSide = Literal["long", "short"]


@dataclass(frozen=True, slots=True)
class PlanConfig:
    """Rule parameters (documented defaults)."""

    atr_interval_ms: int = 3_600_000
    atr_periods: int = 14
    buffer_atr: float = 0.5
    fallback_stop_atr: float = 2.0
    wide_stop_atr: float = 4.0
    max_targets: int = 3
    thin_ratio: float = 0.25
    min_zone_pct: float = 0.2
    max_zones: int = 4
    capture_share: float = 0.25
    max_forced_distance_pct: float = 5.0

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not (math.isfinite(value) and value >= 0):
                raise ParameterError(f"plan {name} must be finite and >= 0, got {value!r}")
        if self.atr_interval_ms <= 0 or self.atr_periods < 1 or self.capture_share > 1:
            raise ParameterError("plan atr_interval_ms > 0, atr_periods >= 1, capture_share <= 1")


@dataclass(frozen=True, slots=True)
class LevelRef:
    """The cluster a suggestion rests on: USD, extent, distance from entry, USD per tier."""

    side: str
    price: float
    price_low: float
    price_high: float
    usd: float
    distance_pct: float
    tiers: dict[str, float]

    @classmethod
    def of(cls, c: Cluster, entry: float, leverages: tuple[float, ...]) -> LevelRef:
        tiers = {tier_label(lv): u for lv, u in zip(leverages, c.usd_by_tier, strict=True)}
        return cls(c.side, c.price, c.price_low, c.price_high, c.usd, _pct(c.price, entry), tiers)

    def main_tiers(self, k: int = 2) -> str:
        """``'25x 60%, 50x 30%'``: the largest tiers' shares."""
        total = sum(self.tiers.values()) or 1.0
        top = sorted(self.tiers.items(), key=lambda t: -t[1])[:k]
        return ", ".join(f"{name} {100 * u / total:.0f}%" for name, u in top if u > 0)


@dataclass(frozen=True, slots=True)
class StopLoss:
    """``basis``: ``cluster`` (beyond its far edge), ``cascade_pin`` (beyond the simulated wick of
    that cluster) or ``range`` (no adverse cluster: ``fallback_stop_atr`` x ATR)."""

    price: float
    distance_pct: float
    buffer_pct: float
    basis: Literal["cluster", "cascade_pin", "range"]
    cluster: LevelRef | None
    wick_pin: float | None
    inside: LevelRef | None


@dataclass(frozen=True, slots=True)
class TakeProfit:
    """Exit at the near edge of an opposite cluster."""

    price: float
    distance_pct: float
    reward_risk: float
    cluster: LevelRef


@dataclass(frozen=True, slots=True)
class BreakoutZone:
    """A thin stretch between two clusters; ``where`` is relative to the current price."""

    price_low: float
    price_high: float
    width_pct: float
    usd: float
    density_ratio: float
    where: Literal["below", "above", "around"]
    lower: LevelRef
    upper: LevelRef


@dataclass(frozen=True, slots=True)
class Execution:
    """Slippage (bps of entry, USD-weighted) of ``size_usd`` with and without forced flow."""

    size_usd: float
    market_slippage_bps: float | None
    market_end_price: float | None
    forced_levels: tuple[tuple[LevelRef, float], ...]  # (cluster, USD expected to fill there)
    passive_usd: float
    remainder_usd: float
    remainder_slippage_bps: float | None
    blended_slippage_bps: float | None
    capture_share: float


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything :func:`make_plan` suggests, with the numbers behind it."""

    symbol: str
    as_of_ms: int
    side: TradeSide
    entry: float
    price: float
    atr_pct: float
    stop: StopLoss
    take_profits: tuple[TakeProfit, ...]
    breakout_zones: tuple[BreakoutZone, ...]
    execution: Execution | None
    warnings: tuple[str, ...]
    depth_source: str | None
    config: PlanConfig

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``schema`` ``liqmap.plan/1``; non-finite numbers become null)."""
        ex = self.execution
        forced = (
            [] if ex is None else [{"cluster": asdict(c), "usd": u} for c, u in ex.forced_levels]
        )
        d = {
            "schema": PLAN_SCHEMA, "symbol": self.symbol, "as_of_ms": self.as_of_ms,
            "as_of": iso_ms(self.as_of_ms), "side": self.side, "entry": self.entry,
            "price": self.price, "atr_pct": self.atr_pct, "stop": asdict(self.stop),
            "take_profits": [asdict(t) for t in self.take_profits],
            "breakout_zones": [asdict(z) for z in self.breakout_zones],
            "execution": None if ex is None else asdict(ex) | {"forced_levels": forced},
            "warnings": list(self.warnings), "depth_source": self.depth_source,
            "config": asdict(self.config), "disclaimer": DISCLAIMER,
        }  # fmt: skip
        out: dict[str, Any] = _finite(d)
        return out


def _finite(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    return None if isinstance(x, float) and not math.isfinite(x) else x


def _pct(x: float, ref: float) -> float:
    return (x / ref - 1.0) * 100.0


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


def _stop(
    m: LiquidationMap,
    adverse: list[Cluster],
    a: int,
    entry: float,
    buffer: float,
    cfg: PlanConfig,
    atr: float,
    depth: DepthProfile | None,
) -> StopLoss:
    """Stop beyond the nearest adverse cluster (``a`` = adverse direction, -1 down, +1 up)."""
    if not adverse:
        price = entry * (1 + a * cfg.fallback_stop_atr * atr / 100)
        return StopLoss(price, _pct(price, entry), buffer * 100, "range", None, None, None)
    c = adverse[0]
    far = c.price_low if a < 0 else c.price_high
    edge, pin = far, None
    basis: Literal["cluster", "cascade_pin"] = "cluster"
    if depth is not None and a * (c.price - m.price) > 0:  # price trades into the cluster's centre
        pin = simulate_cascade(m, depth, shock_pct=_pct(c.price, m.price)).pin_price
        if a * (pin - far) > 0:
            edge, basis = pin, "cascade_pin"
    price = edge * (1 + a * buffer)
    ref = LevelRef.of(c, entry, m.leverages)
    inside = next((x for x in adverse if x.price_low <= price <= x.price_high), None)
    inside_ref = LevelRef.of(inside, entry, m.leverages) if inside else None
    return StopLoss(price, _pct(price, entry), buffer * 100, basis, ref, pin, inside_ref)


def _targets(
    opposite: list[Cluster], entry: float, stop: float, m: LiquidationMap, cfg: PlanConfig
) -> tuple[TakeProfit, ...]:
    best = sorted(opposite, key=lambda c: -c.usd)[: cfg.max_targets]
    risk = abs(entry - stop)
    out = []
    for c in sorted(best, key=lambda c: abs(c.price - entry)):
        tp = c.price_low if c.price > entry else c.price_high
        rr = abs(tp - entry) / risk if risk > 0 else math.inf
        out.append(TakeProfit(tp, _pct(tp, entry), rr, LevelRef.of(c, entry, m.leverages)))
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
    config: PlanConfig | None = None,
) -> Plan:
    """Stop, targets, breakout zones and (with ``size_usd``) execution for a trade on map ``m``.

    ``bars`` give the recent range (only bars closed by the map's time are used); ``entry``
    defaults to the map's price; ``depth`` adds the cascade pin to the stop and slippage numbers.
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
    stop = _stop(m, adverse, a, e, cfg.buffer_atr * atr / 100, cfg, atr, depth)
    ex = None
    if size_usd is not None:
        ex = _execution(float(size_usd), adverse, -a, e, m, depth, cfg)
    return Plan(
        symbol=m.symbol,
        as_of_ms=m.as_of_ms,
        side=side,
        entry=e,
        price=m.price,
        atr_pct=atr,
        stop=stop,
        take_profits=_targets(opposite, e, stop.price, m, cfg),
        breakout_zones=_zones(m, e, cfg),
        execution=ex,
        warnings=_warnings(m, e, stop, adverse, atr, cfg, depth, size_usd),
        depth_source=None if depth is None else depth.source,
        config=cfg,
    )


def _warnings(
    m: LiquidationMap, entry: float, stop: StopLoss, adverse: list[Cluster], atr: float,
    cfg: PlanConfig, depth: DepthProfile | None, size: float | None,
) -> tuple[str, ...]:  # fmt: skip
    out = []
    if stop.inside is not None:
        c = stop.inside
        far = c.price_low if c.side == "long" else c.price_high
        alt = far * (1 + (-1 if c.side == "long" else 1) * stop.buffer_pct / 100)
        out.append(
            f"the stop {stop.price:,.2f} sits inside a {c.side} cluster "
            f"{c.price_low:,.2f}-{c.price_high:,.2f} ({c.usd:,.0f} USD): a wick into it would "
            f"take the stop; beyond its far edge is {alt:,.2f}, or reduce size"
        )
    if not adverse:
        out.append("no adverse cluster on the map: the stop uses the recent range only")
    if atr > 0 and abs(stop.distance_pct) > cfg.wide_stop_atr * atr:
        out.append(
            f"the stop is {abs(stop.distance_pct) / atr:.1f}x the recent range away: size the "
            "position for that risk"
        )
    if abs(_pct(entry, m.price)) > 5.0:
        out.append(
            f"entry is {_pct(entry, m.price):+.1f}% from the current price; the map describes the "
            "levels as of now and will change before price gets there"
        )
    if size is not None and depth is None:
        out.append("no depth profile: slippage not estimated (pass --depth or --depth-model)")
    return tuple(out)
