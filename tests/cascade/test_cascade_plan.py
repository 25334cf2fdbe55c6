"""Worked examples of ``make_plan`` on a hand-built map (numbers checkable by hand)."""

from __future__ import annotations

import json

import pytest
from _cascade_maps import HOUR, T0, cluster, flat_bars, ladder_map

from liqmap.core.depth import power_profile
from liqmap.core.plan import DISCLAIMER, PlanConfig, make_plan, recent_range_pct
from liqmap.errors import ParameterError

# price 100; longs 30M in [96, 97); shorts 20M in [103, 104) and 50M in [107, 108)
CLUSTERS = (
    cluster("long", 96.0, 97.0, 30e6),
    cluster("short", 103.0, 104.0, 20e6),
    cluster("short", 107.0, 108.0, 50e6),
)
MAP = ladder_map({96: 30e6}, {103: 20e6, 107: 50e6}, clusters=CLUSTERS)
BARS = flat_bars()  # hourly range 99..101: ATR = 2% of 100, stop buffer 0.5 x 2% = 1%


def test_recent_range_is_an_atr_without_look_ahead() -> None:
    assert recent_range_pct(BARS, T0 + 24 * HOUR, HOUR, 14) == pytest.approx(2.0)
    wide = flat_bars(30, high=104.0, low=96.0)
    # only the first 20 bars closed by the cut-off count; all have range 8
    assert recent_range_pct(wide, T0 + 20 * HOUR, HOUR, 14) == pytest.approx(8.0)
    # 1h bars grouped into 4h bars: high 104, low 96 -> still 8
    assert recent_range_pct(wide, T0 + 20 * HOUR, 4 * HOUR, 3) == pytest.approx(8.0)
    with pytest.raises(ParameterError):
        recent_range_pct(wide, T0 + HOUR, HOUR, 14)


def test_long_plan_worked_example() -> None:
    p = make_plan(MAP, BARS, side="long")
    assert p.entry == 100.0 and p.atr_pct == pytest.approx(2.0)
    # stop beyond the long cluster's far edge 96 by 1%: 95.04
    assert p.stop.basis == "cluster" and p.stop.price == pytest.approx(95.04)
    assert p.stop.cluster is not None and p.stop.cluster.usd == 30e6
    assert p.stop.cluster.tiers == {"100x": 30e6} and p.stop.inside is None
    # targets: the opposite (short) clusters at their near edges, nearest first; 103 gives
    # 3 / 4.96 = 0.60R, below the default minimum of 1R: skipped, listed and warned about
    assert [t.price for t in p.take_profits] == [107.0]
    assert p.take_profits[0].cluster.usd == 50e6 and p.take_profits[0].meets_min_rr
    assert [t.price for t in p.low_rr_targets] == [103.0]
    assert p.low_rr_targets[0].reward_risk == pytest.approx(3.0 / 4.96)
    assert any("below 1R skipped: 103.00 (0.60R)" in w for w in p.warnings)
    loose = make_plan(MAP, BARS, side="long", config=PlanConfig(min_reward_risk=0.5))
    assert [t.price for t in loose.take_profits] == [103.0, 107.0] and not loose.low_rr_targets
    # thin zones: between the long cluster and the first short cluster (around the price) and
    # between the two short clusters (above), both empty of levels
    zones = [(z.price_low, z.price_high, z.where) for z in p.breakout_zones]
    assert zones == [(97.0, 103.0, "around"), (104.0, 107.0, "above")]
    assert p.breakout_zones[0].density_ratio == 0.0 and p.execution is None


def test_short_plan_mirrors() -> None:
    p = make_plan(MAP, BARS, side="short")
    assert p.stop.price == pytest.approx(104.0 * 1.01)  # beyond the nearest short cluster
    assert p.take_profits == () and [t.price for t in p.low_rr_targets] == [97.0]  # 0.60R


def test_stop_beyond_the_cascade_pin_when_the_wick_runs_further() -> None:
    # book 5M per 1%: price trading to the long cluster's centre 96.5 (shock -3.5%, 17.5M) fires
    # 15M -> 93.5, then the other 15M -> 90.5: the wick runs 5.5 points past the cluster
    p = make_plan(MAP, BARS, side="long", depth=power_profile(5e6, 1.0))
    assert p.stop.wick_pin == pytest.approx(90.5)
    assert p.stop.basis == "cascade_pin" and p.stop.price == pytest.approx(90.5 * 0.99)
    # 10.4% is beyond the allowed risk (4 x ATR = 8%): no stop within it exists
    assert not p.stop.within_risk and p.stop.allowed_risk_pct == pytest.approx(8.0)
    assert any("no stop within the allowed risk (8.00%)" in w for w in p.warnings)
    wide = make_plan(
        MAP, BARS, side="long", depth=power_profile(5e6, 1.0), config=PlanConfig(max_risk_pct=12)
    )
    assert wide.stop.within_risk and wide.stop.price == p.stop.price


