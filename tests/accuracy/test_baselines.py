"""The baselines: uniform profile and the distance-only ladder, on hand-checked cases."""

from __future__ import annotations

import numpy as np
import pytest

from liqmap.accuracy.backtest import WalkForward
from liqmap.accuracy.baselines import ladder_params, ladder_ratios, uniform_profile
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents
from liqmap.model_config import DEFAULT_PARAMS

MIN = 60_000


def test_ladder_ratios_are_one_over_leverage() -> None:
    f_long, f_short = ladder_ratios((10.0, 100.0))
    np.testing.assert_allclose(f_long, [0.90, 0.99])
    np.testing.assert_allclose(f_short, [1.10, 1.01])


def test_ladder_params_keep_tiers_and_drop_the_models_rules() -> None:
    p = ladder_params(DEFAULT_PARAMS)
    assert p.leverages == DEFAULT_PARAMS.leverages and p.weights == DEFAULT_PARAMS.weights
    assert all(np.isinf(h) for h in p.half_life_hours)
    assert p.entry_spread == 0.0 and p.side_split_strength == 0.0
    assert not p.subtract_liquidations


def test_uniform_profile_by_hand() -> None:
    edges = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    long_usd, short_usd = uniform_profile(edges, 2.0, 10.0, 4.0)
    np.testing.assert_allclose(long_usd, [5, 5, 0, 0])
    np.testing.assert_allclose(short_usd, [0, 0, 2, 2])
    long_usd, short_usd = uniform_profile(edges, 1.5, 10.0, 4.0)
    np.testing.assert_allclose(long_usd, [5, 5, 0, 0])
    np.testing.assert_allclose(short_usd, [0, 4 / 3, 4 / 3, 4 / 3])


def test_ladder_levels_sit_at_one_over_leverage(btc_table: MarginTable) -> None:
    # one bar with volume (typical price 60,000), then quiet bars that cross nothing
    n = 30
    ts = np.arange(n, dtype=np.int64) * MIN
    close = np.full(n, 60_000.0)
    high, low = close + 5.0, close - 5.0
    high[0], low[0], close[0] = 60_010.0, 59_990.0, 60_000.0
    vol = np.zeros(n)
    vol[0] = 10.0
    c = Candles("BTCUSDT", MIN, ts, close, high, low, close, vol, np.full(n, np.nan))
    ev = LiquidationEvents(np.array([n * MIN]), np.array([1]), np.array([59_000.0]),
                           np.array([1.0]), np.array([59_000.0]))  # fmt: skip
    p = DEFAULT_PARAMS.with_leverage_mix("10:0.5,25:0.5")
    snap = WalkForward(c, ev, table=btc_table, params=p).map_at(n * MIN)
    edges = snap.grid.edges
    total = 10.0 * 60_000.0 * p.volume_open_fraction
    for lev in (10.0, 25.0):
        for arr, level in ((snap.ladder_long, 60_000 * (1 - 1 / lev)),
                           (snap.ladder_short, 60_000 * (1 + 1 / lev))):  # fmt: skip
            b = int(np.searchsorted(edges, level, side="right")) - 1
            assert arr[b] == pytest.approx(total * 0.5 * 0.5, rel=1e-9)
    assert snap.ladder_long.sum() == pytest.approx(total / 2, rel=1e-9)
