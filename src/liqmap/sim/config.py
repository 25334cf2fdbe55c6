"""Frozen, validated configuration of the market simulator (every field: ``docs/simulator.md``)."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import Literal

from liqmap.core.formatting import format_number
from liqmap.domain.margin import MarginTable
from liqmap.errors import ParameterError

__all__ = ["LEVERAGE_POPULATIONS", "PRESETS", "PresetName", "Regime", "SimConfig"]

Regime = Literal["mixed", "trend", "range", "crash"]
PresetName = Literal["mixed", "trend", "range", "crash", "high-leverage", "low-leverage"]
PRESETS: tuple[PresetName, ...] = (
    "mixed",
    "trend",
    "range",
    "crash",
    "high-leverage",
    "low-leverage",
)

# name -> (leverages, share of new positions at each leverage)
LEVERAGE_POPULATIONS: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "default": (
        (2.0, 3.0, 5.0, 10.0, 20.0, 25.0, 50.0, 75.0, 100.0, 125.0),
        (0.04, 0.06, 0.14, 0.24, 0.20, 0.12, 0.10, 0.04, 0.04, 0.02),
    ),
    "high": (
        (5.0, 10.0, 20.0, 25.0, 50.0, 75.0, 100.0, 125.0),
        (0.05, 0.10, 0.15, 0.15, 0.20, 0.10, 0.15, 0.10),
    ),
    "low": (
        (2.0, 3.0, 5.0, 10.0, 20.0, 25.0),
        (0.15, 0.20, 0.30, 0.25, 0.07, 0.03),
    ),
}

_JAN_1_2026_MS = 1_767_225_600_000

# field -> (lowest, highest) accepted value; both inclusive
_RANGES: dict[str, tuple[float, float]] = {
    "start_price": (1e-6, 1e12),
    "duration_minutes": (1, 366 * 1440),
    "warmup_minutes": (0, 366 * 1440),
    "steps_per_minute": (1, 600),
    "volatility_pct": (0.0, 5.0),
    "vol_of_vol": (0.0, 1.0),
    "vol_half_life_minutes": (1.0, 1e6),
    "trend_pct_per_day": (-50.0, 50.0),
    "range_half_life_hours": (0.1, 1e6),
    "segment_hours": (0.5, 1e6),
    "shock_pct": (-50.0, 50.0),
    "shock_minutes": (1, 1440),
    "shock_at": (0.0, 1.0),
    "shocks_per_day": (0.0, 24.0),
    "shock_depth_factor": (0.01, 1.0),
    "arrivals_per_minute": (0.0, 1000.0),
    "activity_vol_exponent": (0.0, 3.0),
    "notional_median_usd": (1.0, 1e9),
    "notional_sigma": (0.0, 4.0),
    "min_notional_usd": (0.01, 1e9),
    "max_notional_usd": (1.0, 1e10),
    "hold_hours_at_10x": (0.01, 1e5),
    "hold_leverage_exponent": (0.0, 3.0),
    "take_profit_share": (0.0, 1.0),
    "take_profit_distance": (0.01, 1.0),
    "stop_loss_share": (0.0, 1.0),
    "stop_loss_distance": (0.01, 0.99),
    "side_momentum": (0.0, 1.0),
    "momentum_minutes": (1.0, 1e5),
    "depth_usd_per_pct": (1.0, 1e13),
    "permanent_impact": (0.0, 1.0),
    "impact_half_life_minutes": (0.01, 1e5),
    "noise_volume_usd_per_minute": (0.0, 1e13),
    "noise_imbalance": (0.0, 0.5),
}


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Every knob of the simulator; defaults give 7 days of BTCUSDT-like 1m bars.

    The meaning, unit and default of each field is listed in ``docs/simulator.md``. Build a
    variant with ``dataclasses.replace`` or a named one with :meth:`preset`.
    """

    seed: int = 7
    symbol: str = "BTCUSDT"
    start_price: float = 60_000.0
    start_ms: int = _JAN_1_2026_MS
    duration_minutes: int = 7 * 1440
    warmup_minutes: int = 3 * 1440
    steps_per_minute: int = 20
    regime: Regime = "mixed"
    # exogenous price process
    volatility_pct: float = 0.045
    vol_of_vol: float = 0.5
    vol_half_life_minutes: float = 90.0
    trend_pct_per_day: float = 2.0
    range_half_life_hours: float = 6.0
    segment_hours: float = 18.0
    shock_pct: float = -5.0
    shock_minutes: int = 10
    shock_at: float = 0.8
    shocks_per_day: float = 0.1
    shock_depth_factor: float = 0.4
    # position takers
    leverages: tuple[float, ...] = LEVERAGE_POPULATIONS["default"][0]
    leverage_weights: tuple[float, ...] = LEVERAGE_POPULATIONS["default"][1]
    arrivals_per_minute: float = 4.0
    activity_vol_exponent: float = 1.0
    notional_median_usd: float = 2_500.0
    notional_sigma: float = 1.7
    min_notional_usd: float = 100.0
    max_notional_usd: float = 5_000_000.0
    hold_hours_at_10x: float = 12.0
    hold_leverage_exponent: float = 0.7
    take_profit_share: float = 0.35
    take_profit_distance: float = 1.0
    stop_loss_share: float = 0.4
    stop_loss_distance: float = 0.5
    side_momentum: float = 0.3
    momentum_minutes: float = 60.0
    # market microstructure
    depth_usd_per_pct: float = 3_000_000.0
    permanent_impact: float = 0.6
    impact_half_life_minutes: float = 2.0
    noise_volume_usd_per_minute: float = 700_000.0
    noise_imbalance: float = 0.15
    oi_valuation: Literal["mark", "entry"] = "mark"
    margin_table: MarginTable | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "leverages", tuple(float(x) for x in self.leverages))
        object.__setattr__(self, "leverage_weights", tuple(float(x) for x in self.leverage_weights))
        for name, (lo, hi) in _RANGES.items():
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and lo <= value <= hi):
                raise ParameterError(
                    f"SimConfig.{name} must be in [{format_number(lo)}, {format_number(hi)}], "
                    f"got {format_number(value) if isinstance(value, int | float) else repr(value)}"
                )
        self._validate_choices()
        self._validate_leverage()
        if self.min_notional_usd > self.max_notional_usd:
            raise ParameterError(
                f"SimConfig.min_notional_usd ({self.min_notional_usd:g}) exceeds "
                f"max_notional_usd ({self.max_notional_usd:g})"
            )

    def _validate_choices(self) -> None:
        if self.regime not in ("mixed", "trend", "range", "crash"):
            raise ParameterError(
                f"SimConfig.regime must be 'mixed', 'trend', 'range' or 'crash', got {self.regime!r}"
            )
        if self.oi_valuation not in ("mark", "entry"):
            raise ParameterError(
                f"SimConfig.oi_valuation must be 'mark' or 'entry', got {self.oi_valuation!r}"
            )
        if 60_000 % self.steps_per_minute != 0:
            raise ParameterError(
                f"SimConfig.steps_per_minute must divide 60000 (ms per minute), "
                f"got {self.steps_per_minute}; use e.g. 10, 12, 20 or 30"
            )
        for name in ("seed", "start_ms", "duration_minutes", "warmup_minutes", "shock_minutes"):
            if not isinstance(getattr(self, name), int):
                raise ParameterError(
                    f"SimConfig.{name} must be an int, got {getattr(self, name)!r}"
                )

    def _validate_leverage(self) -> None:
        levs, weights = self.leverages, self.leverage_weights
        if not levs or len(levs) != len(weights):
            raise ParameterError(
                f"SimConfig.leverages ({len(levs)}) and leverage_weights ({len(weights)}) must be "
                "non-empty and of the same length"
            )
        if any(not (1.0 < lev <= 1000.0) for lev in levs):
            raise ParameterError(f"SimConfig.leverages must each be in (1, 1000], got {levs}")
        if any(b <= a for a, b in itertools.pairwise(levs)):
            raise ParameterError(f"SimConfig.leverages must be strictly increasing, got {levs}")
        if any(not (math.isfinite(w) and w >= 0.0) for w in weights):
            raise ParameterError(f"SimConfig.leverage_weights must be >= 0, got {weights}")
        if abs(sum(weights) - 1.0) > 1e-6:
            raise ParameterError(
                f"SimConfig.leverage_weights must sum to 1, they sum to {sum(weights):.6g}"
            )

    @property
    def total_minutes(self) -> int:
        """Warm-up plus output minutes."""
        return self.warmup_minutes + self.duration_minutes

    @property
    def step_ms(self) -> int:
        """Length of one sub-minute step in milliseconds."""
        return 60_000 // self.steps_per_minute

    @classmethod
    def preset(cls, name: PresetName) -> SimConfig:
        """A named scenario: ``mixed`` (the default config), ``trend``, ``range``, ``crash``,
        ``high-leverage`` or ``low-leverage`` (mixed market, another leverage population).

        Change single fields with ``dataclasses.replace(SimConfig.preset("crash"), seed=3)``.
        """
        if name not in PRESETS:
            raise ParameterError(f"unknown simulator preset {name!r}; choose one of {PRESETS}")
        if name == "crash":
            return replace(cls(), regime="crash", duration_minutes=2 * 1440, shock_at=0.75)
        if name in ("high-leverage", "low-leverage"):
            levs, weights = LEVERAGE_POPULATIONS[name.split("-")[0]]
            return replace(cls(), leverages=levs, leverage_weights=weights)
        regime: Regime = "trend" if name == "trend" else "range" if name == "range" else "mixed"
        return replace(cls(), regime=regime)
