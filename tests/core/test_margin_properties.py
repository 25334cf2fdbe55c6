"""Property tests of the liquidation-price formulas on random tables, for every venue.

The solve-back check writes each venue's liquidation condition out independently of the code
under test: at the liquidation price, the position's equity equals the maintenance requirement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from liqmap.core.margin import (
    BRACKET_AT_LIQUIDATION,
    LiquidationQuote,
    liq_price_ratio,
    liquidation_price,
    select_tier,
)
from liqmap.domain.enums import ContractKind, Side, Venue
from liqmap.domain.margin import MarginTable, MarginTier

VENUES = list(Venue)
FEE = 0.0005


@st.composite
def tables(draw: st.DrawFn, venue: Venue) -> MarginTable:
    """1-5 contiguous tiers, rising rates, falling leverage, continuous maintenance amounts."""
    n = draw(st.integers(1, 5))
    caps = sorted(draw(st.lists(st.floats(1e3, 1e9), min_size=n, max_size=n, unique=True)))
    levs = sorted(draw(st.lists(st.integers(2, 150), min_size=n, max_size=n)), reverse=True)
    tiers, floor, prev_mmr, amount = [], 0.0, 0.0, 0.0
    for i, (cap, lev) in enumerate(zip(caps, levs, strict=True)):
        # mmr <= half the initial margin rate at max leverage (every venue's tables satisfy it)
        mmr = max(prev_mmr, draw(st.floats(0.001, 0.5 / lev)))
        amount += floor * (mmr - prev_mmr)
        tiers.append(MarginTier(i + 1, floor, cap, mmr, amount, float(lev)))
        floor, prev_mmr = cap, mmr
    return MarginTable("RAND", venue.value, tuple(tiers))


@dataclass(frozen=True)
class Pos:
    """A random position: ``value`` is in the table's unit (coin for inverse contracts)."""

    venue: Venue
    table: MarginTable
    entry: float
    value: float
    lev: float

    @property
    def notional(self) -> float:
        return self.value * self.entry if _inverse(self.venue) else self.value


@st.composite
def positions(draw: st.DrawFn) -> Pos:
    """A venue, a random table and a position whose leverage its tier allows."""
    venue = draw(st.sampled_from(VENUES))
    table = draw(tables(venue))
    entry = draw(st.floats(1e-2, 1e6))
    value = max(1e-3, draw(st.floats(0.0, 0.999)) * table.tiers[-1].notional_cap)
    lev = draw(st.floats(2.0, select_tier(table, value).max_leverage))
    return Pos(venue, table, entry, value, lev)


def quote(pos: Pos, side: Side, lev: float | None = None) -> LiquidationQuote:
    """The liquidation price of ``pos`` (at ``lev`` when given)."""
    return liquidation_price(
        pos.venue,
        side,
        pos.entry,
        pos.lev if lev is None else lev,
        notional=pos.notional,
        table=pos.table,
        taker_fee_rate=FEE,
    )


@given(positions())
def test_long_below_entry_below_short(pos: Pos) -> None:
    long, short = quote(pos, Side.LONG), quote(pos, Side.SHORT)
    assert 0.0 < long.liquidation_price < pos.entry < short.liquidation_price < math.inf


@given(positions(), st.floats(0.05, 0.95))
def test_more_leverage_is_closer_to_entry(pos: Pos, shrink: float) -> None:
    lower = max(1.5, 1.0 + (pos.lev - 1.0) * shrink)  # same position and tier, less leverage
    if lower >= pos.lev:
        return
    for side in Side:
        hi, lo = quote(pos, side), quote(pos, side, lower)
        assert abs(hi.liquidation_price - pos.entry) < abs(lo.liquidation_price - pos.entry)


@given(positions())
def test_ratio_times_entry_is_the_price(pos: Pos) -> None:
    # under either bracket rule the ratio is entry-independent (the value at LP is value x LP/E)
    for side in Side:
        for rule in ("liquidation", "entry"):
            r = liq_price_ratio(
                pos.venue, side, pos.lev, pos.value, pos.table, taker_fee_rate=FEE, bracket=rule
            )
            q = liquidation_price(
                pos.venue, side, pos.entry, pos.lev, notional=pos.notional, table=pos.table,
                taker_fee_rate=FEE, bracket=rule,
            )  # fmt: skip
            assert math.isclose(r * pos.entry, q.liquidation_price, rel_tol=1e-9)


@given(positions())
def test_the_bracket_holds_the_position(pos: Pos) -> None:
    # the entry bracket holds the value at entry; on Binance the bracket used holds the value at
    # the liquidation price (issue 11), elsewhere it is the entry bracket
    q = quote(pos, Side.LONG)
    entry_tier = q.entry_tier or q.tier
    basis = q.notional / pos.entry if _inverse(pos.venue) else q.notional
    assert entry_tier.notional_floor <= basis * (1 + 1e-12) and basis < entry_tier.notional_cap
    assert q.tier in pos.table.tiers
    if pos.venue in BRACKET_AT_LIQUIDATION and 0 < q.liquidation_price < math.inf:
        at = (
            q.notional / q.liquidation_price
            if _inverse(pos.venue)
            else q.quantity * q.liquidation_price
        )
        last = q.tier is pos.table.tiers[-1]
        assert q.tier.notional_floor <= at * (1 + 1e-9) and (
            last or at < q.tier.notional_cap * (1 + 1e-9)
        )
    else:
        assert q.entry_tier is None


@settings(max_examples=300)
@given(positions())
def test_equity_equals_maintenance_at_the_liquidation_price(pos: Pos) -> None:
    for side in Side:
        q = quote(pos, side)
        equity, required = _equity_and_requirement(q, q.liquidation_price)
        scale = q.margin + abs(required) + pos.value
        assert abs(equity - required) <= 1e-9 * scale, (pos, side, equity, required)
        # a step further against the position, equity is below the requirement
        e2, r2 = _equity_and_requirement(q, q.liquidation_price * (1 - 1e-6 * side.sign))
        assert e2 < r2


def _inverse(venue: Venue) -> bool:
    return venue.contract_kind is ContractKind.INVERSE


def _equity_and_requirement(q: LiquidationQuote, price: float) -> tuple[float, float]:
    """Each venue's liquidation condition, written out from its documentation."""
    s, e, n, m = q.side.sign, q.entry_price, q.notional, q.margin
    mmr, amount = q.tier.maint_margin_ratio, q.tier.maint_amount
    size = n / e
    if q.venue is Venue.BINANCE_COINM:
        # coin: equity = WB + side * N * (1/EP - 1/P); MM = (N / P) * MMR - cum
        return m + s * n * (1 / e - 1 / price), n / price * mmr - amount
    equity = m + s * size * (price - e)
    if q.venue is Venue.BYBIT:
        # Bybit values the maintenance margin at the entry price
        return equity, size * e * mmr - amount
    if q.venue is Venue.OKX:
        # OKX: margin ratio 100% = equity / (MM + taker fee to close), both at mark
        return equity, size * price * (mmr + q.taker_fee_rate) - amount
    # Binance USD-M and Hyperliquid: MM at mark price minus cum / maintenance deduction
    return equity, size * price * mmr - amount
