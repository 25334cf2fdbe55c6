"""Worked examples of the cascade rounds on hand-built maps, and kernel == reference."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _cascade_maps import ladder_map

from liqmap.core.cascade import (
    CascadeConfig,
    CascadeResult,
    cascade_reference,
    simulate_cascade,
)
from liqmap.core.depth import power_profile

# D(d) = 20M USD per 1% on both sides: with price 100, 20M per price unit.
DEPTH = power_profile(20e6, 1.0)
# long liquidations: 10M in [98, 99), 30M in [96, 97); shorts: 15M in [102, 103)
MAP = ladder_map({98: 10e6, 96: 30e6}, {102: 15e6})


def test_shock_through_two_bins_worked_example() -> None:
    # shock -3.5% -> 96.5, flow 70M; crossed [96.5, 100): 10M + half of 30M = 25M -> flow 95M ->
    # d = 4.75% -> 95.25; crossed all 40M -> flow 110M -> 94.5; nothing new below -> absorbed
    r = simulate_cascade(MAP, DEPTH, shock_pct=-3.5)
    np.testing.assert_allclose(r.step_price, [96.5, 95.25, 94.5])
    np.testing.assert_allclose(r.step_long_usd, [0.0, 25e6, 15e6])
    np.testing.assert_allclose(r.step_flow_usd, [70e6, 95e6, 110e6])
    assert r.stop_reason == "absorbed"
    assert r.total_liquidated_usd == pytest.approx(40e6)
    assert r.total_short_usd == 0.0
    assert r.pin_price == pytest.approx(94.5)
    # final = shock + 2/3 of the extra move: -3.5 + 2/3 * (-2.0) = -4.8333%
    assert r.final_move_pct == pytest.approx(-3.5 - 4.0 / 3.0)
    assert r.amplification == pytest.approx((3.5 + 4.0 / 3.0) / 3.5)
    assert r.pin_amplification == pytest.approx(5.5 / 3.5)


def test_geometric_convergence_to_a_bin_edge() -> None:
    # shock -1.5% -> 98.5 (flow 30M); in [98, 99) the levels add 10M per price unit while the book
    # takes 20M: each round halves the gap, converging on the fixed point 98 (d = 2%).
    r = simulate_cascade(MAP, DEPTH, shock_pct=-1.5)
    assert r.stop_reason == "absorbed"
    assert r.step_price[1] == pytest.approx(98.25)
    assert r.step_price[2] == pytest.approx(98.125)
    assert r.pin_price == pytest.approx(98.0, abs=1e-5)
    assert r.total_long_usd == pytest.approx(10e6, rel=1e-5)
    assert np.all(np.diff(r.step_price) <= 0)  # a downward cascade never turns back


def test_upward_cascade_uses_short_levels_and_asks() -> None:
    # +2.5% -> 102.5 (flow 50M); half of [102, 103) = 7.5M -> 57.5M -> 102.875; 11.25M -> 103.0 ..
    r = simulate_cascade(MAP, DEPTH, shock_pct=2.5)
    assert r.direction == 1 and r.total_long_usd == 0.0
    assert r.step_price[1] == pytest.approx(102.875)
    assert r.pin_price == pytest.approx(103.25, abs=1e-5)  # 50M + 15M = 65M -> 3.25%
    assert r.total_short_usd == pytest.approx(15e6, rel=1e-6)


def test_market_order_equals_the_shock_it_causes() -> None:
    by_order = simulate_cascade(MAP, DEPTH, order_usd=-70e6)
    by_shock = simulate_cascade(MAP, DEPTH, shock_pct=-3.5)
    np.testing.assert_allclose(by_order.step_price, by_shock.step_price)
    assert by_order.order_usd == -70e6 and by_order.shock_move_pct == pytest.approx(-3.5)


@pytest.mark.parametrize("kw", [{"shock_pct": 0.0}, {"order_usd": 0.0}])
def test_no_shock_no_cascade(kw: dict[str, float]) -> None:
    r = simulate_cascade(MAP, DEPTH, **kw)
    assert r.stop_reason == "no_shock" and r.n_steps == 0
    assert r.total_liquidated_usd == 0.0 and r.pin_price == 100.0 and r.final_price == 100.0


def test_map_edge_book_exhausted_and_max_steps() -> None:
    edge = simulate_cascade(MAP, DEPTH, shock_pct=-9.5)  # ends at 88.5, below the map's 90
    assert edge.stop_reason == "map_edge" and edge.pin_price == pytest.approx(88.5)
    assert any("--range" in n for n in edge.notes)
    thin = power_profile(1e6, 1.0)  # 1M per 1%: 60M + 40M of forced sells = the whole book
    assert simulate_cascade(MAP, thin, shock_pct=-60).stop_reason == "book_exhausted"
    capped = simulate_cascade(MAP, DEPTH, shock_pct=-1.5, config=CascadeConfig(max_steps=3))
    assert capped.stop_reason == "max_steps" and capped.n_steps == 3


def test_liquidated_by_tier_sums_to_total() -> None:
    m = ladder_map({98: 10e6, 96: 30e6}, tiers=2)
    r = simulate_cascade(m, DEPTH, shock_pct=-3.5)
    assert sum(r.liquidated_by_tier) == pytest.approx(r.total_liquidated_usd)
    assert r.liquidated_by_tier[0] == pytest.approx(r.liquidated_by_tier[1])


def test_to_dict_is_json_and_merges_long_paths() -> None:
    d = json.loads(json.dumps(simulate_cascade(MAP, DEPTH, shock_pct=-3.5).to_dict()))
    assert d["schema"] == "liqmap.cascade/1"
    assert d["total_liquidated_usd"] == pytest.approx(40e6)
    assert d["stop_reason"] == "absorbed" and d["direction"] == "down"
    assert [s["step"] for s in d["steps"]] == [0, 1, 2] and not d["steps_merged"]
    assert d["depth"]["bid"]["usd_1pct"] == pytest.approx(20e6)
    # levels adding 19.98M per price unit against a book taking 20M: each round closes only 0.1% of
    # the gap to the fixed point 98.5, so thousands of rounds, merged to 500 steps in the JSON
    slow = ladder_map({98: 19.98e6})
    cfg = CascadeConfig(tol_usd=1e-3, tol_rel=0.0)
    r = simulate_cascade(slow, DEPTH, shock_pct=-1.0005, config=cfg)
    assert r.pin_price == pytest.approx(98.5, abs=1e-6)
    d2 = r.to_dict()
    assert r.n_steps > 500 and d2["steps_merged"] and len(d2["steps"]) == 500
    assert sum(s["long_usd"] for s in d2["steps"]) == pytest.approx(r.total_long_usd)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        simulate_cascade(MAP, DEPTH)
    with pytest.raises(ValueError, match="exactly one"):
        simulate_cascade(MAP, DEPTH, shock_pct=-1, order_usd=1e6)
    with pytest.raises(ValueError, match="> -100"):
        simulate_cascade(MAP, DEPTH, shock_pct=-100)
    with pytest.raises(ValueError, match="permanent_fraction"):
        CascadeConfig(permanent_fraction=1.5)


def _reference(m_usd: np.ndarray, edges: np.ndarray, shock: float, depth_scale: float) -> None:
    m = ladder_map()
    m = type(m)(**{**{f: getattr(m, f) for f in m.__dataclass_fields__}, "edges": edges,
                   "long_usd": m_usd[None, :], "short_usd": m_usd[None, :]})  # fmt: skip
    prof = power_profile(20e6 * depth_scale, 0.8)
    cfg = CascadeConfig()
    r: CascadeResult = simulate_cascade(m, prof, shock_pct=shock)
    side = prof.side(r.direction)
    usd = m.long_total if r.direction < 0 else m.short_total
    d0 = abs(shock) / 100
    price, liq, flow, reason = cascade_reference(
        m.edges, usd, m.price, r.direction, d0, side.usd_within(d0), side, cfg
    )
    assert reason == r.stop_reason
    np.testing.assert_allclose(r.step_price, price, rtol=1e-12)
    np.testing.assert_allclose(r.step_long_usd + r.step_short_usd, liq, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(r.step_flow_usd, flow, rtol=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_kernel_equals_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    usd = rng.lognormal(14, 1.5, 20) * (rng.uniform(size=20) < 0.6)
    shock = float(rng.choice([-1, 1]) * rng.uniform(0.2, 8))
    _reference(usd, np.arange(90.0, 110.5, 1.0), shock, float(rng.uniform(0.01, 2)))
