"""The records of a trading plan (:func:`liqmap.core.plan.make_plan` fills them)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

from liqmap.core.results import Cluster, iso_ms, tier_label
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
    "TradeSide",
    "pct",
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
    min_reward_risk: float = 1.0
    max_risk_pct: float = 0.0  # 0: the allowed risk is wide_stop_atr x the recent range

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
        return cls(c.side, c.price, c.price_low, c.price_high, c.usd, pct(c.price, entry), tiers)

    def main_tiers(self, k: int = 2) -> str:
        """``'25x 60%, 50x 30%'``: the largest tiers' shares."""
        total = sum(self.tiers.values()) or 1.0
        top = sorted(self.tiers.items(), key=lambda t: -t[1])[:k]
        return ", ".join(f"{name} {100 * u / total:.0f}%" for name, u in top if u > 0)


@dataclass(frozen=True, slots=True)
class StopLoss:
    """``basis``: ``cluster`` (beyond its far edge), ``cascade_pin`` (beyond the simulated wick of
    that cluster) or ``range`` (no adverse cluster: ``fallback_stop_atr`` x ATR).

    The stop is never inside a cluster: one that would land in a cluster is moved beyond its far
    edge plus the buffer (``moved_past`` lists them). ``within_risk`` is false when that stop is
    further than ``allowed_risk_pct``: then no stop within the allowed risk exists.
    """

    price: float
    distance_pct: float
    buffer_pct: float
    basis: Literal["cluster", "cascade_pin", "range"]
    cluster: LevelRef | None
    wick_pin: float | None
    inside: LevelRef | None
    moved_past: tuple[LevelRef, ...] = ()
    within_risk: bool = True
    allowed_risk_pct: float = math.inf


@dataclass(frozen=True, slots=True)
class TakeProfit:
    """Exit at the near edge of an opposite cluster."""

    price: float
    distance_pct: float
    reward_risk: float
    cluster: LevelRef
    meets_min_rr: bool = True


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
    low_rr_targets: tuple[TakeProfit, ...] = ()
    data_source: str = ""
    simulated: bool = False
    impact_source: str | None = None

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
            "low_rr_targets": [asdict(t) for t in self.low_rr_targets],
            "warnings": list(self.warnings), "depth_source": self.depth_source,
            "impact_source": self.impact_source, "data_source": self.data_source,
            "simulated": self.simulated, "config": asdict(self.config), "disclaimer": DISCLAIMER,
        }  # fmt: skip
        out: dict[str, Any] = _finite(d)
        return out


def _finite(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    return None if isinstance(x, float) and not math.isfinite(x) else x


def pct(x: float, ref: float) -> float:
    """Percent of ``x`` from ``ref``."""
    return (x / ref - 1.0) * 100.0
