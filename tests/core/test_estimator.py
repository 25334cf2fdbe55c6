"""The estimator's rules: worked examples and invariants (docs/model.md section 2)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from _markets import MINUTE, T0, make_candles

from liqmap.core.maps import estimate_heatmap, estimate_map
from liqmap.core.margin import liq_price_ratio
from liqmap.domain.enums import Side, Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, OpenInterest
from liqmap.errors import EmptyWindowError, ParameterError
from liqmap.model_config import EstimatorParams

HOUR = 3_600_000
NO_DECAY = (math.inf,) * len(EstimatorParams().leverages)


def _one_bar(high: float, low: float, close: float, vol: float, buy: float) -> Candles:
    return Candles("BTCUSDT", MINUTE, [T0], [close], [high], [low], [close], [vol], [buy])


def test_worked_example_one_bar_with_oi(table: MarginTable) -> None:
    # one bar H=60,300 L=59,700 C=60,000; OI 51M USD at its close; taker buys 60% of volume.
    # Stock-flow rule (model.md 2.10): the first bar opens the whole OI level (the stock held
    # before the window; prior_spread=0 keeps its entries on the bar's range)
    bars = _one_bar(60_300.0, 59_700.0, 60_000.0, 10.0, 6.0)
    oi = OpenInterest([T0, T0 + MINUTE], [50e6, 51e6])
    params = EstimatorParams(
        leverages=(10.0,), weights=(1.0,), half_life_hours=(math.inf,), prior_spread=0.0
    )
    m = estimate_map(
        bars, window_ms=HOUR, table=table, oi=oi, params=params, bins=2000, range_pct=20
    )
    # imbalance = (2*6 - 10)/10 = 0.2 -> long share 0.5 + 0.2/2 = 0.6
    assert m.total_long_usd == pytest.approx(0.6 * 51e6, rel=1e-9)
    assert m.total_short_usd == pytest.approx(0.4 * 51e6, rel=1e-9)
    # entries uniform over [L, H]; 10x long ratio (1 - 1/10)/(1 - 0.004) from Binance bracket 1
    r = (1 - 0.1) / (1 - 0.004)
    assert liq_price_ratio(Venue.BINANCE, Side.LONG, 10.0, 10_000.0, table) == pytest.approx(r)
    lo, hi = 59_700.0 * r, 60_300.0 * r
    c = m.centers
    inside = (c > lo + 30) & (c < hi - 30)
    density = m.long_total[inside] / np.diff(m.edges)[inside]
    np.testing.assert_allclose(density, 0.6 * 51e6 / (hi - lo), rtol=1e-9)
    assert m.long_total[(c < lo - 30) | (c > hi + 30)].sum() == 0.0
    assert m.coverage.oi_source == "level" and m.coverage.taker_flow


def test_volume_fallback_without_oi(table: MarginTable) -> None:
    bars = _one_bar(60_300.0, 59_700.0, 60_000.0, 10.0, math.nan)
    # turnover_per_day=0 switches the implied-OI sizing off: the legacy volume fraction
    params = EstimatorParams(
        volume_open_fraction=0.1, half_life_hours=NO_DECAY, turnover_per_day=0.0
    )
    m = estimate_map(bars, window_ms=HOUR, table=table, params=params)
    typical = (60_300 + 59_700 + 60_000) / 3
    total = (
        m.total_long_usd + m.total_short_usd + m.out_of_range_long_usd + m.out_of_range_short_usd
    )
    assert total == pytest.approx(10.0 * typical * 0.1, rel=1e-9)
    assert m.total_long_usd == pytest.approx(m.total_short_usd)  # unknown flow: neutral split
    assert m.coverage.oi_source == "none" and not m.coverage.taker_flow
    assert any("volume" in note for note in m.notes)


def test_longs_below_and_shorts_above(candles: Candles, table: MarginTable) -> None:
    m = estimate_map(candles, window_ms=24 * HOUR, table=table, bins=1000)
    last_high, last_low = candles.high[-1], candles.low[-1]
    assert m.long_total[m.edges[:-1] >= last_high].sum() == 0.0
    assert m.short_total[m.edges[1:] <= last_low].sum() == 0.0
    assert m.total_long_usd > 0 and m.total_short_usd > 0


def test_more_leverage_sits_closer_to_price(candles: Candles, table: MarginTable) -> None:
    mix = EstimatorParams().with_leverage_mix("5:0.1,10:0.3,25:0.3,50:0.2,100:0.1")
    m = estimate_map(candles, window_ms=24 * HOUR, table=table, bins=2000, params=mix)
    c = m.centers

    def mean_distance(usd: np.ndarray) -> float:
        return float(np.sum(np.abs(c - m.price) * usd) / usd.sum())

    long_d = [mean_distance(m.long_usd[t]) for t in range(len(m.leverages))]
    short_d = [mean_distance(m.short_usd[t]) for t in range(len(m.leverages))]
    assert long_d == sorted(long_d, reverse=True)
    assert short_d == sorted(short_d, reverse=True)


def test_no_look_ahead(candles: Candles, table: MarginTable) -> None:
    at = int(candles.ts_ms[400])
    full = estimate_map(candles, window_ms=4 * HOUR, as_of_ms=at, table=table)
    cut = estimate_map(candles.take(slice(0, 400)), window_ms=4 * HOUR, as_of_ms=at, table=table)
    np.testing.assert_array_equal(full.long_usd, cut.long_usd)
    np.testing.assert_array_equal(full.short_usd, cut.short_usd)
    assert full.price == candles.close[399]
    assert full.as_of_ms == at


def test_levels_crossed_later_are_removed(table: MarginTable) -> None:
    # bar 0 opens positions around 60,000; bar 1 falls 20%: every long level is crossed
    c = Candles(
        "BTCUSDT", MINUTE, [T0, T0 + MINUTE], [60_000.0, 60_000.0], [60_100.0, 60_000.0],
        [59_900.0, 47_000.0], [60_000.0, 48_000.0], [10.0, 0.0], [5.0, math.nan],
    )  # fmt: skip
    params = EstimatorParams(  # 5x..100x tiers (a 20% fall crosses them all), legacy sizing
        leverages=(5.0, 10.0, 25.0, 50.0, 100.0), weights=(0.1, 0.3, 0.3, 0.2, 0.1),
        half_life_hours=(math.inf,) * 5, turnover_per_day=0.0,
    )  # fmt: skip
    m = estimate_map(c, window_ms=HOUR, table=table, params=params, range_pct=80)
    assert m.total_long_usd == 0.0
    assert m.total_short_usd == pytest.approx(10 * (60_100 + 59_900 + 60_000) / 3 * 0.1 / 2)
    # the default grid reaches them; a narrow one centred on 48,000 does not: counted, not lost
    assert estimate_map(c, window_ms=HOUR, table=table, params=params).out_of_range_short_usd == 0
    narrow = estimate_map(c, window_ms=HOUR, table=table, params=params, range_pct=10)
    assert narrow.total_short_usd == 0.0
    assert narrow.out_of_range_short_usd == pytest.approx(m.total_short_usd)


def test_oi_decrease_closes_pro_rata(table: MarginTable) -> None:
    n = 3
    ts = T0 + MINUTE * np.arange(n)
    flat = np.full(n, 60_000.0)
    c = Candles(
        "BTCUSDT", MINUTE, ts, flat, flat + 10, flat - 10, flat, np.ones(n), np.full(n, 0.5)
    )
    params = EstimatorParams(half_life_hours=NO_DECAY)
    # stock-flow rule: the first bar opens the 10M held at its close, the next bar's fall to
    # 9M closes 10% of every level, the flat bar changes nothing: open notional = OI
    oi = OpenInterest(T0 + MINUTE * np.arange(n + 1), [9e6, 10e6, 9e6, 9e6])
    m = estimate_map(c, window_ms=HOUR, table=table, oi=oi, params=params)
    assert m.total_long_usd + m.total_short_usd == pytest.approx(9e6, rel=1e-9)


def test_decay_halves_after_one_half_life(table: MarginTable) -> None:
    n = 121
    ts = T0 + MINUTE * np.arange(n)
    flat = np.full(n, 60_000.0)
    vol = np.zeros(n)
    vol[0] = 10.0
    c = Candles("BTCUSDT", MINUTE, ts, flat, flat + 10, flat - 10, flat, vol, vol / 2)
    params = EstimatorParams(
        leverages=(10.0,), weights=(1.0,), half_life_hours=(2.0,), turnover_per_day=0.0
    )
    m = estimate_map(c, window_ms=3 * HOUR, table=table, params=params)
    opened = 10.0 * 60_000.0 * params.volume_open_fraction
    # 120 bars after the opening bar = 2 hours = one half-life
    assert m.total_long_usd + m.total_short_usd == pytest.approx(opened / 2, rel=1e-9)


def test_gaps_are_reported_not_filled(table: MarginTable) -> None:
    c = make_candles(300)
    keep = np.r_[0:100, 160:300]
    holed = Candles(
        c.symbol, c.interval_ms, c.ts_ms[keep], c.open[keep], c.high[keep], c.low[keep],
        c.close[keep], c.volume[keep], c.taker_buy_volume[keep],
    )  # fmt: skip
    m = estimate_map(holed, window_ms=300 * MINUTE, table=table)
    assert [(g.start_ms, g.missing) for g in m.coverage.gaps] == [(T0 + 100 * MINUTE, 60)]
    assert m.coverage.bars == 240 and m.coverage.expected_bars == 300
    assert "80%" in m.reading or "gap" in m.reading


def test_heatmap_last_column_matches_map_totals(candles: Candles, table: MarginTable) -> None:
    params = EstimatorParams(half_life_hours=NO_DECAY)
    h = estimate_heatmap(
        candles, window_ms=6 * HOUR, table=table, params=params, columns=50, warmup_ms=0
    )
    m = estimate_map(candles, window_ms=6 * HOUR, table=table, params=params, range_pct=60)
    assert h.long_usd.shape == (50, 400)
    assert h.ts_ms[-1] == m.as_of_ms
    # different grids: partial clearing treats levels as uniform inside a bin (docs/model.md 2.6),
    # so the totals agree to the bin resolution, not to the last digit
    # and the stock-flow refill replaces what falls off each grid: a few % apart
    assert h.long_usd[-1].sum() == pytest.approx(m.total_long_usd, rel=5e-2)
    assert h.short_usd[-1].sum() == pytest.approx(m.total_short_usd, rel=5e-2)
    assert np.all(np.diff(h.ts_ms) > 0)


def test_heatmap_peak_is_the_largest_cell(candles: Candles, table: MarginTable) -> None:
    h = estimate_heatmap(candles, window_ms=6 * HOUR, table=table, columns=130, warmup_ms=0)
    assert h.peak_usd() == float(h.total_usd.max()) > 0  # 130 rows: three blocks of 64
    empty = replace(h, ts_ms=h.ts_ms[:0], long_usd=h.long_usd[:0], short_usd=h.short_usd[:0])
    assert empty.peak_usd() == 0.0


def test_heatmap_columns_use_only_earlier_bars(candles: Candles, table: MarginTable) -> None:
    from liqmap.core.estimator import Grid, KernelState, prepare, run_kernel, tier_spans

    params, bars, _ = prepare(candles, None, None, None)
    f_long, f_short = tier_spans(Venue.BINANCE, params, table, 60_000.0)
    grid = Grid.around(float(candles.close[-1]), 30.0, 300)
    snaps = np.array([50, 200, 420], dtype=np.int64)
    full = KernelState(grid, len(params.leverages))
    cols_long, cols_short = run_kernel(full, bars, params, f_long, f_short, snap_bar=snaps)
    for c, j in enumerate(snaps):
        cut_params, cut_bars, _ = prepare(candles.take(slice(0, int(j) + 1)), None, None, None)
        cut = KernelState(grid, len(params.leverages))
        run_kernel(cut, cut_bars, cut_params, f_long, f_short)
        long_usd, short_usd = cut.usd()
        np.testing.assert_allclose(cols_long[c], long_usd.sum(axis=0), rtol=1e-12, atol=1e-6)
        np.testing.assert_allclose(cols_short[c], short_usd.sum(axis=0), rtol=1e-12, atol=1e-6)


def test_errors_name_the_problem(candles: Candles, table: MarginTable) -> None:
    with pytest.raises(EmptyWindowError, match="no bars in the window"):
        estimate_map(candles, window_ms=HOUR, as_of_ms=T0 - 10 * HOUR, table=table)
    with pytest.raises(ParameterError, match="bins"):
        estimate_map(candles, window_ms=HOUR, table=table, bins=5)
    with pytest.raises(ParameterError, match="range_pct"):
        estimate_map(candles, window_ms=HOUR, table=table, range_pct=0.0)
    with pytest.raises(ParameterError, match="columns"):
        estimate_heatmap(candles, window_ms=HOUR, table=table, columns=0)


def test_mark_valued_oi_change_from_price_alone_opens_nothing(table: MarginTable) -> None:
    # OI 50M at open 60,000 -> 50.5M at close 60,600: the same contracts, revalued (+1%)
    bars = Candles(
        "BTCUSDT", MINUTE, [T0], [60_000.0], [60_600.0], [60_000.0], [60_600.0], [1.0], [0.5]
    )
    from liqmap.core.bars import align_open_interest

    oi = OpenInterest([T0, T0 + MINUTE], [50e6, 50.5e6])
    delta, _ = align_open_interest(bars, oi)
    assert delta[0] == pytest.approx(0.0, abs=1e-6)
    # while 51M at the same close is 0.5M / 60,600 more contracts, valued at the typical price
    oi2 = OpenInterest([T0, T0 + MINUTE], [50e6, 51e6])
    typical = (60_600 + 60_000 + 60_600) / 3
    assert align_open_interest(bars, oi2)[0][0] == pytest.approx(
        (51e6 / 60_600 - 50e6 / 60_000) * typical, rel=1e-9
    )
    # with the level known, the map holds the OI at the bar's close (stock-flow rule)
    params = EstimatorParams(half_life_hours=NO_DECAY)
    m2 = estimate_map(bars, window_ms=HOUR, table=table, oi=oi2, params=params, range_pct=50)
    held = m2.total_long_usd + m2.total_short_usd
    outside = m2.out_of_range_long_usd + m2.out_of_range_short_usd  # the 2x edge is ~50% away
    assert 0 <= outside < 0.01 * held
    assert held + outside == pytest.approx(51e6, rel=1e-9)


def test_oi_changes_without_a_level_do_not_wipe_the_map(table: MarginTable) -> None:
    # +1M then a -50M change: with no OI level the closing share is unknown, nothing is closed
    n = 2
    ts = T0 + MINUTE * np.arange(n)
    flat = np.full(n, 60_000.0)
    c = Candles(
        "BTCUSDT", MINUTE, ts, flat, flat + 10, flat - 10, flat, np.ones(n), np.full(n, 0.5)
    )
    oi = OpenInterest(ts, [1e6, -50e6], kind="change")
    params = EstimatorParams(half_life_hours=NO_DECAY)
    m = estimate_map(c, window_ms=HOUR, table=table, oi=oi, params=params)
    assert m.total_long_usd + m.total_short_usd == pytest.approx(1e6, rel=1e-9)
    assert m.coverage.oi_source == "change"


def test_observed_liquidations_in_gaps_remove_levels(table: MarginTable) -> None:
    from liqmap.domain.market import LiquidationEvents

    # bars at minutes 0 and 10 (a 9-minute gap); 10x longs opened at 60,000 sit near 54,2xx
    ts = np.array([T0, T0 + 10 * MINUTE])
    flat = np.array([60_000.0, 60_000.0])
    vol = np.array([10.0, 0.0])
    c = Candles("BTCUSDT", MINUTE, ts, flat, flat + 1, flat - 1, flat, vol, vol / 2)
    params = EstimatorParams(
        leverages=(10.0,), weights=(1.0,), half_life_hours=(math.inf,), turnover_per_day=0.0
    )
    base = estimate_map(c, window_ms=HOUR, table=table, params=params, bins=2000)
    level = float(base.centers[np.argmax(base.long_total)])
    # one event in the gap at the level (a wick no bar saw), one inside bar 0 (already cleared)
    ev = LiquidationEvents(
        [T0 + 5 * MINUTE, T0 + 30_000], [1, 1], [level, 59_999.5], [1.0, 1.0], [10_000.0, 7_000.0]
    )
    m = estimate_map(c, window_ms=HOUR, table=table, params=params, bins=2000, liquidations=ev)
    assert base.total_long_usd - m.total_long_usd == pytest.approx(10_000.0, rel=1e-6)
    assert m.coverage.liquidation_events == 2
    assert not any("matched no estimated level" in note for note in m.notes)


def test_volume_sizing_implies_open_interest_from_turnover(table: MarginTable) -> None:
    # one 1m bar, 10 BTC at ~60,000: 600k USD per minute = 864M USD per day; at a turnover of
    # 3.4 x OI per day the implied OI is 254M USD, and the first bar opens all of it
    bars = _one_bar(60_300.0, 59_700.0, 60_000.0, 10.0, math.nan)
    params = EstimatorParams(turnover_per_day=3.4)
    m = estimate_map(bars, window_ms=HOUR, table=table, params=params)
    typical = (60_300 + 59_700 + 60_000) / 3
    implied = 10.0 * typical * 1440 / 3.4
    total = (
        m.total_long_usd + m.total_short_usd + m.out_of_range_long_usd + m.out_of_range_short_usd
    )
    assert total == pytest.approx(implied, rel=1e-9)
    assert any("volume-based sizing" in n for n in m.notes)
    assert any("volume-based sizing" in n for n in m.to_dict()["notes"])


def test_map_carries_80pct_bands(table: MarginTable) -> None:
    bars = _one_bar(60_300.0, 59_700.0, 60_000.0, 10.0, math.nan)
    draws_only = EstimatorParams(
        leverage_median_ci=(10.0, 40.0), leverage_sigma_ci=(0.5, 1.5),
        band_log_q10=0.0, band_log_q90=0.0, band_floor_share=0.0,
    )  # fmt: skip
    m0 = estimate_map(bars, window_ms=HOUR, table=table, params=draws_only)
    assert m0.long_p10 is not None and m0.long_p90 is not None
    # the parameter draws alone bracket the map
    assert np.all(m0.long_p10 <= m0.long_total + 1e-6)
    assert np.all(m0.long_total <= m0.long_p90 + 1e-6)
    assert m0.long_p90.sum() > m0.long_total.sum() > m0.long_p10.sum() > 0
    # the conformal factors and the floor act on that band exactly (docs/model.md 2.14)
    params = replace(draws_only, band_log_q10=-2.0, band_log_q90=0.5, band_floor_share=0.1)
    m = estimate_map(bars, window_ms=HOUR, table=table, params=params)
    assert m.long_p10 is not None and m.long_p90 is not None
    np.testing.assert_allclose(m.long_p10, m0.long_p10 * math.exp(-2.0), rtol=1e-12)
    below = m.edges[:-1] < m.price
    floor = np.where(below, 0.1 * m.total_long_usd / below.sum(), 0.0)
    np.testing.assert_allclose(m.long_p90, (m0.long_p90 + floor) * math.exp(0.5), rtol=1e-9)
    assert np.all(m.long_p90[below] > 0)  # never empty next to the price
    band = m.usd_between_band(50_000.0, 60_000.0, "long")
    assert band is not None
    assert band[0] <= m.usd_between(50_000.0, 60_000.0, "long") <= band[1]
    assert "long_usd_p10" in m.to_dict()["bins"][0]
