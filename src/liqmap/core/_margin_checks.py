"""Argument checks of :func:`liqmap.core.margin.liquidation_price` and :func:`liq_price_ratio`.

Each check raises :class:`~liqmap.errors.ParameterError` (or :class:`~liqmap.errors.LeverageError`)
naming the field and the bad value.
"""

from __future__ import annotations

import math
import sys

from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable, MarginTier
from liqmap.errors import LeverageError, ParameterError, UnknownExchangeError

__all__ = [
    "NORMAL_MIN",
    "finite_or_none",
    "leverage",
    "position_value",
    "positive",
    "require_table",
    "span",
]


def require_table(venue: Venue, table: MarginTable | None) -> MarginTable:
    if table is None:
        raise ParameterError(
            f"a margin table is required for {venue.value}: pass "
            f"liqmap.io.brackets.default_table({venue.value!r}, symbol) or load_brackets(path)"
        )
    try:
        table_venue = Venue.parse(table.venue)
    except UnknownExchangeError:
        return table  # a custom label: trust the caller
    if table_venue is not venue:
        raise ParameterError(
            f"the margin table of {table.symbol} is for {table_venue.value}, not {venue.value}"
        )
    return table


def position_value(entry: float, notional: float | None, quantity: float | None) -> float:
    if notional is not None and quantity is None:
        return positive("notional", notional)
    if quantity is not None and notional is None:
        return positive("quantity", quantity) * entry
    raise ParameterError(
        "give the position size as notional or as quantity (exactly one)", field="notional"
    )


NORMAL_MIN = sys.float_info.min  # smallest normal float; below it ratios lose all precision


def positive(name: str, value: float, field: str | None = None) -> float:
    v = float(value)
    if not (math.isfinite(v) and v >= NORMAL_MIN):
        raise ParameterError(
            f"{name} must be a finite number > 0, got {value}", field=field or name, value=value
        )
    return v


def leverage(value: float) -> float:
    v = float(value)
    if not (math.isfinite(v) and v > 0.0):
        raise LeverageError(
            f"leverage must be a finite number > 0, got {value}", field="leverage", value=value
        )
    return v


def span(tier: MarginTier) -> str:
    cap = "and above" if math.isinf(tier.notional_cap) else f"to {tier.notional_cap:,.8g}"
    return f"{tier.notional_floor:,.8g} {cap}"


def finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None


def coin_size(value: float, entry: float, entry_price: float) -> None:
    """The position's size in coin (``value / entry``) must be a normal, finite float."""
    if not (math.isfinite(value) and NORMAL_MIN <= value / entry < math.inf):
        raise ParameterError(
            f"a position of {value:g} at entry {entry:g} is {value / entry:g} coin: outside the range "
            "liqmap can compute with; check the units of the entry price and the size",
            field="entry_price", value=entry_price,
        )  # fmt: skip


def within_bracket(
    lev: float, tier: MarginTier, table: MarginTable, venue: Venue, leverage: float
) -> None:
    """The leverage may not exceed the entry bracket's maximum."""
    if lev > tier.max_leverage:
        raise LeverageError(
            f"leverage {lev:g}x exceeds the maximum {tier.max_leverage:g}x of bracket {tier.tier} "
            f"of {table.symbol} ({venue.value}), which holds positions of {span(tier)}; "
            f"lower the leverage or the position size",
            field="leverage", value=leverage,
        )  # fmt: skip
