"""The record of one cascade: its rounds, totals, stopping reason and the model that ran it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from liqmap.core.depth import DepthProfile
from liqmap.core.impact import ImpactModel
from liqmap.core.results import iso_ms, tier_label

__all__ = ["STOP_REASONS", "CascadeResult", "StopReason"]

FloatArray = NDArray[np.float64]
CASCADE_SCHEMA = "liqmap.cascade/1"
StopReason = Literal[
    "no_shock", "absorbed", "map_edge", "book_exhausted", "max_steps", "notional_cap"
]
STOP_REASONS: tuple[StopReason, ...] = (
    "no_shock", "absorbed", "map_edge", "book_exhausted", "max_steps", "notional_cap",
)  # fmt: skip
_STOP_TEXT = {
    "no_shock": "no shock: nothing moved price",
    "absorbed": "the book absorbed the forced orders (a round crossed no further levels)",
    "map_edge": "price left the map's range; levels beyond it are unknown",
    "book_exhausted": "the depth model ran out before zero price",
    "max_steps": "stopped after the maximum number of rounds before converging",
    "notional_cap": "every position the map holds on that side was liquidated",
}
_MAX_JSON_STEPS = 500


def _ro(a: object) -> FloatArray:
    arr = np.array(a, dtype=np.float64, copy=True)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, slots=True)
class CascadeResult:
    """The rounds of a cascade and what they add up to.

    Step ``0`` is the shock (no liquidations); step ``k`` holds the price reached after round ``k``
    and the USD force-closed in that round, per side. ``flow_usd`` is the cumulative market flow
    (shock + forced orders) that has walked the book.
    """

    symbol: str
    as_of_ms: int
    start_price: float
    direction: int
    shock_pct: float
    order_usd: float | None
    step_price: FloatArray
    step_long_usd: FloatArray
    step_short_usd: FloatArray
    step_flow_usd: FloatArray
    stop_reason: StopReason
    permanent_fraction: float
    leverages: tuple[float, ...]
    liquidated_by_tier: tuple[float, ...]
    depth: DepthProfile | None
    notes: tuple[str, ...] = field(default_factory=tuple)
    impact: ImpactModel | None = None

    def __post_init__(self) -> None:
        for name in ("step_price", "step_long_usd", "step_short_usd", "step_flow_usd"):
            object.__setattr__(self, name, _ro(getattr(self, name)))

    @property
    def n_steps(self) -> int:
        """Rounds after the shock."""
        return len(self.step_price) - 1

    @property
    def total_long_usd(self) -> float:
        """Long liquidations of the whole cascade."""
        return float(self.step_long_usd.sum())

    @property
    def total_short_usd(self) -> float:
        """Short liquidations of the whole cascade."""
        return float(self.step_short_usd.sum())

    @property
    def total_liquidated_usd(self) -> float:
        """All liquidations of the cascade."""
        return self.total_long_usd + self.total_short_usd

    @property
    def shock_price(self) -> float:
        """Price right after the shock, before any liquidation."""
        return float(self.step_price[0])

    @property
    def pin_price(self) -> float:
        """The wick's extreme: the furthest price the cascade reached."""
        return float(self.step_price[-1])

    @property
    def shock_move_pct(self) -> float:
        """Move of the shock alone, signed, in percent."""
        return (self.shock_price / self.start_price - 1.0) * 100.0

    @property
    def pin_move_pct(self) -> float:
        """Move to the pin, signed, in percent."""
        return (self.pin_price / self.start_price - 1.0) * 100.0

    @property
    def final_move_pct(self) -> float:
        """Move after the wick reverts: shock + ``permanent_fraction`` x cascade extra."""
        s, p = self.shock_move_pct, self.pin_move_pct
        return s + self.permanent_fraction * (p - s)

    @property
    def final_price(self) -> float:
        """Price after the wick reverts."""
        return self.start_price * (1.0 + self.final_move_pct / 100.0)

    @property
    def amplification(self) -> float:
        """Final move / shock move (1 = no cascade; ``nan`` without a shock)."""
        s = self.shock_move_pct
        return self.final_move_pct / s if s != 0 else math.nan

    @property
    def pin_amplification(self) -> float:
        """Pin move / shock move."""
        s = self.shock_move_pct
        return self.pin_move_pct / s if s != 0 else math.nan

    def absorption_usd(self, move: float) -> float:
        """Forced USD the market absorbs before price reaches ``move`` (fraction from the start):
        the cascade stops where the USD crossed falls below this curve. Impact law: a shock
        :math:`d_0` needs :math:`I^{-1}(d - d_0)`, an order :math:`I^{-1}(d) - X_0`; book:
        :math:`D(d) - X_0`."""
        x0 = float(self.step_flow_usd[0])
        if self.impact is not None:
            if self.order_usd is None:
                return self.impact.usd_for(max(move - abs(self.shock_move_pct) / 100.0, 0.0))
            return max(self.impact.usd_for(move) - x0, 0.0)
        if self.depth is None:
            return math.nan
        return max(self.depth.side(self.direction).usd_within(move) - x0, 0.0)

    @property
    def model_text(self) -> str:
        """One line on the model that ran the cascade."""
        if self.impact is not None:
            i = self.impact
            return (
                f"impact law Y={i.fit.y:.2f} x sigma_daily {i.sigma_daily:.2%} x (Q / "
                f"{i.volume_usd_daily / 1e9:.1f}B USD/day)^{i.fit.delta:g}; {i.source}"
            )
        return f"instant book, no refill: {self.depth.source if self.depth else '?'}"

    @property
    def stop_text(self) -> str:
        """The stopping reason in words."""
        return _STOP_TEXT[self.stop_reason]

    def _steps(self) -> tuple[list[dict[str, float | int]], bool]:
        n = len(self.step_price)
        groups = np.array_split(np.arange(n), min(n, _MAX_JSON_STEPS)) if n > 1 else [np.arange(n)]
        out: list[dict[str, float | int]] = []
        for g in groups:
            last = int(g[-1])
            out.append({
                "step": last,
                "price": float(self.step_price[last]),
                "move_pct": float((self.step_price[last] / self.start_price - 1.0) * 100.0),
                "long_usd": float(self.step_long_usd[g].sum()),
                "short_usd": float(self.step_short_usd[g].sum()),
                "flow_usd": float(self.step_flow_usd[last]),
            })  # fmt: skip
        return out, n > _MAX_JSON_STEPS

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``schema`` ``liqmap.cascade/1``; path merged above 500 steps)."""
        steps, merged = self._steps()
        amp, pamp = self.amplification, self.pin_amplification
        return {
            "schema": CASCADE_SCHEMA,
            "symbol": self.symbol,
            "as_of_ms": self.as_of_ms,
            "as_of": iso_ms(self.as_of_ms),
            "start_price": self.start_price,
            "direction": "down" if self.direction < 0 else "up",
            "shock_pct": self.shock_pct,
            "order_usd": self.order_usd,
            "shock_price": self.shock_price,
            "pin_price": self.pin_price,
            "pin_move_pct": self.pin_move_pct,
            "final_price": self.final_price,
            "final_move_pct": self.final_move_pct,
            "amplification": None if math.isnan(amp) else amp,
            "pin_amplification": None if math.isnan(pamp) else pamp,
            "total_liquidated_usd": self.total_liquidated_usd,
            "total_long_usd": self.total_long_usd,
            "total_short_usd": self.total_short_usd,
            "liquidated_by_tier": {
                tier_label(lv): u
                for lv, u in zip(self.leverages, self.liquidated_by_tier, strict=True)
            },
            "n_steps": self.n_steps,
            "stop_reason": self.stop_reason,
            "stop_text": self.stop_text,
            "permanent_fraction": self.permanent_fraction,
            "steps": steps,
            "steps_merged": merged,
            "model": "impact" if self.impact is not None else "book",
            "depth": None if self.depth is None else self.depth.to_dict(),
            "impact": None if self.impact is None else self.impact.to_dict(),
            "notes": list(self.notes),
        }
