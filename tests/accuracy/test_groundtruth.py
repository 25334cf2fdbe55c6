"""The simulator ground-truth study: measures on hand-checked maps, consistency with the estimator."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from liqmap import api
from liqmap.accuracy.groundtruth import (
    Variant,
    compare_maps,
    estimate_tiers,
    evaluate_run,
    hold_half_lives,
    smooth_profile,
    standard_variants,
    true_mix_params,
)
from liqmap.core.estimator import Grid
from liqmap.model_config import DEFAULT_PARAMS
from liqmap.sim import LEVERAGE_POPULATIONS, SimConfig, SimulationResult

H = 3_600_000


def test_smoothing_keeps_mass_and_centre() -> None:
    x = np.zeros(101)
    x[50] = 3.0
    y = smooth_profile(x, 4.0)
    assert y.sum() == pytest.approx(3.0)
    assert int(np.argmax(y)) == 50 and y[46] == pytest.approx(y[54])
    assert y[50] == pytest.approx(3.0 / math.sqrt(2 * math.pi * 16), rel=1e-3)
    assert np.array_equal(smooth_profile(x, 0.0), x)
    assert smooth_profile(np.ones((2, 3, 5)), 2.0).shape == (2, 3, 5)  # kernel longer than the row


def test_compare_identical_and_shifted_maps() -> None:
    edges = np.linspace(90.0, 110.0, 201)  # 0.1% of price 100 per bin
    long_ = np.zeros((2, 200))
    short = np.zeros((2, 200))
    long_[0, 40], long_[1, 80] = 3.0, 1.0
    short[1, 150] = 2.0
    same = compare_maps(edges, 100.0, (long_, short), (long_, short))
    assert same.emd == (0.0, 0.0) and same.mass == (1.0, 1.0)
    assert same.corr[0] == pytest.approx(1.0) and same.corr_smooth[1] == pytest.approx(1.0)
    assert same.tier_share_est == pytest.approx((0.5, 0.5)) and same.long_share == (2 / 3, 2 / 3)
    moved = np.roll(long_, 10, axis=1)  # every long level 10 bins (1% of price) higher
    cmp = compare_maps(edges, 100.0, (moved * 2, short), (long_, short))
    assert cmp.emd[0] == pytest.approx(1.0) and cmp.emd[1] == 0.0
    assert cmp.mass == (2.0, 1.0)
    assert cmp.tier_emd == pytest.approx((1.0, (1.0 * 1.0 + 0.0 * 2.0) / 3.0))
    empty = compare_maps(edges, 100.0, (np.zeros((2, 200)), short), (long_, short))
    assert math.isnan(empty.emd[0]) and empty.mass[0] == 0.0


def test_hold_half_lives_and_true_mix() -> None:
    cfg = SimConfig.preset("high-leverage")
    hl = hold_half_lives(cfg, (10.0, 100.0))
    assert hl[0] == pytest.approx(math.log(2) * 12.0)
    assert hl[1] == pytest.approx(math.log(2) * 12.0 * 0.1**0.7)
    p = true_mix_params(cfg)
    assert p.leverages == LEVERAGE_POPULATIONS["high"][0]
    assert p.weights == pytest.approx(LEVERAGE_POPULATIONS["high"][1])
    names = [v.name for v in standard_variants(cfg)]
    assert names[0] == "default" and len(set(names)) == len(names)


def test_estimate_tiers_equals_estimate_map(market: SimulationResult) -> None:
    """On the same grid, the study's estimate is exactly ``estimate_map``'s."""
    data = api.MarketData(
        market.candles, market.open_interest, market.liquidations, market, api.DEMO
    )
    t = market.start_ms + 40 * H
    m = api.estimate_map(data, window="24h", at=t, bins=300, range_pct=25.0)
    grid = Grid.around(m.price, 25.0, 300)
    long_, short = estimate_tiers(market, t, 24 * H, Variant("default", DEFAULT_PARAMS), grid)
    assert np.array_equal(long_, m.long_usd) and np.array_equal(short, m.short_usd)


def test_evaluate_run_on_a_small_market(market: SimulationResult) -> None:
    variants = [
        Variant("default", DEFAULT_PARAMS),
        Variant("spread0", replace(DEFAULT_PARAMS, entry_spread=0.0)),
    ]
    rows = evaluate_run(
        market, run="mixed", variants=variants, windows_ms=(24 * H,), step_ms=24 * H
    )
    # instants start+1d, +2d, +3d; two variants; two truths
    assert len(rows) == 3 * 2 * 2
    assert {r.variant for r in rows} == {"default", "spread0"}
    win = [r.result for r in rows if r.truth == "window" and r.variant == "default"]
    for res in win:
        assert all(0.3 < m < 3.0 for m in res.mass)  # OI-sized: the right order of magnitude
        assert all(0.0 <= e < 15.0 for e in res.emd)
        assert np.nanmean(res.corr_smooth) > 0.3
    allopen = [r.result for r in rows if r.truth == "all" and r.variant == "default"]
    assert all(sum(a.side_true) >= sum(w.side_true) for a, w in zip(allopen, win, strict=True))