def test_stop_is_never_inside_a_cluster() -> None:
    # 96 * 0.99 = 95.04 lands in the cluster 94.5-95.5: moved beyond its far edge, 94.5 * 0.99
    near = (cluster("long", 96.0, 97.0, 30e6), cluster("long", 94.5, 95.5, 10e6))
    m = ladder_map({96: 30e6, 94: 5e6, 95: 5e6}, clusters=near)
    p = make_plan(m, BARS, side="long")
    assert p.stop.price == pytest.approx(94.5 * 0.99) and p.stop.inside is None
    assert [c.price_low for c in p.stop.moved_past] == [94.5]
    assert not any(c.price_low <= p.stop.price <= c.price_high for c in m.clusters)
    text = next(w for w in p.warnings if "moved beyond" in w)
    assert "94.50-95.50" in text


def test_stop_chain_of_clusters_and_no_stop_within_risk() -> None:
    # three touching clusters: the stop walks past each; with 3% allowed risk none exists
    chain = (
        cluster("long", 96.0, 97.0, 30e6),
        cluster("long", 94.5, 95.5, 10e6),
        cluster("long", 92.0, 94.0, 10e6),
    )
    m = ladder_map({96: 30e6, 95: 10e6, 93: 10e6}, clusters=chain)
    p = make_plan(m, BARS, side="long", config=PlanConfig(max_risk_pct=3.0))
    assert p.stop.price == pytest.approx(92.0 * 0.99)
    assert len(p.stop.moved_past) == 2 and not p.stop.within_risk
    assert any("no stop within the allowed risk (3.00%)" in w for w in p.warnings)


def test_execution_with_and_without_forced_flow() -> None:
    # buying 10M through asks of 20M per 1%: the book is walked to +0.5%, fills average +0.25%;
    # resting bids in the long cluster (-3.5%) can expect 25% of its 30M forced sells = 7.5M,
    # leaving 2.5M for the book: +0.125% end, 6.25 bps average, 1.5625 bps blended
    p = make_plan(MAP, BARS, side="long", size_usd=10e6, depth=power_profile(20e6, 1.0))
    ex = p.execution
    assert ex is not None
    assert ex.market_slippage_bps == pytest.approx(25.0) and ex.market_end_price == pytest.approx(
        100.5
    )
    assert [u for _, u in ex.forced_levels] == [pytest.approx(7.5e6)]
    assert ex.passive_usd == pytest.approx(7.5e6) and ex.remainder_usd == pytest.approx(2.5e6)
    assert ex.remainder_slippage_bps == pytest.approx(6.25)
    assert ex.blended_slippage_bps == pytest.approx(1.5625)
    no_depth = make_plan(MAP, BARS, side="long", size_usd=10e6)
    assert no_depth.execution is not None and no_depth.execution.market_slippage_bps is None
    assert any("no depth profile" in w for w in no_depth.warnings)


def test_no_adverse_cluster_uses_the_range_and_says_so() -> None:
    m = ladder_map(shorts={103: 20e6}, clusters=(CLUSTERS[1],))
    p = make_plan(m, BARS, side="long")
    assert p.stop.basis == "range" and p.stop.price == pytest.approx(96.0)  # 2 x ATR below
    assert any("no adverse cluster" in w for w in p.warnings)


def test_to_dict_is_json_with_the_numbers_behind_each_suggestion() -> None:
    p = make_plan(MAP, BARS, side="long", size_usd=1e6, depth=power_profile(20e6, 1.0))
    d = json.loads(json.dumps(p.to_dict(), allow_nan=False))
    assert d["schema"] == "liqmap.plan/1" and d["disclaimer"] == DISCLAIMER
    assert d["stop"]["cluster"]["usd"] == 30e6 and d["stop"]["cluster"]["tiers"] == {"100x": 30e6}
    assert d["low_rr_targets"][0]["cluster"]["distance_pct"] == pytest.approx(3.5)
    assert d["take_profits"][0]["meets_min_rr"] is True and d["simulated"] is False
    assert d["stop"]["within_risk"] is True and d["stop"]["moved_past"] == []
    assert d["execution"]["forced_levels"][0]["cluster"]["side"] == "long"
    assert d["config"]["buffer_atr"] == 0.5


def test_validation() -> None:
    with pytest.raises(ParameterError):
        make_plan(MAP, BARS, side="up")  # type: ignore[arg-type]
    with pytest.raises(ParameterError):
        make_plan(MAP, BARS, side="long", entry=-1.0)
    with pytest.raises(ParameterError):
        make_plan(MAP, BARS, side="long", size_usd=0.0)
    with pytest.raises(ParameterError):
        PlanConfig(capture_share=2.0)
    far = make_plan(MAP, BARS, side="long", entry=90.0)
    assert any("from the current price" in w for w in far.warnings)
