"""Liquidations: exact prices, no survivor past its level, cascades, leverage dependence."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from numpy.typing import NDArray

from liqmap.core.margin import liquidation_price
from liqmap.domain.enums import Side, Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import LiquidationEvents
from liqmap.sim import ExitKind, SimConfig, SimulationResult, simulate

DEFAULT = SimConfig()
CRASH = replace(SimConfig.preset("crash"), duration_minutes=1440, warmup_minutes=1440)


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    return simulate(DEFAULT)


@pytest.fixture(scope="module")
def crash() -> SimulationResult:
    return simulate(CRASH)


def _binance_liq(side: int, entry: float, lev: float, notional: float, table: MarginTable) -> float:
    """Binance USD-M isolated one-way liquidation price, written out from Binance's formula:
    LP = (WB + cum - side*qty*EP) / (qty*MMR - side*qty), WB = notional / leverage."""
    tier = table.tiers[-1]
    for t in table.tiers:
        if notional < t.notional_cap:
            tier = t
            break
    qty = notional / entry
    wb = notional / lev
    return (wb + tier.maint_amount - side * qty * entry) / (
        qty * tier.maint_margin_ratio - side * qty
    )


def test_every_event_is_at_an_exact_liquidation_price(result: SimulationResult) -> None:
    log, ev = result.log, result.liquidations
    p = log.positions
    liq = (log.exit_kind == ExitKind.LIQUIDATION) & (log.close_ts_ms >= result.start_ms)
    idx = np.flatnonzero(liq)
    assert len(idx) == len(ev) > 20
    table = result.margin_table
    formula = np.array(
        [
            _binance_liq(int(p.side[i]), p.entry_price[i], p.leverage[i], p.notional_usd[i], table)
            for i in idx
        ]
    )
    library = np.array(
        [
            liquidation_price(
                Venue.BINANCE,
                Side.LONG if p.side[i] > 0 else Side.SHORT,
                p.entry_price[i],
                p.leverage[i],
                notional=p.notional_usd[i],
                table=table,
            ).liquidation_price
            for i in idx
        ]
    )
    np.testing.assert_allclose(p.liquidation_price[idx], formula, rtol=1e-12)
    np.testing.assert_allclose(p.liquidation_price[idx], library, rtol=1e-12)
    np.testing.assert_array_equal(log.close_price[idx], p.liquidation_price[idx])
    order = np.lexsort((p.liquidation_price[idx], log.close_ts_ms[idx]))
    ev_order = np.lexsort((ev.price, ev.ts_ms))
    np.testing.assert_array_equal(ev.price[ev_order], p.liquidation_price[idx][order])
    np.testing.assert_array_equal(ev.ts_ms[ev_order], log.close_ts_ms[idx][order])
    np.testing.assert_array_equal(ev.side[ev_order], p.side[idx][order])


def test_liquidation_prices_sit_on_the_losing_side(result: SimulationResult) -> None:
    p = result.log.positions
    long_ = p.side > 0
    assert np.all(p.liquidation_price[long_] < p.entry_price[long_])
    assert np.all(p.liquidation_price[~long_] > p.entry_price[~long_])
    assert np.all(p.notional_usd >= DEFAULT.min_notional_usd)


def _range_extreme(values: NDArray[np.float64], fn: np.ufunc) -> list[NDArray[np.float64]]:
    """Sparse table: level j holds fn over windows of length 2**j."""
    table = [values]
    while 2 ** len(table) <= len(values):
        prev = table[-1]
        half = 2 ** (len(table) - 1)
        table.append(fn(prev[:-half], prev[half:]))
    return table


def _query(table: list[NDArray[np.float64]], a: int, b: int, fn: np.ufunc) -> float:
    j = (b - a).bit_length() - 1
    return float(fn(table[j][a], table[j][b - 2**j]))


def test_no_position_survives_beyond_its_liquidation_price(result: SimulationResult) -> None:
    c, log = result.candles, result.log
    p = log.positions
    lows = _range_extreme(np.asarray(c.low), np.minimum)
    highs = _range_extreme(np.asarray(c.high), np.maximum)
    n = len(c)
    first = np.maximum((p.open_ts_ms - result.start_ms) // 60_000 + 1, 0)
    last = np.where(log.close_ts_ms < 0, n, (log.close_ts_ms - result.start_ms) // 60_000)
    checked = 0
    for i in np.flatnonzero(first < last):
        a, b = int(first[i]), int(last[i])
        if p.side[i] > 0:
            assert _query(lows, a, b, np.minimum) > p.liquidation_price[i], i
        else:
            assert _query(highs, a, b, np.maximum) < p.liquidation_price[i], i
        checked += 1
    assert checked > 1000
    end = result.positions
    assert np.all(end.liquidation_price[end.side > 0] < c.close[-1])
    assert np.all(end.liquidation_price[end.side < 0] > c.close[-1])


def test_a_liquidated_position_was_crossed_in_its_bar(result: SimulationResult) -> None:
    c, ev = result.candles, result.liquidations
    bar = (ev.ts_ms - result.start_ms) // 60_000
    long_ = ev.side > 0
    assert np.all(c.low[bar[long_]] <= ev.price[long_])
    assert np.all(c.high[bar[~long_]] >= ev.price[~long_])


def test_crash_triggers_a_cascade_that_amplifies_the_move(crash: SimulationResult) -> None:
    c, ev = crash.candles, crash.liquidations
    m0 = int(CRASH.shock_at * (CRASH.duration_minutes - 1))
    before = c.close[m0 - 1]
    window = (ev.ts_ms >= c.ts_ms[m0]) & (ev.ts_ms < c.ts_ms[m0] + 15 * 60_000)
    assert window.sum() > 100  # a burst: about 0.3 liquidations per minute otherwise
    assert (ev.side[window] > 0).mean() > 0.95  # longs, on the way down
    actual = c.low[m0 : m0 + 15].min() / before - 1.0
    exo = crash.exogenous_close
    exogenous = exo[m0 : m0 + 15].min() / exo[m0 - 1] - 1.0
    assert actual < exogenous - 0.005  # liquidations pushed it at least half a point further
    oi = crash.open_interest.value_usd
    assert oi[m0 + 15] < 0.9 * oi[m0]  # open interest flushed


def test_liquidations_cluster_in_time(result: SimulationResult) -> None:
    ev, c = result.liquidations, result.candles
    per_minute = np.bincount((ev.ts_ms - result.start_ms) // 60_000, minlength=len(c))
    dispersion = per_minute.var() / per_minute.mean()
    assert dispersion > 3.0  # Poisson (no clustering) would give 1


def test_more_leverage_means_more_liquidations() -> None:
    def run(cfg: SimConfig) -> LiquidationEvents:
        return simulate(replace(cfg, duration_minutes=1440, warmup_minutes=720)).liquidations

    high = run(SimConfig.preset("high-leverage"))
    base = run(SimConfig())
    low = run(SimConfig.preset("low-leverage"))
    assert len(high) > 2 * len(base) > 4 * len(low)
    assert high.notional_usd.sum() > 2 * base.notional_usd.sum() > 4 * low.notional_usd.sum()
