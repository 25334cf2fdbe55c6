"""Properties of the cascade model on random maps and books (hypothesis).

* no shock -> no cascade;
* more depth -> a smaller (never larger) cascade;
* monotone in the shock: a larger shock never ends nearer the start or liquidates less;
* the pin lies at or beyond the shock, the liquidated USD never exceeds the side's levels;
* the compiled rounds equal the readable reference.
"""

from __future__ import annotations

import numpy as np
from _cascade_maps import ladder_map
from hypothesis import given, settings
from hypothesis import strategies as st

from liqmap.core.cascade import CascadeConfig, CascadeResult, cascade_reference, simulate_cascade
from liqmap.core.depth import DepthProfile, DepthSide, power_profile
from liqmap.core.results import LiquidationMap

# tight tolerance: the rounds stop within 1e-4 USD of the fixed point (the pin moves less)
CFG = CascadeConfig(tol_usd=1e-4, tol_rel=0.0)
PRICE_EPS = 1e-6  # price units on a 100-priced map
USD_EPS = 1e-3


@st.composite
def maps(draw: st.DrawFn) -> LiquidationMap:
    n = 40
    usd = draw(st.lists(st.one_of(st.just(0.0), st.floats(1e3, 5e7)), min_size=n, max_size=n))
    longs = {80 + i: u for i, u in enumerate(usd[:20])}
    shorts = {100 + i: u for i, u in enumerate(usd[20:])}
    return ladder_map(longs, shorts, lo=80.0, hi=120.0)


@st.composite
def depths(draw: st.DrawFn) -> DepthProfile:
    usd1 = draw(st.floats(1e5, 1e9))
    b = draw(st.floats(0.3, 1.0))
    if draw(st.booleans()):
        return power_profile(usd1, b)
    # an empirical side: a few increasing samples continued by the law
    k = draw(st.integers(2, 6))
    d = np.cumsum(draw(st.lists(st.floats(1e-4, 2e-3), min_size=k, max_size=k)))
    c = np.cumsum(draw(st.lists(st.floats(1e3, 1e7), min_size=k, max_size=k)))
    side = DepthSide(np.r_[0.0, d], np.r_[0.0, c], usd1, b)
    return DepthProfile(side, side, "book", "hypothesis")


shocks = st.floats(0.01, 15.0)
signs = st.sampled_from([-1, 1])


def _run(m: LiquidationMap, depth: DepthProfile, shock: float) -> CascadeResult:
    return simulate_cascade(m, depth, shock_pct=shock, config=CFG)


def _extent(r: CascadeResult) -> float:
    return abs(r.pin_price - r.start_price)


@settings(max_examples=60, deadline=None)
@given(maps(), depths())
def test_no_shock_no_cascade(m: LiquidationMap, depth: DepthProfile) -> None:
    for r in (_run(m, depth, 0.0), simulate_cascade(m, depth, order_usd=0.0)):
        assert r.stop_reason == "no_shock"
        assert r.total_liquidated_usd == 0.0 and r.pin_price == m.price == r.final_price


@settings(max_examples=80, deadline=None)
@given(maps(), depths(), shocks, signs, st.floats(1.0, 20.0))
def test_more_depth_smaller_cascade(
    m: LiquidationMap, depth: DepthProfile, shock: float, sign: int, k: float
) -> None:
    thin, deep = _run(m, depth, sign * shock), _run(m, depth.scaled(k), sign * shock)
    assert _extent(deep) <= _extent(thin) + PRICE_EPS
    assert deep.total_liquidated_usd <= thin.total_liquidated_usd + USD_EPS
    assert deep.amplification <= thin.amplification + 1e-6


@settings(max_examples=80, deadline=None)
@given(maps(), depths(), shocks, shocks, signs)
def test_monotone_in_shock_size(
    m: LiquidationMap, depth: DepthProfile, s1: float, s2: float, sign: int
) -> None:
    small, large = sorted((s1, s2))
    a, b = _run(m, depth, sign * small), _run(m, depth, sign * large)
    assert _extent(b) >= _extent(a) - PRICE_EPS
    assert b.total_liquidated_usd >= a.total_liquidated_usd - USD_EPS


@settings(max_examples=80, deadline=None)
@given(maps(), depths(), shocks, signs)
def test_bounds(m: LiquidationMap, depth: DepthProfile, shock: float, sign: int) -> None:
    r = _run(m, depth, sign * shock)
    side_total = m.total_long_usd if sign < 0 else m.total_short_usd
    assert r.total_liquidated_usd <= side_total * (1 + 1e-12) + USD_EPS
    assert _extent(r) >= abs(r.shock_price - m.price) - PRICE_EPS
    assert r.amplification >= 1.0 - 1e-9
    assert np.all(sign * np.diff(r.step_price) >= -PRICE_EPS)  # the wick only extends
    if r.stop_reason == "absorbed":  # at the pin the book holds the shock plus the forced orders
        side = depth.side(sign)
        need = side.usd_within(abs(r.pin_price / m.price - 1))
        assert need == np.float64(need)
        assert abs(need - r.step_flow_usd[-1]) <= 1e-6 * max(need, 1.0) + USD_EPS


@settings(max_examples=60, deadline=None)
@given(maps(), depths(), shocks, signs)
def test_kernel_equals_reference(
    m: LiquidationMap, depth: DepthProfile, shock: float, sign: int
) -> None:
    r = _run(m, depth, sign * shock)
    side = depth.side(sign)
    usd = m.long_total if sign < 0 else m.short_total
    d0 = shock / 100
    price, liq, flow, reason = cascade_reference(
        m.edges, usd, m.price, sign, d0, side.usd_within(d0), side, CFG
    )
    assert reason == r.stop_reason
    np.testing.assert_allclose(r.step_price, price, rtol=1e-12)
    np.testing.assert_allclose(r.step_long_usd + r.step_short_usd, liq, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(r.step_flow_usd, flow, rtol=1e-12)
