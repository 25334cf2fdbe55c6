"""``core.position_bins``: the one truth profile of the simulator, the real Hyperliquid map and
``api.true_map`` (issue 15 item 7)."""

from __future__ import annotations

import numpy as np
import pytest

from liqmap.core.position_bins import bin_positions, nearest_tiers
from liqmap.errors import ParameterError


def test_worked_example_of_the_docstring() -> None:
    b = bin_positions(
        [90.0, 100.0, 110.0], (10.0, 100.0), side=[1, -1, 1], leverage=[12.0, 80.0, 5.0],
        liquidation_price=[95.0, 104.0, 120.0], usd=[5.0, 7.0, 3.0],
    )  # fmt: skip
    np.testing.assert_array_equal(b.long_usd, [[5.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(b.short_usd, [[0.0, 0.0], [0.0, 7.0]])
    assert (b.out_of_range_long_usd, b.out_of_range_short_usd) == (3.0, 0.0)


def test_usd_is_conserved_and_edges_are_half_open() -> None:
    rng = np.random.default_rng(5)
    n = 500
    px = rng.uniform(80, 120, n)
    px[:3] = [90.0, 110.0, 89.999]  # the first edge is in, the last edge and below are out
    usd = rng.uniform(1, 100, n)
    side = rng.choice([-1, 1], n)
    b = bin_positions(np.linspace(90, 110, 41), (5.0, 25.0, 100.0), side=side,
                      leverage=rng.uniform(1, 125, n), liquidation_price=px, usd=usd)  # fmt: skip
    inside = (px >= 90) & (px < 110)
    assert b.long_usd.sum() + b.short_usd.sum() == pytest.approx(usd[inside].sum())
    total = b.long_usd.sum() + b.short_usd.sum() + b.out_of_range_long_usd
    assert total + b.out_of_range_short_usd == pytest.approx(usd.sum())
    assert inside[0] and not inside[1] and not inside[2]


def test_nearest_tier_is_on_a_log_scale() -> None:
    np.testing.assert_array_equal(
        nearest_tiers([3.0, 75.0, 7.0], (1.0, 5.0, 50.0, 100.0)), [1, 3, 1]
    )


def test_the_simulator_truth_and_api_true_map_use_it() -> None:
    import liqmap
    from liqmap.sim import true_liquidation_profile

    data = liqmap.load_market("BTCUSDT", "demo", demo_days=2.0, seed=1)
    m = liqmap.estimate_map(data, window="24h", bins=120)
    truth = liqmap.true_map(data, m)
    pos = data.simulation.positions_at(m.as_of_ms)  # type: ignore[union-attr]
    b = bin_positions(m.edges, m.leverages, side=pos.side, leverage=pos.leverage,
                      liquidation_price=pos.liquidation_price, usd=pos.notional_usd)  # fmt: skip
    np.testing.assert_array_equal(truth.long_usd, b.long_usd)
    np.testing.assert_array_equal(truth.short_usd, b.short_usd)
    assert truth.out_of_range_long_usd == b.out_of_range_long_usd
    assert m.band_usd.size and m.fresh is not None  # the estimate's own parts...
    assert truth.band_usd.size == 0 and truth.fresh is None  # ...are not the truth's
    assert truth.usd_if(m.price * 0.98, m.price, "long") == truth.usd_between(m.price * 0.98, m.price, "long")  # fmt: skip
    long_usd, short_usd = true_liquidation_profile(pos, m.edges, m.leverages)
    np.testing.assert_array_equal(long_usd, b.long_usd)
    np.testing.assert_array_equal(short_usd, b.short_usd)


def test_bad_grids_name_the_field() -> None:
    with pytest.raises(ParameterError) as info:
        bin_positions([1.0], (5.0,), side=[], leverage=[], liquidation_price=[], usd=[])
    assert info.value.field == "edges"
