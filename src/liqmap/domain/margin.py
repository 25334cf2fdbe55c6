"""Maintenance-margin tiers ("brackets", "risk limits") as exchanges publish them."""

from __future__ import annotations

from dataclasses import dataclass

from liqmap.errors import ParameterError

__all__ = ["MarginTable", "MarginTier"]


@dataclass(frozen=True, slots=True)
class MarginTier:
    """One maintenance-margin tier.

    Attributes
    ----------
    tier
        1-based tier (bracket) number.
    notional_floor, notional_cap
        The tier holds positions with ``notional_floor <= notional < notional_cap`` (in the
        margin currency for linear contracts: USD(T); in coin for inverse contracts).
    maint_margin_ratio
        Maintenance margin rate (e.g. 0.004 = 0.4%).
    maint_amount
        Maintenance amount ("cum" on Binance, "mm deduction" on Bybit) that makes the tiered
        maintenance margin continuous: ``MM = notional * maint_margin_ratio - maint_amount``.
    max_leverage
        Highest initial leverage allowed in this tier.
    """

    tier: int
    notional_floor: float
    notional_cap: float
    maint_margin_ratio: float
    maint_amount: float
    max_leverage: float

    def to_dict(self) -> dict[str, float | int]:
        """JSON-ready form."""
        return {
            "tier": self.tier,
            "notional_floor": self.notional_floor,
            "notional_cap": self.notional_cap,
            "maint_margin_ratio": self.maint_margin_ratio,
            "maint_amount": self.maint_amount,
            "max_leverage": self.max_leverage,
        }


@dataclass(frozen=True, slots=True)
class MarginTable:
    """The tiers of one symbol on one venue, sorted by notional floor, with their provenance."""

    symbol: str
    venue: str
    tiers: tuple[MarginTier, ...]
    as_of: str = ""  # date the table was published or fetched (ISO date)
    source: str = ""

    def __post_init__(self) -> None:
        if not self.tiers:
            raise ParameterError(f"margin table for {self.symbol} has no tiers")
        prev_cap = None
        for t in self.tiers:
            if not (t.notional_cap > t.notional_floor >= 0):
                raise ParameterError(
                    f"margin table for {self.symbol}: tier {t.tier} has floor {t.notional_floor} "
                    f">= cap {t.notional_cap}"
                )
            if not (0 < t.maint_margin_ratio < 1) or t.max_leverage <= 0:
                raise ParameterError(
                    f"margin table for {self.symbol}: tier {t.tier} has maint_margin_ratio "
                    f"{t.maint_margin_ratio} (must be in (0, 1)) or max_leverage {t.max_leverage}"
                )
            if prev_cap is not None and abs(t.notional_floor - prev_cap) > 1e-9 * max(
                1.0, prev_cap
            ):
                raise ParameterError(
                    f"margin table for {self.symbol}: tier {t.tier} starts at {t.notional_floor} "
                    f"but the previous tier ends at {prev_cap}; tiers must be contiguous and sorted"
                )
            prev_cap = t.notional_cap

    @property
    def max_leverage(self) -> float:
        """The highest leverage any tier allows."""
        return max(t.max_leverage for t in self.tiers)

    def tier_for(self, notional: float) -> MarginTier:
        """The tier holding a position of this notional (``floor <= notional < cap``).

        Positions above the last cap are placed in the last tier.
        """
        for t in self.tiers:
            if notional < t.notional_cap:
                return t
        return self.tiers[-1]
