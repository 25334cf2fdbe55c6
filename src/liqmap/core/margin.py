"""Exact isolated-margin liquidation prices (skeleton: Binance USD-M only; other venues to come).

CONTRACT (other modules rely on these two signatures; keep them):

    liquidation_price(venue, side, entry_price, leverage, *, notional=None, quantity=None,
                      margin=None, table=None) -> LiquidationQuote
    liq_price_ratio(venue, side, leverage, notional, table=None) -> float
        liquidation price / entry price for a position of that notional (USD) opened with
        margin = notional / leverage. Entry-independent for every supported venue.
"""

from __future__ import annotations

from dataclasses import dataclass

from liqmap.domain.enums import Side, Venue
from liqmap.domain.margin import MarginTable, MarginTier
from liqmap.errors import LeverageError, ParameterError

__all__ = ["LiquidationQuote", "liq_price_ratio", "liquidation_price"]


@dataclass(frozen=True, slots=True)
class LiquidationQuote:
    """A liquidation price with the numbers it came from."""

    venue: Venue
    side: Side
    entry_price: float
    leverage: float
    notional: float
    quantity: float
    margin: float
    liquidation_price: float
    tier: MarginTier
    distance_pct: float  # (liquidation / entry - 1) * 100


def liquidation_price(
    venue: Venue,
    side: Side,
    entry_price: float,
    leverage: float,
    *,
    notional: float | None = None,
    quantity: float | None = None,
    margin: float | None = None,
    table: MarginTable | None = None,
) -> LiquidationQuote:
    """Isolated-margin liquidation price (Binance USD-M one-way mode only in this skeleton)."""
    if venue is not Venue.BINANCE or table is None:
        raise ParameterError("skeleton: only Binance USD-M with a bracket table is implemented")
    if entry_price <= 0:
        raise ParameterError(f"entry price must be > 0, got {entry_price}")
    if leverage <= 0:
        raise LeverageError(f"leverage must be > 0, got {leverage}")
    if notional is None:
        if quantity is None:
            raise ParameterError("give the position size as notional or quantity")
        notional = quantity * entry_price
    qty = notional / entry_price
    tier = table.tier_for(notional)
    if leverage > tier.max_leverage:
        raise LeverageError(
            f"leverage {leverage:g} exceeds the maximum {tier.max_leverage:g} for a {notional:,.0f} "
            f"position in bracket {tier.tier} of {table.symbol}"
        )
    wb = notional / leverage if margin is None else margin
    s = side.sign
    lp = (wb + tier.maint_amount - s * qty * entry_price) / (
        qty * tier.maint_margin_ratio - s * qty
    )
    return LiquidationQuote(
        venue,
        side,
        entry_price,
        leverage,
        notional,
        qty,
        wb,
        lp,
        tier,
        (lp / entry_price - 1.0) * 100.0,
    )


def liq_price_ratio(
    venue: Venue, side: Side, leverage: float, notional: float, table: MarginTable | None = None
) -> float:
    """Liquidation price / entry price for a position of ``notional`` at ``leverage``."""
    q = liquidation_price(venue, side, 1.0, leverage, notional=notional, table=table)
    return q.liquidation_price
