"""``LiquidationMap.usd_between``: exact partial-bin integration, additivity, totals, side semantics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqmap.core.results import Coverage, LiquidationMap, usd_between_edges
from liqmap.model_config import DEFAULT_PARAMS


def _map(long_bins: list[float], short_bins: list[float], *, lo: float = 90.0) -> LiquidationMap:
    """One-tier map on unit bins starting at ``lo``."""
    n = len(long_bins)
    return LiquidationMap(
        symbol="TESTUSDT", exchange="binance", price=lo + n / 2, as_of_ms=0, window_start_ms=0,
        window_label="1d", leverages=DEFAULT_PARAMS.leverages[-1:],
        edges=np.arange(lo, lo + n + 0.5, 1.0), long_usd=np.array([long_bins]),
        short_usd=np.array([short_bins]), params=DEFAULT_PARAMS,
        coverage=Coverage(bars=1, expected_bars=1),
    )  # fmt: skip


def test_worked_example_partial_bins() -> None:
    # bins [90,91) 100, [91,92) 50, [92,93) 10: half of bin 0 + all of bin 1 + a quarter of bin 2
    m = _map([100.0, 50.0, 10.0], [0.0, 0.0, 8.0])
    assert m.usd_between(90.5, 92.25, "long") == pytest.approx(50.0 + 50.0 + 2.5)
    assert m.usd_between(92.5, 93.0, "short") == pytest.approx(4.0)
    assert m.usd_between(90.5, 92.25) == pytest.approx(102.5 + 2.0)  # both sides


def test_inside_one_bin_is_proportional() -> None:
    m = _map([100.0, 0.0], [0.0, 0.0])
    assert m.usd_between(90.1, 90.3, "long") == pytest.approx(20.0)


def test_outside_the_grid_and_empty_range_are_zero() -> None:
    m = _map([100.0, 50.0], [1.0, 1.0])
    assert m.usd_between(10.0, 80.0, "long") == 0.0
    assert m.usd_between(95.0, 1e9, "short") == 0.0
    assert m.usd_between(90.7, 90.7, "long") == 0.0
    # a range wider than the grid is clamped to it
    assert m.usd_between(0.0, 1e9, "long") == pytest.approx(150.0)


def test_side_selects_orders_not_location() -> None:
    m = _map([7.0, 0.0], [0.0, 3.0])
    assert m.usd_between(90.0, 92.0, "long") == pytest.approx(7.0)
    assert m.usd_between(90.0, 92.0, "short") == pytest.approx(3.0)
    assert m.usd_between(90.0, 92.0, "both") == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("low", "high", "side", "message"),
    [
        (92.0, 91.0, "long", "low 92.0 is above high 91.0"),
        (math.nan, 91.0, "long", "must be finite"),
        (90.0, math.inf, "short", "must be finite"),
        (90.0, 91.0, "up", "side must be 'long', 'short' or 'both', got 'up'"),
    ],
)
def test_bad_arguments_raise_clear_errors(low: float, high: float, side: str, message: str) -> None:
    m = _map([1.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        m.usd_between(low, high, side)  # type: ignore[arg-type]


def test_edges_and_bins_must_agree() -> None:
    with pytest.raises(ValueError, match="3 edges need 2 bins"):
        usd_between_edges(np.array([0.0, 1.0, 2.0]), np.array([1.0]), 0.0, 1.0)


_bins = st.lists(st.floats(0.0, 1e9, allow_nan=False), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(
    long_bins=_bins,
    cuts=st.lists(st.floats(80.0, 140.0, allow_nan=False), min_size=3, max_size=3),
)
def test_additive_over_adjacent_ranges(long_bins: list[float], cuts: list[float]) -> None:
    a, b, c = sorted(cuts)
    m = _map(long_bins, [0.0] * len(long_bins))
    whole = m.usd_between(a, c, "long")
    parts = m.usd_between(a, b, "long") + m.usd_between(b, c, "long")
    assert parts == pytest.approx(whole, rel=1e-9, abs=1e-6 * max(1.0, m.total_long_usd))


@settings(max_examples=150, deadline=None)
@given(long_bins=_bins, short_seed=st.integers(0, 2**31))
def test_full_range_is_the_total_and_bounds_hold(long_bins: list[float], short_seed: int) -> None:
    shorts = list(np.random.default_rng(short_seed).uniform(0, 1e6, len(long_bins)))
    m = _map(long_bins, shorts)
    lo, hi = float(m.edges[0]), float(m.edges[-1])
    tol = 1e-9 * max(1.0, m.total_long_usd + m.total_short_usd)
    assert m.usd_between(lo, hi, "long") == pytest.approx(m.total_long_usd, abs=tol)
    assert m.usd_between(lo, hi, "short") == pytest.approx(m.total_short_usd, abs=tol)
    both = m.usd_between(lo, hi, "both")
    assert both == pytest.approx(m.total_long_usd + m.total_short_usd, abs=tol)
    # monotone in the range and never negative
    mid = 0.5 * (lo + hi)
    assert 0.0 <= m.usd_between(mid, mid + 0.3, "long") <= m.usd_between(lo, hi, "long") + tol
