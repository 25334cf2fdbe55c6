"""A live map fed bar by bar equals the batch estimate of the same bars."""

from __future__ import annotations

import numpy as np
import pytest
from _markets import make_candles

from liqmap.core.bars import prepare_bars
from liqmap.core.estimator import Grid, KernelState, run_kernel, tier_spans
from liqmap.core.live_map import LiveMap
from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import OpenInterest
from liqmap.errors import ParameterError
from liqmap.model_config import DEFAULT_PARAMS


def test_live_equals_batch_without_recentring(table: MarginTable) -> None:
    c = make_candles(500, seed=3)
    p0 = float(c.close[0])
    oi_levels = 5e7 + np.cumsum(np.random.default_rng(0).normal(0, 2e5, len(c) + 1))
    live = LiveMap("BTCUSDT", interval_ms=c.interval_ms, price=p0, table=table, range_pct=90)
    live._oi_level = float(oi_levels[0])  # OI at the first bar's open
    for i in range(len(c)):
        live.update(
            int(c.ts_ms[i]), c.open[i], c.high[i], c.low[i], c.close[i], c.volume[i],
            c.taker_buy_volume[i], oi_usd=float(oi_levels[i + 1]),
        )  # fmt: skip
    oi = OpenInterest(np.r_[c.ts_ms, c.ts_ms[-1] + c.interval_ms], oi_levels)
    f_long, f_short = tier_spans(Venue.BINANCE, DEFAULT_PARAMS, table, p0)
    state = KernelState(Grid.around(p0, 90, 400), len(DEFAULT_PARAMS.leverages))
    run_kernel(state, prepare_bars(c, oi, DEFAULT_PARAMS), DEFAULT_PARAMS, f_long, f_short)
    snap = live.snapshot()
    batch_long, batch_short = state.usd()
    np.testing.assert_allclose(snap.long_usd, batch_long, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(snap.short_usd, batch_short, rtol=1e-9, atol=1e-6)
    assert snap.total_long_usd > 0
    assert snap.coverage.bars == 500


def test_live_recentres_and_counts_what_falls_off(table: MarginTable) -> None:
    c = make_candles(300, seed=5)
    live = LiveMap("BTCUSDT", interval_ms=c.interval_ms, price=float(c.close[0]), table=table)
    for i in range(len(c)):
        live.update(int(c.ts_ms[i]), c.open[i], c.high[i], c.low[i], c.close[i], c.volume[i])
    # a jump of half the grid's half-width (it recentres beyond a quarter): the grid follows price
    ts = int(c.ts_ms[-1]) + c.interval_ms
    p = float(c.close[-1]) * (1 + live.half_pct / 200)
    live.update(ts, p, p * 1.001, p * 0.999, p, 1.0)
    g = live.state.grid
    assert g.lo < p < g.hi
    assert abs(0.5 * (g.lo + g.hi) / p - 1) < 0.01
    m = live.snapshot()
    assert m.out_of_range_long_usd >= 0 and np.all(m.long_usd >= 0)


def test_live_rejects_out_of_order_and_bad_bars(table: MarginTable) -> None:
    live = LiveMap("BTCUSDT", interval_ms=60_000, price=100.0, table=table)
    live.update(60_000, 100, 101, 99, 100, 1)
    with pytest.raises(ParameterError, match="time order"):
        live.update(60_000, 100, 101, 99, 100, 1)
    with pytest.raises(ParameterError, match="bad bar"):
        live.update(120_000, 100, 99, 101, 100, 1)
