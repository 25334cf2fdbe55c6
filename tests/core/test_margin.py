"""Worked examples of the exact liquidation prices, one venue at a time (docs/model.md section 1).

Each expected value is computed in the test from the documented formula written out, with the
arithmetic in a comment, and some are cross-checked against examples published by the exchange
or by other open implementations.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from liqmap.core.margin import (
    LiquidationQuote,
    inverse_contract_size,
    liq_price_ratio,
    liquidation_price,
    select_tier,
)
from liqmap.domain.enums import Side, Venue
from liqmap.domain.margin import MarginTable, MarginTier
from liqmap.errors import LeverageError, ParameterError
from liqmap.io.brackets import default_table, load_brackets
from liqmap.io.fallback import fallback_table

SHARED_BRACKETS = "brackets/binance-um-leverage-brackets-BTCUSDT-ETHUSDT.json"


def one_tier(venue: Venue, mmr: float, amount: float = 0.0, max_lev: float = 125.0) -> MarginTable:
    """A single-tier table (cap far above every position used with it)."""
    tier = MarginTier(1, 0.0, 1e12, mmr, amount, max_lev)
    return MarginTable("TEST", venue.value, (tier,))


@pytest.fixture
def um_btc(shared_data: Path) -> MarginTable:
    """Binance USD-M BTCUSDT brackets from the shared snapshot."""
    return load_brackets(shared_data / SHARED_BRACKETS, symbol="BTCUSDT")


# --- Binance USD-M ---------------------------------------------------------------------------------


def test_binance_usdm_bracket1_long_and_short(um_btc: MarginTable) -> None:
    # 20x, 100,000 USDT at 60,000: bracket 1 (0 <= 100k < 300k), MMR 0.4%, cum 0.
    # Position = 100000 / 60000 = 1.6667 BTC, WB = 100000 / 20 = 5,000 USDT.
    # LP = (WB + cum - side * Position * EP) / (Position * MMR - side * Position)
    # long:  (5000 + 0 - 100000) / (1.6667 * 0.004 - 1.6667) = -95000 / -1.66    = 57,228.92
    # short: (5000 + 0 + 100000) / (1.6667 * 0.004 + 1.6667) = 105000 / 1.673333 = 62,749.00
    q = 100_000 / 60_000
    long = liquidation_price(Venue.BINANCE, Side.LONG, 60_000, 20, notional=100_000, table=um_btc)
    short = liquidation_price(Venue.BINANCE, Side.SHORT, 60_000, 20, notional=100_000, table=um_btc)
    assert long.tier.tier == 1 and long.tier.maint_margin_ratio == 0.004
    assert long.liquidation_price == pytest.approx((5_000 + 0 - q * 60_000) / (q * 0.004 - q))
    assert long.liquidation_price == pytest.approx(57_228.9157, abs=1e-3)
    assert short.liquidation_price == pytest.approx((5_000 + 0 + q * 60_000) / (q * 0.004 + q))
    assert short.liquidation_price == pytest.approx(62_749.0040, abs=1e-3)
    assert long.distance_pct == pytest.approx((57_228.9157 / 60_000 - 1) * 100, abs=1e-5)
    assert long.margin == 5_000 and long.quantity == pytest.approx(q)
    assert long.maintenance_margin == pytest.approx(100_000 * 0.004)


def test_binance_usdm_bracket4_uses_cum(um_btc: MarginTable) -> None:
    # 20x, 5,000,000 USDT at 60,000: bracket 4 (3M <= 5M < 12M), MMR 1%, cum 12,000, max 50x.
    # Position = 83.3333 BTC, WB = 250,000.
    # long:  (250000 + 12000 - 5000000) / (83.3333 * (0.01 - 1)) = -4738000 / -82.5     = 57,430.30
    # short: (250000 + 12000 + 5000000) / (83.3333 * (0.01 + 1)) = 5262000 / 84.16667  = 62,518.81
    long = liquidation_price(Venue.BINANCE, Side.LONG, 60_000, 20, notional=5_000_000, table=um_btc)
    short = liquidation_price(
        Venue.BINANCE, Side.SHORT, 60_000, 20, notional=5_000_000, table=um_btc
    )
    assert long.tier.tier == 4
    assert (long.tier.maint_margin_ratio, long.tier.maint_amount) == (0.01, 12_000)
    assert long.liquidation_price == pytest.approx(4_738_000 / 82.5)
    assert short.liquidation_price == pytest.approx(5_262_000 / (83.333333333 * 1.01), rel=1e-9)
    assert short.liquidation_price == pytest.approx(62_518.8119, abs=1e-3)
    # maintenance at entry: 5,000,000 * 1% - 12,000 = 38,000 USDT
    assert long.maintenance_margin == pytest.approx(38_000)


def test_binance_usdm_matches_freqtrade_published_example() -> None:
    # freqtrade's test_execute_entry docstring (same Binance formula): WB 2, cum 0.01, position 1,
    # EP 10, MMR 1%:  long ((2 + 0.01) - 1*1*10) / (1*0.01 - 1) = 8.070707070707071
    #                 short ((2 + 0.01) + 1*1*10) / (1*0.01 + 1) = 11.89108910891089
    table = one_tier(Venue.BINANCE, 0.01, 0.01)
    long = liquidation_price(Venue.BINANCE, Side.LONG, 10, 5, quantity=1, margin=2, table=table)
    short = liquidation_price(Venue.BINANCE, Side.SHORT, 10, 5, quantity=1, margin=2, table=table)
    assert long.liquidation_price == pytest.approx(8.070707070707071, rel=1e-12)
    assert short.liquidation_price == pytest.approx(11.89108910891089, rel=1e-12)


def test_quantity_and_notional_are_the_same_position(um_btc: MarginTable) -> None:
    by_qty = liquidation_price(Venue.BINANCE, Side.LONG, 60_000, 10, quantity=2, table=um_btc)
    by_notional = liquidation_price(
        Venue.BINANCE, Side.LONG, 60_000, 10, notional=120_000, table=um_btc
    )
    assert by_qty.liquidation_price == pytest.approx(by_notional.liquidation_price)
    assert by_qty.notional == pytest.approx(120_000)


def test_extra_margin_moves_liquidation_away(um_btc: MarginTable) -> None:
    # long 20x 100k with 10,000 USDT instead of 5,000:
    # (10000 - 100000) / (1.6667 * -0.996) = 54,216.87
    q = 100_000 / 60_000
    base = liquidation_price(Venue.BINANCE, Side.LONG, 60_000, 20, notional=100_000, table=um_btc)
    more = liquidation_price(
        Venue.BINANCE, Side.LONG, 60_000, 20, notional=100_000, margin=10_000, table=um_btc
    )
    assert more.liquidation_price == pytest.approx((10_000 - 100_000) / (q * 0.004 - q))
    assert more.liquidation_price < base.liquidation_price


def test_long_at_1x_is_never_liquidated(um_btc: MarginTable) -> None:
    # WB = notional: (100000 + 0 - 100000) / (...) = 0 -> reported as 0.0 (never)
    q = liquidation_price(Venue.BINANCE, Side.LONG, 60_000, 1, notional=100_000, table=um_btc)
    assert q.liquidation_price == 0.0
    assert q.distance_pct == -100.0


# --- Binance COIN-M --------------------------------------------------------------------------------


def test_binance_coinm_bracket1() -> None:
    # BTCUSD_PERP, long 10x, 100,000 USD (= 1,000 contracts of 100 USD) at 60,000:
    # value 100000/60000 = 1.6667 BTC -> bracket 1 (0-10 BTC), MMR 0.4%, cum 0; WB = 0.16667 BTC.
    # LP = N * (MMR + side) / (WB + cum + side * N / EP)
    # long:  100000 * 1.004 / (0.166667 + 0 + 1.666667) = 100400 / 1.833333 = 54,763.64
    # short: 100000 * (0.004 - 1) / (0.166667 + 0 - 1.666667) = -99600 / -1.5  = 66,400.00
    table = default_table(Venue.BINANCE_COINM, "BTCUSD_PERP")
    long = liquidation_price(
        Venue.BINANCE_COINM, Side.LONG, 60_000, 10, notional=100_000, table=table
    )
    short = liquidation_price(
        Venue.BINANCE_COINM, Side.SHORT, 60_000, 10, notional=100_000, table=table
    )
    wb = 100_000 / 60_000 / 10
    assert long.tier.tier == 1 and long.contracts == pytest.approx(1_000)
    assert long.margin == pytest.approx(wb)
    assert long.liquidation_price == pytest.approx(100_000 * 1.004 / (wb + 100_000 / 60_000))
    assert long.liquidation_price == pytest.approx(54_763.6364, abs=1e-3)
    assert short.liquidation_price == pytest.approx(66_400.0, abs=1e-6)


def test_binance_coinm_bracket4_uses_cum_in_coin() -> None:
    # 1,800,000 USD at 60,000 = 30 BTC -> bracket 4 (20-50 BTC): MMR 2.5%, cum 0.355 BTC, max 20x.
    # 10x: WB = 3 BTC. The liquidation values (1.8M / LP = 32.7 and 27.1 BTC) stay in bracket 4.
    # long:  1.8M * 1.025 / (3 + 0.355 + 30) = 1845000 / 33.355  = 55,314.05
    # short: 1.8M * (0.025 - 1) / (3 + 0.355 - 30) = -1755000 / -26.645 = 65,865.98
    table = default_table(Venue.BINANCE_COINM, "BTC")
    long = liquidation_price(
        Venue.BINANCE_COINM, Side.LONG, 60_000, 10, notional=1_800_000, table=table
    )
    short = liquidation_price(
        Venue.BINANCE_COINM, Side.SHORT, 60_000, 10, notional=1_800_000, table=table
    )
    assert long.tier.tier == 4 and long.tier.maint_amount == pytest.approx(0.355)
    assert long.liquidation_price == pytest.approx(1_845_000 / 33.355)
    assert short.liquidation_price == pytest.approx(1_755_000 / 26.645)
    # maintenance at entry (coin): 30 * 2.5% - 0.355 = 0.395 BTC
    assert long.maintenance_margin == pytest.approx(0.395)


def test_binance_coinm_published_bracket_example() -> None:
    # Binance FAQ "How to Calculate Liquidation Price of COIN-M Futures Contracts" (current
    # version): "if the BTCUSD contract position is 300 BTC, the Maintenance Margin Rate would be
    # 12.5%" and "the Maintenance Amount would be 11.605 BTC" (the 2021 version said 11.81).
    table = default_table(Venue.BINANCE_COINM, "BTCUSD")
    tier = select_tier(table, 300.0)
    assert (tier.maint_margin_ratio, tier.maint_amount) == (0.125, pytest.approx(11.605))
    assert table.as_of.startswith("2024")


def test_binance_coinm_short_at_1x_is_never_liquidated() -> None:
    # WB = N / EP, cum 0: denominator WB + cum - N / EP = 0 -> never liquidated -> inf
    table = default_table(Venue.BINANCE_COINM, "BTC")
    q = liquidation_price(Venue.BINANCE_COINM, Side.SHORT, 60_000, 1, notional=100_000, table=table)
    assert math.isinf(q.liquidation_price)
    assert q.to_dict()["liquidation_price"] is None


def test_inverse_contract_size() -> None:
    assert inverse_contract_size("BTCUSD_PERP") == 100.0
    assert inverse_contract_size("ETHUSD_PERP") == 10.0


# --- Bybit -----------------------------------------------------------------------------------------


def test_bybit_matches_published_example() -> None:
    # Bybit "Liquidation Price (USDT Contract)": long 1 BTC at 20,000 USDT, 50x, MMR 0.5%:
    # IM = 20000 / 50 = 400, MM = 20000 * 0.5% - 0 = 100, LP = 20000 - (400 - 100) = 19,700.
    table = one_tier(Venue.BYBIT, 0.005, 0.0, 100)
    long = liquidation_price(Venue.BYBIT, Side.LONG, 20_000, 50, quantity=1, table=table)
    short = liquidation_price(Venue.BYBIT, Side.SHORT, 20_000, 50, quantity=1, table=table)
    assert long.liquidation_price == pytest.approx(19_700)
    assert short.liquidation_price == pytest.approx(20_300)


def test_bybit_tier2_uses_mm_deduction() -> None:
    # Default BTCUSDT table, 10x long 1,000,000 USDT at 50,000 (20 BTC): tier 2 (300k-2M),
    # MMR 0.5%, mmDeduction 510.  IM = 100,000; MM = 1,000,000 * 0.5% - 510 = 4,490.
    # LP = 50000 - (100000 - 4490) / 20 = 50000 - 4775.5 = 45,224.5
    table = default_table(Venue.BYBIT, "BTCUSDT")
    q = liquidation_price(Venue.BYBIT, Side.LONG, 50_000, 10, notional=1_000_000, table=table)
    assert q.tier.tier == 2 and q.tier.maint_amount == pytest.approx(510)
    assert q.liquidation_price == pytest.approx(45_224.5)
    assert q.maintenance_margin == pytest.approx(4_490)


# --- OKX -------------------------------------------------------------------------------------------


def test_okx_includes_the_fee_rate() -> None:
    # (EP -/+ M / size) / (1 -/+ (MMR + fee)); one 0.4% tier, fee 0.05% (default).
    # long 10x 100,000 USDT at 60,000: size 1.6667, M 10,000 -> M/size = 6,000
    # long:  (60000 - 6000) / (1 - 0.0045) = 54000 / 0.9955 = 54,244.10
    # short: (60000 + 6000) / (1 + 0.0045) = 66000 / 1.0045 = 65,704.33
    table = one_tier(Venue.OKX, 0.004, 0.0, 100)
    long = liquidation_price(Venue.OKX, Side.LONG, 60_000, 10, notional=100_000, table=table)
    short = liquidation_price(Venue.OKX, Side.SHORT, 60_000, 10, notional=100_000, table=table)
    assert long.taker_fee_rate == 0.0005
    assert long.liquidation_price == pytest.approx(54_000 / 0.9955)
    assert short.liquidation_price == pytest.approx(66_000 / 1.0045)


def test_okx_matches_freqtrade_published_example() -> None:
    # freqtrade (gate/okx isolated): (10 - 2/1) / (1 - (0.01 + 0.0006)) = 8.085708510208207
    #                                (10 + 2/1) / (1 + (0.01 + 0.0006)) = 11.87413417771621
    table = one_tier(Venue.OKX, 0.01)
    long, short = (
        liquidation_price(
            Venue.OKX, side, 10, 5, quantity=1, margin=2, table=table, taker_fee_rate=0.0006
        )
        for side in (Side.LONG, Side.SHORT)
    )
    assert long.liquidation_price == pytest.approx(8.085708510208207, rel=1e-12)
    assert short.liquidation_price == pytest.approx(11.87413417771621, rel=1e-12)


def test_okx_bad_fee_rate() -> None:
    with pytest.raises(ParameterError, match="taker fee"):
        liquidation_price(
            Venue.OKX,
            Side.LONG,
            10,
            5,
            quantity=1,
            table=one_tier(Venue.OKX, 0.01),
            taker_fee_rate=-1,
        )


# --- Hyperliquid -----------------------------------------------------------------------------------


def test_hyperliquid_doc_formula() -> None:
    # BTC 10x, 100,000 USDC at 60,000: tier 1 (max 40x) -> l = 1 / 80 = 1.25%.
    # margin_available = 10000 - 100000 * 0.0125 = 8,750; size 1.6667.
    # liq = price - side * margin_available / size / (1 - l * side)
    # long:  60000 - 5250 / 0.9875 = 54,683.54;  short: 60000 + 5250 / 1.0125 = 65,185.19
    table = default_table(Venue.HYPERLIQUID, "BTC")
    long = liquidation_price(
        Venue.HYPERLIQUID, Side.LONG, 60_000, 10, notional=100_000, table=table
    )
    short = liquidation_price(
        Venue.HYPERLIQUID, Side.SHORT, 60_000, 10, notional=100_000, table=table
    )
    assert long.tier.maint_margin_ratio == pytest.approx(1 / 80)
    assert long.liquidation_price == pytest.approx(60_000 - 5_250 / 0.9875)
    assert short.liquidation_price == pytest.approx(60_000 + 5_250 / 1.0125)


def test_hyperliquid_tier2_maintenance_deduction() -> None:
    # 200M USDC at 60,000 (3,333.33 BTC), 10x: tier 2 (> 150M, 20x): rate 2.5%, deduction
    # 150M * (2.5% - 1.25%) = 1,875,000. MM(entry) = 5,000,000 - 1,875,000 = 3,125,000;
    # available = 20,000,000 - 3,125,000 = 16,875,000; per coin 5,062.5.
    # long: 60000 - 5062.5 / 0.975 = 54,807.69
    table = default_table(Venue.HYPERLIQUID, "BTC")
    q = liquidation_price(
        Venue.HYPERLIQUID, Side.LONG, 60_000, 10, notional=200_000_000, table=table
    )
    assert q.tier.tier == 2 and q.tier.maint_amount == pytest.approx(1_875_000)
    assert q.liquidation_price == pytest.approx(60_000 - 5_062.5 / 0.975)


def test_hyperliquid_equals_binance_form_with_same_tier() -> None:
    # The doc's form and (M + amount - s q E) / (q (mmr - s)) are the same equation.
    for side in Side:
        hl = liquidation_price(
            Venue.HYPERLIQUID,
            side,
            3_000,
            7,
            notional=55_555,
            table=one_tier(Venue.HYPERLIQUID, 0.02, 3.0),
        )
        bn = liquidation_price(
            Venue.BINANCE, side, 3_000, 7, notional=55_555, table=one_tier(Venue.BINANCE, 0.02, 3.0)
        )
        assert hl.liquidation_price == pytest.approx(bn.liquidation_price, rel=1e-12)


# --- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", [0.0, -1.0, math.nan, math.inf])
def test_bad_entry(um_btc: MarginTable, entry: float) -> None:
    with pytest.raises(ParameterError, match="entry price"):
        liquidation_price(Venue.BINANCE, Side.LONG, entry, 10, notional=1_000, table=um_btc)


@pytest.mark.parametrize("lev", [0.0, -5.0, math.nan])
def test_bad_leverage(um_btc: MarginTable, lev: float) -> None:
    with pytest.raises(LeverageError, match="leverage"):
        liquidation_price(Venue.BINANCE, Side.LONG, 60_000, lev, notional=1_000, table=um_btc)


def test_leverage_above_bracket_maximum_names_max_and_bracket(um_btc: MarginTable) -> None:
    with pytest.raises(LeverageError, match=r"maximum 150x of bracket 1 of BTCUSDT"):
        liquidation_price(Venue.BINANCE, Side.LONG, 60_000, 200, notional=100_000, table=um_btc)
    with pytest.raises(LeverageError, match=r"maximum 50x of bracket 4"):
        liquidation_price(Venue.BINANCE, Side.SHORT, 60_000, 60, notional=5_000_000, table=um_btc)


@pytest.mark.parametrize("notional", [0.0, -10.0, math.nan])
def test_bad_notional(um_btc: MarginTable, notional: float) -> None:
    with pytest.raises(ParameterError, match="notional"):
        liquidation_price(Venue.BINANCE, Side.LONG, 60_000, 10, notional=notional, table=um_btc)


def test_size_given_twice_or_never(um_btc: MarginTable) -> None:
    with pytest.raises(ParameterError, match="exactly one"):
        liquidation_price(Venue.BINANCE, Side.LONG, 60_000, 10, table=um_btc)
    with pytest.raises(ParameterError, match="exactly one"):
        liquidation_price(
            Venue.BINANCE, Side.LONG, 60_000, 10, notional=1_000, quantity=1, table=um_btc
        )


def test_margin_at_or_below_maintenance_is_instant_liquidation(um_btc: MarginTable) -> None:
    # 5M in bracket 4: maintenance at entry = 5,000,000 * 1% - 12,000 = 38,000 USDT
    for margin in (38_000.0, 20_000.0):
        with pytest.raises(ParameterError, match="liquidated immediately"):
            liquidation_price(
                Venue.BINANCE,
                Side.LONG,
                60_000,
                20,
                notional=5_000_000,
                margin=margin,
                table=um_btc,
            )
    with pytest.raises(ParameterError, match="margin must be"):
        liquidation_price(
            Venue.BINANCE, Side.LONG, 60_000, 20, notional=5_000_000, margin=-1, table=um_btc
        )


def test_position_beyond_the_last_tier(um_btc: MarginTable) -> None:
    with pytest.raises(ParameterError, match="exceeds the largest tier"):
        liquidation_price(Venue.BINANCE, Side.LONG, 60_000, 1, notional=2e9, table=um_btc)


def test_table_required_and_for_the_right_venue(um_btc: MarginTable) -> None:
    with pytest.raises(ParameterError, match="margin table is required"):
        liquidation_price(Venue.BINANCE, Side.LONG, 60_000, 10, notional=1_000)
    with pytest.raises(ParameterError, match="is for binance, not okx"):
        liquidation_price(Venue.OKX, Side.LONG, 60_000, 10, notional=1_000, table=um_btc)


def test_select_tier_bounds() -> None:
    table = MarginTable(
        "X",
        "binance",
        (MarginTier(1, 10.0, 20.0, 0.01, 0.0, 10), MarginTier(2, 20.0, 30.0, 0.02, 0.2, 5)),
    )
    assert select_tier(table, 10.0).tier == 1
    assert select_tier(table, 20.0).tier == 2  # floor <= value < cap
    with pytest.raises(ParameterError, match="below the first tier"):
        select_tier(table, 5.0)
    with pytest.raises(ParameterError, match="exceeds the largest tier"):
        select_tier(table, 30.0)


# --- ratio and serialisation -----------------------------------------------------------------------


def test_ratio_matches_price_for_every_venue() -> None:
    for venue, symbol in [
        (Venue.BINANCE, "BTCUSDT"),
        (Venue.BYBIT, "BTCUSDT"),
        (Venue.OKX, "BTC"),
        (Venue.HYPERLIQUID, "BTC"),
    ]:
        table = (
            fallback_table(venue, symbol, warn=False)
            if venue is Venue.OKX
            else (default_table(venue, symbol))
        )
        r = liq_price_ratio(venue, Side.LONG, 10, 50_000, table)
        q = liquidation_price(venue, Side.LONG, 43_210, 10, notional=50_000, table=table)
        assert r * 43_210 == pytest.approx(q.liquidation_price, rel=1e-12)
    # inverse: the ratio's notional is in coin (0.5 BTC = 21,605 USD at 43,210)
    table = default_table(Venue.BINANCE_COINM, "BTC")
    r = liq_price_ratio(Venue.BINANCE_COINM, Side.SHORT, 10, 0.5, table)
    q = liquidation_price(Venue.BINANCE_COINM, Side.SHORT, 43_210, 10, notional=21_605, table=table)
    assert r * 43_210 == pytest.approx(q.liquidation_price, rel=1e-12)


def test_quote_to_dict_is_json_ready(um_btc: MarginTable) -> None:
    q: LiquidationQuote = liquidation_price(
        Venue.BINANCE, Side.SHORT, 60_000, 20, notional=100_000, table=um_btc
    )
    d = q.to_dict()
    assert d["venue"] == "binance" and d["side"] == "short" and d["symbol"] == "BTCUSDT"
    assert d["tier"]["tier"] == 1 and d["tier"]["maint_margin_ratio"] == 0.004
    assert d["liquidation_price"] == pytest.approx(q.liquidation_price)
    assert d["contracts"] is None


@pytest.mark.parametrize(
    ("entry", "notional"), [(5e-324, 100.0), (1e-300, 1e10), (1e300, 1e-300), (60_000.0, 1e308)]
)
def test_unrepresentable_positions_are_rejected_not_inf(entry: float, notional: float) -> None:
    from liqmap.core.margin import liquidation_price as lp
    from liqmap.domain.enums import Side, Venue
    from liqmap.io.brackets import default_table

    table = default_table(Venue.BINANCE, "BTCUSDT")
    with pytest.raises(ParameterError):
        lp(Venue.BINANCE, Side.LONG, entry, 10.0, notional=notional, table=table)
