"""The leverage cells' spans (docs/model.md 2.11) and the mark-price trigger (2.15)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from _markets import MINUTE, T0, make_candles

from liqmap.core.bars import mark_extremes
from liqmap.core.estimator import tier_ratios, tier_spans
from liqmap.core.maps import estimate_map
from liqmap.core.margin import liq_price_ratio
from liqmap.domain.enums import Side, Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles
from liqmap.errors import ParameterError
from liqmap.model_config import (
    DEFAULT_PARAMS,
    LEVERAGE_CELLS,
    EstimatorParams,
    cell_mean_leverages,
)

HOUR = 3_600_000


FULL = EstimatorParams(cell_spread=1.0)


def test_full_spread_spans_each_cell_between_its_edges(table: MarginTable) -> None:
    f_long, f_short = tier_spans(Venue.BINANCE, FULL, table, 60_000.0)
    assert f_long.shape == (6, 2) and f_short.shape == (6, 2)
    for t in range(6):
        hi_lev, lo_lev = LEVERAGE_CELLS[t + 1], LEVERAGE_CELLS[t]
        r = [
            liq_price_ratio(Venue.BINANCE, Side.LONG, x, 10_000.0, table) for x in (hi_lev, lo_lev)
        ]
        np.testing.assert_allclose(f_long[t], r, rtol=1e-12)
        assert f_long[t, 1] < f_long[t, 0] < 1.0 < f_short[t, 0] < f_short[t, 1]
    # adjacent cells meet: the law covers every distance from 2x to 125x once
    np.testing.assert_allclose(f_long[:-1, 0], f_long[1:, 1], rtol=1e-12)


def test_partial_spread_shrinks_each_span_toward_the_mean_distance(table: MarginTable) -> None:
    wide = tier_spans(Venue.BINANCE, FULL, table, 60_000.0)[0]
    part = tier_spans(Venue.BINANCE, DEFAULT_PARAMS, table, 60_000.0)[0]  # cell_spread 0.1
    assert DEFAULT_PARAMS.cell_spread == 0.1
    assert np.all(part[:, 0] <= wide[:, 0]) and np.all(part[:, 1] >= wide[:, 1])
    assert np.all(part[:, 0] > part[:, 1])


def test_zero_spread_is_a_point_at_the_mean_distance_leverage(table: MarginTable) -> None:
    p = EstimatorParams(cell_spread=0.0)
    f_long, _ = tier_spans(Venue.BINANCE, p, table, 60_000.0)
    means = cell_mean_leverages(p.leverage_median, p.leverage_sigma)
    want = [liq_price_ratio(Venue.BINANCE, Side.LONG, x, 10_000.0, table) for x in means]
    np.testing.assert_allclose(f_long[:, 0], want, rtol=1e-12)
    np.testing.assert_allclose(f_long[:, 1], want, rtol=1e-12)
    # the mean-distance leverage of the top cell is below its nominal 100x (1/E[1/L])
    assert 70 < means[-1] < 100


def test_explicit_tiers_stay_points(table: MarginTable) -> None:
    p = EstimatorParams(leverages=(10.0, 50.0), weights=(0.5, 0.5))
    f_long, f_short = tier_spans(Venue.BINANCE, p, table, 60_000.0)
    nominal_l, nominal_s = tier_ratios(Venue.BINANCE, p, table, 60_000.0)
    np.testing.assert_array_equal(f_long, np.stack((nominal_l, nominal_l), axis=1))
    np.testing.assert_array_equal(f_short, np.stack((nominal_s, nominal_s), axis=1))


def test_an_edge_the_table_refuses_is_cut_at_the_nominal_leverage() -> None:
    # brackets stop at 110x: the 100x cell's 125x edge does not exist there
    from liqmap.domain.margin import MarginTier

    t110 = MarginTable("X", "binance", (MarginTier(1, 0.0, 1e9, 0.004, 0.0, 110.0),))
    with pytest.raises(ParameterError):
        liq_price_ratio(Venue.BINANCE, Side.LONG, 125.0, 10_000.0, t110)
    f_long, _ = tier_spans(Venue.BINANCE, FULL, t110, 60_000.0)
    r = {x: liq_price_ratio(Venue.BINANCE, Side.LONG, x, 10_000.0, t110) for x in (100.0, 70.0)}
    assert f_long[-1].tolist() == pytest.approx([r[100.0], r[70.0]], rel=1e-12)


def test_replace_keeps_the_law_derived() -> None:
    p = replace(DEFAULT_PARAMS, band_floor_share=0.1)
    assert p.derived and p.leverages == DEFAULT_PARAMS.leverages
    q = replace(DEFAULT_PARAMS, half_life_hours=(1.0,) * 6)
    assert not q.derived  # not the law's tiers any more: treated as explicit


def test_spread_fills_the_range_a_bar_just_traded(table: MarginTable) -> None:
    # one long history then a quiet hour: with points every 100x level sits ~0.6% below its
    # entry; spread over 70x..125x the levels start ~0.4% below it
    c = make_candles(600, seed=3)
    point = estimate_map(
        c, window_ms=10 * HOUR, table=table, params=EstimatorParams(cell_spread=0.0)
    )
    spread = estimate_map(c, window_ms=10 * HOUR, table=table, params=FULL)
    p = spread.price
    near = (p * 0.996, p)
    assert spread.usd_between(*near, "long") > point.usd_between(*near, "long")
    # the same notional either way: the spread moves levels, it does not create any
    total = lambda m: (  # noqa: E731
        m.total_long_usd + m.total_short_usd + m.out_of_range_long_usd + m.out_of_range_short_usd
    )
    assert total(spread) == pytest.approx(total(point), rel=1e-9)


def _bars(ts: list[int], lo: list[float], hi: list[float], step: int) -> Candles:
    n = len(ts)
    mid = [(a + b) / 2 for a, b in zip(lo, hi, strict=True)]
    return Candles("BTCUSDT", step, ts, mid, hi, lo, mid, [1.0] * n, [math.nan] * n)


def test_mark_bars_finer_than_the_bars_give_the_exact_extremes() -> None:
    bars = _bars([T0, T0 + 5 * MINUTE], [99.0, 100.0], [101.0, 102.0], 5 * MINUTE)
    ts = [T0 + k * MINUTE for k in range(10)]
    mark = _bars(
        ts, [99.5 + 0.01 * k for k in range(10)], [100.5 + 0.01 * k for k in range(10)], MINUTE
    )
    lo, hi, used = mark_extremes(bars, mark)
    assert used == 2
    assert lo.tolist() == pytest.approx([99.5, 99.55]) and hi.tolist() == pytest.approx(
        [100.54, 100.59]
    )


def test_coarser_mark_bars_only_bound_the_bars_and_gaps_keep_the_bars() -> None:
    bars = _bars(
        [T0, T0 + 5 * MINUTE, T0 + 3 * HOUR], [99.0, 99.8, 90.0], [101.0, 100.2, 95.0], 5 * MINUTE
    )
    mark = _bars([T0], [99.6], [100.9], HOUR)  # one 1h mark bar; none at T0 + 3h
    lo, hi, used = mark_extremes(bars, mark)
    assert used == 2
    assert lo.tolist() == [99.6, 99.8, 90.0]  # a last-price wick beyond the mark is not a trigger
    assert hi.tolist() == [100.9, 100.2, 95.0]
    # a partial tiling of finer mark bars is not used
    fine = _bars([T0], [99.5], [100.5], MINUTE)
    assert mark_extremes(bars, fine)[2] == 0


def test_map_on_mark_price_says_so_and_clears_less(table: MarginTable) -> None:
    c = make_candles(600, seed=5)
    # mark bars with half the wicks: same minutes, extremes pulled toward the body
    body_lo = np.minimum(c.open, c.close)
    body_hi = np.maximum(c.open, c.close)
    mark = Candles(
        "BTCUSDT", MINUTE, c.ts_ms, c.open, (c.high + body_hi) / 2, (c.low + body_lo) / 2,
        c.close, np.ones(len(c)), np.full(len(c), np.nan),
    )  # fmt: skip
    last = estimate_map(c, window_ms=10 * HOUR, table=table)
    on_mark = estimate_map(c, window_ms=10 * HOUR, table=table, mark=mark)
    assert any("mark price for 600 of 600 bars" in n for n in on_mark.notes)
    assert not any("mark price" in n for n in last.notes)
    # smaller trigger extremes cross fewer levels: more USD survives within 1% of price
    p = last.price
    near = lambda m: m.usd_between(p * 0.99, p, "long") + m.usd_between(p, p * 1.01, "short")  # noqa: E731
    assert near(on_mark) > near(last)
    assert math.isclose(
        on_mark.total_long_usd + on_mark.total_short_usd,
        last.total_long_usd + last.total_short_usd, rel_tol=0.05,
    )  # fmt: skip
