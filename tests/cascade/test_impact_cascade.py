"""Cascades under the impact law: a worked example, the notional cap, the outcome distribution,
and the properties (hypothesis) the book model also keeps."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _cascade_maps import ladder_map
from hypothesis import given, settings
from hypothesis import strategies as st

from liqmap.core.cascade import CascadeConfig, held_usd, simulate_cascade
from liqmap.core.cascade_dist import MapBands, OutcomeConfig, bands_of, simulate_outcomes
from liqmap.core.impact import ImpactFit, ImpactModel
from liqmap.core.results import LiquidationMap

EXACT = ImpactFit(1.0, 0.5, 0.1, 0.0, 0.0, 5.0, 0, "test")
# Y sigma = 1%, V = 1e8: a forced flow of Q moves price 1% x sqrt(Q / 1e8)
LAW = ImpactModel(0.01, 1e8, fit=EXACT)
CFG = CascadeConfig(tol_usd=1e-6, tol_rel=0.0)


def _reference(m: LiquidationMap, law: ImpactModel, shock: float) -> tuple[float, float]:
    """The fixed point d = d0 + I(L(d)) by plain iteration (levels uniform in bins)."""
    usd, edges = m.long_total, m.edges
    d, liq = shock, 0.0
    for _ in range(10_000):
        p = m.price * (1 - d)
        share = np.clip((np.minimum(edges[1:], m.price) - np.maximum(edges[:-1], p)), 0, None)
        new = float(np.dot(usd, share / np.diff(edges)))
        if abs(new - liq) < 1e-9:
            break
        liq = new
        d = shock + law.move_for(liq)
    return d, liq


def test_worked_example() -> None:
    # 100M of longs in [98, 99): a -1.5% shock (98.5) crosses 50M -> +0.707% -> 97.79: all 100M
    # crossed -> +1% -> 97.5; nothing more to cross
    m = ladder_map({98: 100e6})
    r = simulate_cascade(m, LAW, shock_pct=-1.5, config=CFG)
    assert r.total_liquidated_usd == pytest.approx(100e6)
    assert r.pin_price == pytest.approx(97.5)
    assert r.stop_reason == "notional_cap"  # every long the map holds below price is gone
    assert r.impact is LAW and r.depth is None and r.to_dict()["model"] == "impact"
    d, liq = _reference(m, LAW, 0.015)
    assert r.pin_price == pytest.approx(m.price * (1 - d)) and liq == pytest.approx(100e6)
    # the absorption curve the chart draws: forced USD needed to push the pin to d
    assert r.absorption_usd(0.025) == pytest.approx(LAW.usd_for(0.01))


def test_matches_the_reference_on_a_spread_map() -> None:
    m = ladder_map({90 + i: 5e6 * (i + 1) for i in range(10)}, lo=80.0, hi=110.0)
    for shock in (0.5, 2.0, 4.0):
        r = simulate_cascade(m, LAW, shock_pct=-shock, config=CFG)
        d, liq = _reference(m, LAW, shock / 100)
        assert r.pin_price == pytest.approx(m.price * (1 - d), rel=1e-9)
        assert r.total_liquidated_usd == pytest.approx(liq, rel=1e-6)


def test_market_order_moves_by_the_law() -> None:
    m = ladder_map(shorts={104: 10e6})
    r = simulate_cascade(m, LAW, order_usd=4e6, config=CFG)  # 1% x sqrt(0.04) = +0.2%
    assert r.shock_price == pytest.approx(100.2) and r.total_liquidated_usd == 0.0
    big = simulate_cascade(m, LAW, order_usd=1.6e8, config=CFG)  # +1.26%: no level yet
    assert big.pin_price == pytest.approx(100 * (1 + 0.01 * math.sqrt(1.6)))


@st.composite
def maps(draw: st.DrawFn) -> LiquidationMap:
    usd = draw(st.lists(st.one_of(st.just(0.0), st.floats(1e3, 5e8)), min_size=40, max_size=40))
    return ladder_map(
        {80 + i: u for i, u in enumerate(usd[:20])},
        {100 + i: u for i, u in enumerate(usd[20:])},
        lo=80.0,
        hi=120.0,
    )


laws = st.builds(
    lambda s, v: ImpactModel(s, v, fit=EXACT), st.floats(0.005, 0.1), st.floats(1e7, 1e11)
)
shocks, signs = st.floats(0.01, 15.0), st.sampled_from([-1, 1])


@settings(max_examples=60, deadline=None)
@given(maps(), laws, signs)
def test_no_shock_no_cascade(m: LiquidationMap, law: ImpactModel, sign: int) -> None:
    r = simulate_cascade(m, law, shock_pct=0.0 * sign, config=CFG)
    assert r.stop_reason == "no_shock" and r.total_liquidated_usd == 0.0


@settings(max_examples=60, deadline=None)
@given(maps(), laws, shocks, signs, st.floats(1.0, 100.0))
def test_more_liquidity_smaller_cascade(
    m: LiquidationMap, law: ImpactModel, shock: float, sign: int, k: float
) -> None:
    thin = simulate_cascade(m, law, shock_pct=sign * shock, config=CFG)
    deep = simulate_cascade(m, law.scaled(k), shock_pct=sign * shock, config=CFG)
    assert abs(deep.pin_price - 100) <= abs(thin.pin_price - 100) + 1e-6
    assert deep.total_liquidated_usd <= thin.total_liquidated_usd + 1e-3


@settings(max_examples=60, deadline=None)
@given(maps(), laws, shocks, shocks, signs)
def test_monotone_in_shock_and_capped(
    m: LiquidationMap, law: ImpactModel, a: float, b: float, sign: int
) -> None:
    small, large = sorted((a, b))
    r1 = simulate_cascade(m, law, shock_pct=sign * small, config=CFG)
    r2 = simulate_cascade(m, law, shock_pct=sign * large, config=CFG)
    assert abs(r2.pin_price - 100) >= abs(r1.pin_price - 100) - 1e-6
    assert r2.total_liquidated_usd >= r1.total_liquidated_usd - 1e-3
    assert r2.total_liquidated_usd <= held_usd(m, sign) * (1 + 1e-9) + 1e-6
    assert abs(r2.pin_price - 100) >= large - 1e-6  # the pin lies at or beyond the shock


def test_outcomes_are_ordered_and_never_exceed_the_map() -> None:
    m = ladder_map({90 + i: 20e6 for i in range(10)}, {101: 5e6}, lo=80.0, hi=110.0)
    o = simulate_outcomes(m, LAW, shock_pct=-2.0, outcomes=OutcomeConfig(n_draws=300))
    q = list(o.liquidated_usd.values())
    assert q == sorted(q) and o.n_draws == 300
    assert np.all(o.samples_liquidated <= held_usd(m, -1) * (1 + 1e-9))
    assert list(o.pin_move_pct.values()) == sorted(o.pin_move_pct.values())
    p = list(o.p_extend.values())
    assert p == sorted(p, reverse=True) and all(0 <= x <= 1 for x in p)
    assert o.to_dict()["schema"] == "liqmap.cascade_outcomes/1"
    assert "p90/p10 = 4" in o.band_source


def test_map_bands_flow_through() -> None:
    m = ladder_map({95 + i: 20e6 for i in range(4)}, lo=80.0, hi=110.0)
    u = m.long_total
    tight = MapBands(u * 0.98, u * 1.02, m.short_total, m.short_total, "tight")
    wide = MapBands(u * 0.2, u * 5.0, m.short_total, m.short_total, "wide")
    cfg = OutcomeConfig(n_draws=400, seed=3)
    t = simulate_outcomes(m, LAW, shock_pct=-3.0, outcomes=cfg, bands=tight)
    w = simulate_outcomes(m, LAW, shock_pct=-3.0, outcomes=cfg, bands=wide)
    spread = lambda o: o.liquidated_usd[0.9] - o.liquidated_usd[0.1]  # noqa: E731
    assert spread(w) > 2 * spread(t) and t.band_source == "tight"
    assert bands_of(m) is None  # this map carries no bands: the default is used


def test_bands_of_reads_a_map_that_has_them() -> None:
    m = ladder_map({95: 10e6})

    class Banded:
        def __init__(self, base: LiquidationMap) -> None:
            self._m = base
            self.long_usd_p10 = base.long_usd * 0.5
            self.long_usd_p90 = base.long_usd * 2.0
            self.short_usd_p10 = base.short_usd
            self.short_usd_p90 = base.short_usd

        def __getattr__(self, name: str) -> object:
            return getattr(self._m, name)

    b = bands_of(Banded(m))  # type: ignore[arg-type]
    assert b is not None and b.long_p90[5] == pytest.approx(20e6)

    class Totals(Banded):  # the estimator's layout: per-bin totals, None without a band
        def __init__(self, base: LiquidationMap, banded: bool) -> None:
            self._m = base
            self.long_p10 = base.long_total * 0.5 if banded else None
            self.long_p90 = base.long_total * 3.0 if banded else None
            self.short_p10 = base.short_total if banded else None
            self.short_p90 = base.short_total if banded else None

    t = bands_of(Totals(m, True))  # type: ignore[arg-type]
    assert t is not None and t.long_p90[5] == pytest.approx(30e6)
    assert bands_of(Totals(m, False)) is None  # type: ignore[arg-type]


def test_the_estimators_bands_move_usd_between_bins_but_keep_the_total() -> None:
    m = ladder_map({95 + i: 20e6 for i in range(4)}, lo=80.0, hi=110.0)
    u = m.long_total
    keep = MapBands(u * 0.1, u * 10.0, m.short_total, m.short_total, "est", conserve_total=True)
    free = MapBands(u * 0.1, u * 10.0, m.short_total, m.short_total, "free")
    cfg = OutcomeConfig(n_draws=200, seed=5)
    # a -10% shock crosses every level: each draw liquidates the side's whole USD
    k = simulate_outcomes(m, LAW, shock_pct=-10.0, outcomes=cfg, bands=keep)
    np.testing.assert_allclose(k.samples_liquidated, 80e6, rtol=1e-9)
    f = simulate_outcomes(m, LAW, shock_pct=-10.0, outcomes=cfg, bands=free)
    assert f.samples_liquidated.min() < 0.9 * 80e6  # scale uncertainty (capped above at 80M)


def test_fresh_positions_add_to_every_draw_within_the_horizon() -> None:
    from dataclasses import replace

    from liqmap.core.fresh import FreshFlow

    m = ladder_map({90 + i: 20e6 for i in range(10)}, lo=80.0, hi=110.0)
    cfg = OutcomeConfig(n_draws=100)
    bare = simulate_outcomes(m, LAW, shock_pct=-3.0, outcomes=cfg)
    assert set(bare.fresh_usd.values()) == {0.0} and bare.total_usd == bare.liquidated_usd
    d = np.array([[0.005, 0.004], [0.012, 0.008], [0.005, 0.004], [0.012, 0.008]])  # 2 cells
    flow = FreshFlow(1e9, "volume", d)
    p = replace(m.params, leverages=(50.0, 100.0), weights=(0.5, 0.5), half_life_hours=(20.0, 10.0))
    fm = replace(m, fresh=flow, params=p, leverages=(50.0,))
    o = simulate_outcomes(fm, LAW, shock_pct=-3.0, outcomes=cfg)
    assert o.liquidated_usd == bare.liquidated_usd  # the impact rounds are unchanged
    assert all(v > 0 for v in o.fresh_usd.values())
    assert all(o.total_usd[q] >= o.liquidated_usd[q] for q in o.total_usd)
    assert list(o.total_usd.values()) == sorted(o.total_usd.values())
    longer = simulate_outcomes(
        fm, LAW, shock_pct=-3.0, outcomes=replace(cfg, horizon_ms=4 * 3_600_000)
    )
    assert longer.fresh_usd[0.5] > o.fresh_usd[0.5]
    none = simulate_outcomes(fm, LAW, shock_pct=-3.0, outcomes=replace(cfg, horizon_ms=0))
    assert set(none.fresh_usd.values()) == {0.0}
    assert o.to_dict()["horizon_ms"] == 3_600_000 and "p50" in o.to_dict()["total_usd"]
