"""Fresh positions opened and liquidated within a move (liqmap.core.fresh, docs/model.md 2.17)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from liqmap.core.estimator import tier_spans
from liqmap.core.fresh import ENTRY_POINTS, FreshFlow, flow_rate, fresh_usd, span_distances
from liqmap.domain.enums import Venue
from liqmap.io.brackets import default_table
from liqmap.model_config import DEFAULT_PARAMS

HOUR = 3_600_000
TABLE = default_table("binance", "BTCUSDT")
HELD_1H = 1.0 / math.log(2.0) * 0.5  # hours' worth held at the end of 1h with a 1h half-life


def _point(d: float, rate: float = 1.0) -> FreshFlow:
    """One cell whose positions all sit at liquidation distance ``d`` (both sides)."""
    return FreshFlow(rate, "volume", np.array([[d], [d], [d], [d]]))


def _one(flow: FreshFlow, low: float, high: float, side: str, h: float = HOUR) -> float:
    return fresh_usd(flow, (1.0,), (1.0,), low, high, side, h, 1.0)


def test_a_point_cell_liquidates_the_entries_far_enough_from_the_low() -> None:
    # a long at x with distance d is hit iff the low is at or below x (1 - d): x >= L / (1 - d);
    # entries uniform on [L, H]; half of the opens are longs
    low, high, d, rate = 100.0, 102.0, 0.01, 1_000.0
    hit = (high - low / (1 - d)) / (high - low)
    opened = 0.5 * rate * HELD_1H
    got = _one(_point(d, rate), low, high, "long")
    assert got == pytest.approx(opened * hit, abs=opened / ENTRY_POINTS)


def test_shorts_mirror_longs() -> None:
    low, high, d = 100.0, 102.0, 0.01
    hit = (high / (1 + d) - low) / (high - low)  # a short at x is hit iff H >= x (1 + d)
    opened = 0.5 * HELD_1H
    assert _one(_point(d), low, high, "short") == pytest.approx(opened * hit, abs=opened / 64)


def test_a_span_cell_is_the_mean_of_its_points() -> None:
    span = FreshFlow(1.0, "volume", np.array([[0.005], [0.02], [0.005], [0.02]]))
    pts = [_one(_point(d), 100.0, 103.0, "long") for d in np.linspace(0.005, 0.02, 2001)]
    assert _one(span, 100.0, 103.0, "long") == pytest.approx(float(np.mean(pts)), rel=0.01)


def test_nothing_without_a_move_a_share_a_flow_or_time() -> None:
    f = _point(0.001, 1e6)
    assert _one(f, 100.0, 100.0, "long") == 0.0
    assert fresh_usd(f, (1.0,), (1.0,), 99.0, 101.0, "long", HOUR, 0.0) == 0.0
    assert _one(f, 99.0, 101.0, "long", 0.0) == 0.0
    assert _one(_point(0.001, 0.0), 99.0, 101.0, "long") == 0.0
    # a move smaller than the nearest level liquidates nothing fresh
    assert _one(_point(0.05, 1e6), 99.0, 101.0, "short") == 0.0


def test_grows_with_the_range_the_horizon_and_the_share() -> None:
    dist = span_distances(*tier_spans(Venue.BINANCE, DEFAULT_PARAMS, TABLE, 60_000.0))
    flow = FreshFlow(1e9, "volume", dist)
    w, hl = DEFAULT_PARAMS.weights, DEFAULT_PARAMS.half_life_hours

    def f(low: float, high: float, h: int = HOUR, share: float = 1.0) -> float:
        return fresh_usd(flow, w, hl, low, high, "long", h, share)

    ranges = [f(60_000 * (1 - x), 60_000.0) for x in (0.002, 0.005, 0.01, 0.02, 0.05, 0.1)]
    assert all(a <= b for a, b in itertools.pairwise(ranges))
    assert 0 < ranges[2] < ranges[3] < ranges[4] < ranges[5]  # beyond the nearest cell's span
    assert f(59_000, 60_000, 4 * HOUR) > f(59_000, 60_000, HOUR)
    assert f(59_000, 60_000, share=6.0) == pytest.approx(6.0 * f(59_000, 60_000))


def test_span_distances_are_ordered_and_positive() -> None:
    d = span_distances(*tier_spans(Venue.BINANCE, DEFAULT_PARAMS, TABLE, 60_000.0))
    assert d.shape == (4, len(DEFAULT_PARAMS.weights))
    assert np.all(d > 0)
    assert np.all(d[0] <= d[1]) and np.all(d[2] <= d[3])


def test_flow_rate_is_the_mean_usd_per_hour_of_the_day_before() -> None:
    interval = 300_000  # 5m bars over two days
    ts = np.arange(0, 2 * 86_400_000, interval, dtype=np.int64)
    usd = np.where(ts < 86_400_000, 1.0, 2.0)
    usd[-5] = np.nan  # a bar without volume is left out, not counted as 0
    as_of = int(ts[-1]) + interval  # every bar closed
    assert flow_rate(ts, usd, interval, as_of) == pytest.approx(2.0 * 12)
    assert flow_rate(ts, usd, interval, 86_400_000) == pytest.approx(1.0 * 12)  # known at t only
    assert math.isnan(flow_rate(ts, np.full(len(ts), np.nan), interval, as_of))


def test_bad_side() -> None:
    with pytest.raises(ValueError, match="side"):
        _one(_point(0.01), 99.0, 101.0, "both")
