"""Depth profiles: the power law, its fit, the empirical curve with its tail, named models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqmap.core.depth import (
    DepthSide,
    fit_power_law,
    median_profile,
    power_profile,
    power_side,
    profile_from_cumulative,
    profile_from_levels,
)
from liqmap.core.depth_models import BUILTIN_DEPTH, builtin_depth, default_depth_name, depth_model
from liqmap.errors import ParameterError


def test_power_law_worked_example() -> None:
    s = power_side(50e6, 0.8)  # D(d) = 50M * (d / 1%)^0.8
    assert s.usd_within(0.01) == pytest.approx(50e6)
    assert s.usd_within(0.02) == pytest.approx(50e6 * 2**0.8)
    assert s.distance_for(50e6 * 2**0.8) == pytest.approx(0.02)
    # VWAP distance of a market order through a power law: b / (b + 1) of the end distance
    assert s.avg_fill_distance(50e6) == pytest.approx(0.8 / 1.8 * 0.01)
    assert s.avg_fill_distance(0.0) == 0.0


def test_empirical_curve_with_continuous_tail() -> None:
    # two levels: 1M at 0.1%, 3M more at 0.2%; tail law 10M/1%, b = 1 -> density 1M per 0.1%
    s = DepthSide(np.array([0.0, 0.001, 0.002]), np.array([0.0, 1e6, 4e6]), 10e6, 1.0)
    assert s.usd_within(0.0015) == pytest.approx(2.5e6)  # linear between levels
    assert s.usd_within(0.003) == pytest.approx(4e6 + 1e6)  # 4M + A (d - d_n), A = 1e9
    assert s.distance_for(5e6) == pytest.approx(0.003)
    # fills: 1M at mean 0.05%, 3M at mean 0.15%, 1M at mean 0.25%
    assert s.avg_fill_distance(5e6) == pytest.approx(
        (1e6 * 0.0005 + 3e6 * 0.0015 + 1e6 * 0.0025) / 5e6
    )
    double = s.scaled(2.0)
    assert double.usd_within(0.003) == pytest.approx(10e6)
    assert double.distance_for(10e6) == pytest.approx(0.003)


@settings(max_examples=100, deadline=None)
@given(
    st.floats(1e4, 1e10), st.floats(0.05, 1.0), st.floats(1e-5, 0.5),
    st.lists(st.floats(1e-5, 1e-3), min_size=1, max_size=5),
    st.lists(st.floats(1e2, 1e7), min_size=5, max_size=5),
)  # fmt: skip
def test_distance_inverts_depth(
    usd1: float, b: float, d: float, steps: list[float], usd: list[float]
) -> None:
    k = len(steps)
    side = DepthSide(np.r_[0.0, np.cumsum(steps)], np.r_[0.0, np.cumsum(usd[:k])], usd1, b)
    for s in (side, power_side(usd1, b)):
        x = s.usd_within(d)
        assert s.distance_for(x) == pytest.approx(d, rel=1e-9, abs=1e-12)
        assert 0.0 <= s.avg_fill_distance(x) <= d * (1 + 1e-9)
        assert s.usd_within(d * 1.01) >= x


def test_fit_recovers_a_power_law_and_caps_the_exponent() -> None:
    d = np.geomspace(1e-4, 5e-3, 50)
    usd1, b, r2 = fit_power_law(np.r_[0.0, d], np.r_[0.0, 30e6 * (d / 0.01) ** 0.7])
    # (the fit samples the piecewise-linear curve between the 50 points: close, not exact)
    assert usd1 == pytest.approx(30e6, rel=1e-3) and b == pytest.approx(0.7, abs=1e-3)
    assert r2 == pytest.approx(1.0, abs=1e-6)
    # density rising away from mid (b = 1.5, as real books fit) is kept
    usd1, b, _ = fit_power_law(np.r_[0.0, d], np.r_[0.0, 30e6 * (d / 0.01) ** 1.5])
    assert b == pytest.approx(1.5, abs=1e-3)
    # beyond the latent-book exponent 2 of the square-root law, b is capped and D_1 refitted
    usd1, b, _ = fit_power_law(np.r_[0.0, d], np.r_[0.0, 30e6 * (d / 0.01) ** 3.0])
    assert b == 2.0 and usd1 < 30e6
    with pytest.raises(ValueError, match="two levels"):
        fit_power_law(np.array([0.0, 0.001]), np.array([0.0, 5.0]))


def test_profile_from_levels() -> None:
    # mid 100; bids 1 coin at 99.9 and 2 coins at 99.8; asks 1 coin at 100.1 and 100.2
    p = profile_from_levels(
        np.array([99.9, 99.8]), np.array([1.0, 2.0]), np.array([100.1, 100.2]), np.array([1.0, 1.0]),
        source="t",
    )  # fmt: skip
    assert p.mid == pytest.approx(100.0)
    np.testing.assert_allclose(p.bid.dist, [0.0, 0.001, 0.002])
    np.testing.assert_allclose(p.bid.cum_usd, [0.0, 99.9, 99.9 + 199.6])
    assert p.side(-1) is p.bid and p.side(1) is p.ask
    assert p.as_power().kind == "power" and p.as_power().bid.known_to == 0.0


def test_cumulative_bands_drop_non_increasing_rows() -> None:
    p = profile_from_cumulative(
        (np.array([0.01, 0.02, 0.05]), np.array([10e6, 10e6, 40e6])),
        (np.array([0.01, 0.02]), np.array([5e6, 9e6])),
        source="bands",
    )
    np.testing.assert_allclose(p.bid.dist, [0.0, 0.01, 0.05])


def test_median_profile() -> None:
    a = profile_from_cumulative((np.array([0.001, 0.002]), np.array([1e6, 2e6])),
                                (np.array([0.001, 0.002]), np.array([1e6, 2e6])), source="a")  # fmt: skip
    b = profile_from_cumulative((np.array([0.001, 0.002]), np.array([3e6, 6e6])),
                                (np.array([0.001, 0.002]), np.array([3e6, 6e6])), source="b")  # fmt: skip
    c = profile_from_cumulative((np.array([0.001, 0.002]), np.array([2e6, 4e6])),
                                (np.array([0.001, 0.002]), np.array([2e6, 4e6])), source="c")  # fmt: skip
    m = median_profile([a, b, c], source="median")
    assert m.bid.usd_within(0.002) == pytest.approx(4e6)
    assert m.bid.usd_within(0.0015) == pytest.approx(3e6)


def test_named_models() -> None:
    btc = builtin_depth("btc")
    assert btc.bid.usd_1pct == BUILTIN_DEPTH["binance-btcusdt-2024-08-08"][0][0]
    assert default_depth_name("BTCUSDT") == "binance-btcusdt-2024-08-08"
    assert default_depth_name("ETH-USDT-SWAP") == "binance-ethusdt-2024-08-08"
    assert default_depth_name("SOLUSDT") is None
    m = depth_model("power:100M,0.9")
    assert m.bid.usd_1pct == 100e6 and m.ask.exponent == 0.9
    assert depth_model("power:250k,1").bid.usd_1pct == 250e3
    for bad in ("power:100M", "power:x,1", "power:1M,0", "nope"):
        with pytest.raises(ParameterError):
            depth_model(bad)


def test_power_profile_per_side_and_validation() -> None:
    p = power_profile((1e6, 2e6), (0.5, 1.0))
    assert p.bid.usd_1pct == 1e6 and p.ask.exponent == 1.0
    with pytest.raises(ValueError):
        power_side(0.0, 1.0)
    with pytest.raises(ValueError):
        DepthSide(np.array([0.0, 0.001, 0.001]), np.array([0.0, 1.0, 2.0]), 1.0, 1.0)
    with pytest.raises(ValueError):
        p.scaled(0.0)


@pytest.mark.shared_data
def test_builtin_models_match_the_recordings(shared_data: Path) -> None:
    from liqmap.io.orderbook import load_depth

    for sym in ("btc", "eth"):
        fitted = load_depth(shared_data / "orderbook" / f"usdm_{sym}usdt_20240808.txt.gz")
        shipped = builtin_depth(sym)
        for name in ("bid", "ask"):
            f, s = getattr(fitted, name), getattr(shipped, name)
            assert s.usd_1pct == pytest.approx(f.usd_1pct, rel=2e-3)
            assert s.exponent == pytest.approx(f.exponent, abs=1e-3)
