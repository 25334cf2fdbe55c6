"""Exact isolated-margin liquidation prices for Binance USD-M and COIN-M, Bybit, OKX, Hyperliquid.

Public surface (other modules rely on these two signatures)::

    liquidation_price(venue, side, entry_price, leverage, *, notional=None, quantity=None,
                      margin=None, table=None) -> LiquidationQuote
    liq_price_ratio(venue, side, leverage, notional, table=None) -> float

Units
-----
``notional`` is the position value at entry in the quote currency (USDT for Binance USD-M,
Bybit and OKX, USDC for Hyperliquid, USD face value for Binance COIN-M). ``quantity`` is the
position size in coin at entry (``notional = quantity * entry_price`` on every venue). ``margin``
is the isolated margin in the margin currency (the coin for COIN-M); it defaults to the initial
margin ``value / leverage``. The margin table's bounds are in the margin currency: quote currency
for linear contracts, coin for inverse ones.

Bracket choice
--------------
Binance (USD-M and COIN-M) applies the bracket holding the position's value **at the liquidation
price** ("if the position notional calculated at the liquidation price and the assumed margin
level differ, substitute the other level's rate and amount and recalculate"): with
``bracket="liquidation"`` (the default of :func:`liquidation_price`) liqmap solves the formula
with every bracket and keeps the one whose value at its own result lies inside it -- unique,
because equity minus maintenance margin is strictly monotone in the price when the maintenance
amounts make the tiered margin continuous. Bybit and Hyperliquid value the maintenance margin at
the entry price and OKX tiers by contracts (constant in price), so their tier is the one at
entry. ``bracket="entry"`` (the default of :func:`liq_price_ratio`, used by the estimator and
the simulator) keeps the entry tier everywhere: a documented approximation (``docs/model.md``
section 1.7). The leverage limit is always the entry tier's.

The formulas are derived in ``docs/model.md`` section 1; each one cites its exchange document in
:mod:`liqmap.core._margin_formulas`. A venue names its formula, bracket rule and fee term in
``venue.margin`` (:class:`~liqmap.domain.venue.MarginRules`); nothing here branches on the venue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, assert_never

from liqmap.core import _margin_checks as checks
from liqmap.core import _margin_formulas as formulas
from liqmap.domain.enums import ContractKind, Side, Venue
from liqmap.domain.margin import MarginTable, MarginTier
from liqmap.domain.venue import MarginFormula
from liqmap.errors import ParameterError, UnknownExchangeError

__all__ = [
    "BRACKET_AT_LIQUIDATION",
    "DEFAULT_TAKER_FEE_RATE",
    "BracketRule",
    "LiquidationQuote",
    "inverse_contract_size",
    "liq_price_ratio",
    "liquidation_price",
    "select_tier",
]

BracketRule = Literal["liquidation", "entry"]
"""Which bracket the formula uses: Binance's at the liquidation price, or the one at entry."""

BRACKET_AT_LIQUIDATION = frozenset(v for v in Venue if v.margin.bracket_at_liquidation)
"""Built-in venues taking the bracket at the liquidation price ("Bracket choice"; the rule is
``venue.margin.bracket_at_liquidation``)."""
DEFAULT_TAKER_FEE_RATE = {v: f for v in Venue if (f := v.margin.taker_fee_rate) is not None}
"""Built-in venues' fee rates in the liquidation condition (OKX only; ``venue.margin``)."""


