"""simulate(): determinism and validity of the market records it produces."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import numpy as np
import pytest

from liqmap.sim import SimConfig, SimulationResult, simulate

SMALL = SimConfig(duration_minutes=1440, warmup_minutes=720)


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    return simulate(SMALL)


def test_same_config_gives_bit_identical_output(result: SimulationResult) -> None:
    again = simulate(SMALL)
    c1, c2 = result.candles, again.candles
    for name in ("ts_ms", "open", "high", "low", "close", "volume", "taker_buy_volume"):
        assert np.array_equal(getattr(c1, name), getattr(c2, name)), name
    assert np.array_equal(result.open_interest.value_usd, again.open_interest.value_usd)
    for name in ("ts_ms", "side", "price", "qty", "notional_usd"):
        assert np.array_equal(getattr(result.liquidations, name), getattr(again.liquidations, name))
    p1, p2 = result.log.positions, again.log.positions
    assert np.array_equal(p1.entry_price, p2.entry_price, equal_nan=True)
    assert np.array_equal(result.log.close_ts_ms, again.log.close_ts_ms)


def test_another_seed_gives_another_path(result: SimulationResult) -> None:
    other = simulate(replace(SMALL, seed=SMALL.seed + 1))
    assert not np.array_equal(result.candles.close, other.candles.close)


def test_candles_are_valid_one_minute_bars(result: SimulationResult) -> None:
    c = result.candles
    assert len(c) == SMALL.duration_minutes
    assert c.interval_ms == 60_000
    assert c.ts_ms[0] == SMALL.start_ms
    assert np.all(np.diff(c.ts_ms) == 60_000)
    assert np.all(c.low > 0)
    assert np.all(c.high >= np.maximum(c.open, c.close))
    assert np.all(c.low <= np.minimum(c.open, c.close))
    assert np.array_equal(c.open[1:], c.close[:-1])  # a continuous market
    assert c.symbol == "BTCUSDT"


def test_taker_flow_is_known_and_consistent(result: SimulationResult) -> None:
    c = result.candles
    assert c.has_taker_flow
    assert np.all(c.volume > 0)
    assert np.all((c.taker_buy_volume >= 0) & (c.taker_buy_volume <= c.volume))


def test_open_interest_levels_at_bar_closes(result: SimulationResult) -> None:
    oi = result.open_interest
    c = result.candles
    assert oi.kind == "level"
    assert len(oi) == len(c) + 1
    assert oi.ts_ms[0] == c.ts_ms[0]
    assert np.array_equal(oi.ts_ms[1:], c.ts_ms + 60_000)
    assert np.all(oi.value_usd >= 0)
    assert oi.value_usd[0] > 0  # the warm-up built a book


@pytest.mark.parametrize("valuation", ["mark", "entry"])
def test_open_interest_equals_the_open_positions(valuation: Literal["mark", "entry"]) -> None:
    res = simulate(replace(SMALL, duration_minutes=600, oi_valuation=valuation))
    oi = res.open_interest
    marks = np.concatenate(([res.candles.open[0]], res.candles.close))
    for j in np.linspace(0, len(oi) - 1, 40).astype(int):
        pos = res.positions_at(int(oi.ts_ms[j]))
        expect = pos.qty.sum() * marks[j] if valuation == "mark" else pos.notional_usd.sum()
        assert oi.value_usd[j] == pytest.approx(expect, rel=1e-9, abs=1e-6)


def test_liquidation_events_are_sorted_and_inside_the_window(result: SimulationResult) -> None:
    ev = result.liquidations
    assert len(ev) > 0
    assert np.all(np.diff(ev.ts_ms) >= 0)
    assert ev.ts_ms[0] >= SMALL.start_ms
    assert ev.ts_ms[-1] < result.end_ms
    assert set(np.unique(ev.side).tolist()) <= {-1, 1}
    assert np.allclose(ev.notional_usd, ev.qty * ev.price, rtol=1e-12)


def test_no_warmup_starts_flat() -> None:
    res = simulate(replace(SMALL, warmup_minutes=0, duration_minutes=120))
    assert res.open_interest.value_usd[0] == 0.0
    assert res.candles.open[0] == pytest.approx(SMALL.start_price, rel=1e-12)