@dataclass(frozen=True, slots=True)
class LiquidationQuote:
    """A liquidation price with the numbers it came from.

    Attributes
    ----------
    notional
        Position value at entry in the quote currency (USD face value for inverse contracts).
    quantity
        Position size in coin (``notional / entry_price``).
    margin
        Isolated margin in the margin currency (coin for inverse contracts).
    liquidation_price
        Mark price at which the position is liquidated; ``0.0`` when a long can never be
        liquidated (margin >= notional), ``inf`` when an inverse short never can.
    tier
        The maintenance-margin tier used: on Binance the one holding the value at the
        liquidation price (see "Bracket choice"), elsewhere the one at entry.
    distance_pct
        ``(liquidation_price / entry_price - 1) * 100``: negative for longs, positive for shorts.
    maintenance_margin
        Maintenance requirement at the entry price, in the margin currency (for OKX including
        the taker fee to close). The margin must exceed it.
    symbol
        The margin table's symbol.
    taker_fee_rate
        Fee rate in the liquidation condition (OKX only; 0 elsewhere).
    contracts
        Number of contracts for inverse contracts (``notional / contract size``), else ``None``.
    entry_tier
        The tier holding the value at entry (it sets the leverage limit and the maintenance
        margin at entry); ``None`` when it is ``tier``.
    """

    venue: Venue
    side: Side
    entry_price: float
    leverage: float
    notional: float
    quantity: float
    margin: float
    liquidation_price: float
    tier: MarginTier
    distance_pct: float
    maintenance_margin: float = 0.0
    symbol: str = ""
    taker_fee_rate: float = 0.0
    contracts: float | None = None
    entry_tier: MarginTier | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (infinite values written as ``null``)."""
        tier = {k: checks.finite_or_none(float(v)) for k, v in self.tier.to_dict().items()}
        tier["tier"] = self.tier.tier
        return {
            "venue": self.venue.value,
            "symbol": self.symbol,
            "side": self.side.value,
            "entry_price": self.entry_price,
            "leverage": self.leverage,
            "notional": self.notional,
            "quantity": self.quantity,
            "contracts": self.contracts,
            "margin": self.margin,
            "maintenance_margin": self.maintenance_margin,
            "taker_fee_rate": self.taker_fee_rate,
            "liquidation_price": checks.finite_or_none(self.liquidation_price),
            "distance_pct": checks.finite_or_none(self.distance_pct),
            "tier": tier,
            "entry_tier": None if self.entry_tier is None else self.entry_tier.tier,
        }


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
    taker_fee_rate: float | None = None,
    bracket: BracketRule = "liquidation",
) -> LiquidationQuote:
    """Isolated-margin liquidation price of one position (one-way mode, no other positions).

    Parameters
    ----------
    venue, side
        Exchange (product line) and position side.
    entry_price
        Average entry price, > 0.
    leverage
        Initial leverage, > 0 and at most the tier's maximum.
    notional, quantity
        Position size: value at entry in the quote currency, or size in coin. Give exactly one.
    margin
        Isolated margin in the margin currency; defaults to ``value / leverage``. Must exceed the
        maintenance margin at entry.
    table
        Maintenance-margin tiers of the symbol (see :func:`liqmap.io.brackets.default_table`).
    taker_fee_rate
        Fee rate in the liquidation condition, for venues whose condition has one (OKX); default
        the venue's ``margin.taker_fee_rate``.
    bracket
        ``"liquidation"``: Binance's bracket at the liquidation price (exact); ``"entry"``: the
        entry bracket everywhere (the estimator's approximation). See "Bracket choice".

    Raises
    ------
    ParameterError
        Bad price, size, margin or table; margin at or below maintenance (instant liquidation).
    LeverageError
        Leverage <= 0 or above the tier's maximum.
    """
    if not isinstance(venue, Venue):
        raise UnknownExchangeError(f"venue must be a liqmap Venue, got {venue!r}")
    entry = checks.positive("entry price", entry_price, "entry_price")
    lev = checks.leverage(leverage)
    tbl = checks.require_table(venue, table)
    value = checks.position_value(entry, notional, quantity)
    checks.coin_size(value, entry, entry_price)
    inverse = venue.contract_kind is ContractKind.INVERSE
    basis = value / entry if inverse else value  # the table's unit: coin for inverse contracts
    tier = select_tier(tbl, basis)
    checks.within_bracket(lev, tier, tbl, venue, leverage)
    wb = basis / lev if margin is None else checks.positive("margin", margin)
    fee = _fee(venue, taker_fee_rate)
    mm = _maintenance(venue, value, entry, tier, fee)
    if wb <= mm:
        raise ParameterError(
            f"margin {wb:,.8g} is at or below the maintenance margin {mm:,.8g} of this "
            f"{value:,.2f} position (bracket {tier.tier} of {tbl.symbol}): it would be liquidated "
            f"immediately; add margin or lower the leverage",
            field="margin", value=wb,
        )  # fmt: skip
    pos = formulas.Position(side.sign, entry, value, wb)
    used, lp = tier, _price(venue, pos, tier, fee)
    if bracket == "liquidation" and venue.margin.bracket_at_liquidation:
        used, lp = _tier_at_liquidation(venue, pos, tbl, tier, lp)
    return LiquidationQuote(
        venue=venue,
        side=side,
        entry_price=entry,
        leverage=lev,
        notional=value,
        quantity=value / entry,
        margin=wb,
        liquidation_price=lp,
        tier=used,
        distance_pct=(lp / entry - 1.0) * 100.0,
        maintenance_margin=mm,
        symbol=tbl.symbol,
        taker_fee_rate=fee,
        contracts=value / inverse_contract_size(tbl.symbol) if inverse else None,
        entry_tier=None if used is tier else tier,
    )


def liq_price_ratio(
    venue: Venue,
    side: Side,
    leverage: float,
    notional: float,
    table: MarginTable | None = None,
    *,
    taker_fee_rate: float | None = None,
    bracket: BracketRule = "entry",
) -> float:
    """Liquidation price / entry price of a position opened with margin ``notional / leverage``.

    The ratio does not depend on the entry price on any supported venue. ``notional`` is in the
    table's unit: the quote currency for linear contracts, **coin** for inverse contracts (for
    COIN-M pass ``usd_notional / price``; with it the ratio is again entry-independent).
    ``ratio * entry_price == liquidation_price(..., entry_price, notional=notional * (entry_price
    if inverse else 1), bracket=bracket).liquidation_price``. The default ``bracket="entry"``
    is the estimator's documented approximation (see "Bracket choice").
    """
    quote = liquidation_price(
        venue, side, 1.0, leverage, notional=notional, table=table,
        taker_fee_rate=taker_fee_rate, bracket=bracket,
    )  # fmt: skip
    return quote.liquidation_price


def select_tier(table: MarginTable, value: float) -> MarginTier:
    """The tier holding a position of this value (``floor <= value < cap``), in the table's unit.

    Raises
    ------
    ParameterError
        When the value lies below the first floor or at/above the last cap of the table.
    """
    first, last = table.tiers[0], table.tiers[-1]
    if value < first.notional_floor:
        raise ParameterError(
            f"position value {value:,.8g} is below the first tier of {table.symbol} "
            f"(floor {first.notional_floor:,.8g}); check the table or the position size",
            field="notional", value=value,
        )  # fmt: skip
    if value >= last.notional_cap:
        raise ParameterError(
            f"position value {value:,.8g} exceeds the largest tier of {table.symbol} "
            f"(tier {last.tier}, cap {last.notional_cap:,.8g}): the exchange does not allow it, or "
            f"the table is incomplete; give a smaller position or a fuller table (--brackets)",
            field="notional", value=value,
        )  # fmt: skip
    return table.tier_for(value)


def inverse_contract_size(symbol: str) -> float:
    """USD face value of one Binance COIN-M contract: 100 for BTC, 10 for every other coin.

    Source: https://www.binance.com/en/support/faq/a4470430e3164c13932be8967961aede
    """
    return 100.0 if symbol.upper().startswith("BTC") else 10.0


def _value_at(venue: Venue, pos: formulas.Position, price: float) -> float:
    """The position's value in the table's unit at ``price``: coin for inverse, else USD(T)."""
    if venue.contract_kind is ContractKind.INVERSE:
        return pos.notional / price if price > 0 else math.inf
    return pos.qty * price


def _tier_at_liquidation(
    venue: Venue, pos: formulas.Position, table: MarginTable, entry_tier: MarginTier, lp: float
) -> tuple[MarginTier, float]:
    """The bracket whose value at its own liquidation price lies inside it, and that price.

    Starts from the entry bracket and walks towards the liquidation price's bracket (at most one
    pass over the table); a price of 0 or inf (never liquidated) keeps the entry bracket.
    """
    tier, price = entry_tier, lp
    for _ in range(len(table.tiers)):
        if price <= 0.0 or math.isinf(price):
            return entry_tier, lp
        nxt = table.tier_for(_value_at(venue, pos, price))
        if nxt is tier:
            return tier, price
        tier, price = nxt, _price(venue, pos, nxt, 0.0)
    # no fixed point by walking (a float tie at a boundary): scan for the consistent bracket
    for t in table.tiers:
        p = _price(venue, pos, t, 0.0)
        v = _value_at(venue, pos, p)
        if t.notional_floor <= v < t.notional_cap or (
            t is table.tiers[-1] and v >= t.notional_floor
        ):
            return t, p
    return tier, price  # pragma: no cover - continuity of the amounts guarantees a bracket


def _price(venue: Venue, pos: formulas.Position, tier: MarginTier, fee: float) -> float:
    mmr, amount = tier.maint_margin_ratio, tier.maint_amount
    formula = venue.margin.formula
    match formula:
        case MarginFormula.BINANCE_USDM:
            return formulas.binance_usdm(pos, mmr, amount)
        case MarginFormula.BINANCE_COINM:
            return formulas.binance_coinm(pos, mmr, amount)
        case MarginFormula.BYBIT_LINEAR:
            return formulas.bybit_linear(pos, mmr, amount)
        case MarginFormula.OKX_LINEAR:
            return formulas.okx_linear(pos, mmr, amount, fee)
        case MarginFormula.HYPERLIQUID:
            return formulas.hyperliquid(pos, mmr, amount)
        case _:
            assert_never(formula)


def _maintenance(venue: Venue, value: float, entry: float, tier: MarginTier, fee: float) -> float:
    """Maintenance requirement at the entry price, in the margin currency."""
    if venue.contract_kind is ContractKind.INVERSE:
        return formulas.binance_coinm_maintenance(
            value, entry, tier.maint_margin_ratio, tier.maint_amount
        )
    return formulas.linear_maintenance(value, tier.maint_margin_ratio, tier.maint_amount, fee)


def _fee(venue: Venue, taker_fee_rate: float | None) -> float:
    default = venue.margin.taker_fee_rate
    if default is None:
        return 0.0  # the venue's liquidation condition has no fee term
    if taker_fee_rate is None:
        return default
    if not (math.isfinite(taker_fee_rate) and 0.0 <= taker_fee_rate < 0.1):
        raise ParameterError(
            f"taker fee rate must be in [0, 0.1), got {taker_fee_rate}",
            field="taker_fee_rate", value=taker_fee_rate,
        )  # fmt: skip
    return float(taker_fee_rate)
