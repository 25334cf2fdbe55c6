"""The walk-forward engine: no look-ahead, equality with estimate_map, counts and outputs."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from liqmap.accuracy import BacktestConfig, WalkForward, backtest
from liqmap.core.maps import estimate_map
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.sim import SimulationResult

HOUR = 3_600_000
DAY = 24 * HOUR


def _at(market: SimulationResult, hours: float) -> int:
    return int(market.candles.ts_ms[0]) + int(hours * HOUR)


def _snap_arrays(wf: WalkForward, t: int) -> list[np.ndarray]:
    s = wf.map_at(t)
    return [s.model_long, s.model_short, s.ladder_long, s.ladder_short, s.grid.edges,
            np.array([s.price])]  # fmt: skip


def _mutate_after(market: SimulationResult, t: int) -> tuple[Candles, LiquidationEvents, OpenInterest]:  # fmt: skip
    """Every bar, event and OI observation after ``t`` replaced by garbage."""
    rng = np.random.default_rng(5)
    c, ev, oi = market.candles, market.liquidations, market.open_interest
    fut = c.ts_ms >= t
    assert fut.any()  # there is a future to mutate
    cand = replace(
        c, high=np.where(fut, c.high * 2, c.high), low=np.where(fut, c.low / 2, c.low),
        close=np.where(fut, c.close * 1.3, c.close),
        volume=np.where(fut, c.volume * 1e3, c.volume),
        taker_buy_volume=np.where(fut, 0.0, c.taker_buy_volume),
    )  # fmt: skip
    efut = ev.ts_ms >= t
    events = replace(ev, price=np.where(efut, ev.price * 0.7, ev.price),
                     notional_usd=np.where(efut, ev.notional_usd * 50, ev.notional_usd))  # fmt: skip
    ofut = oi.ts_ms > t
    oi2 = replace(oi, value_usd=np.where(ofut, oi.value_usd * rng.uniform(0.1, 3), oi.value_usd))
    return cand, events, oi2


def test_map_at_t_ignores_everything_after_t(market: SimulationResult, btc_table: MarginTable) -> None:  # fmt: skip
    t = _at(market, 40)
    full = WalkForward(
        market.candles, market.liquidations, table=btc_table, oi=market.open_interest
    )
    cand, events, oi = _mutate_after(market, t)
    mutated = WalkForward(cand, events, table=btc_table, oi=oi)
    trunc = WalkForward(
        market.candles.between(0, t), market.liquidations.between(0, t), table=btc_table,
        oi=OpenInterest(market.open_interest.ts_ms[market.open_interest.ts_ms <= t],
                        market.open_interest.value_usd[market.open_interest.ts_ms <= t]),
    )  # fmt: skip
    ref = _snap_arrays(full, t)
    for other in (mutated, trunc):
        for a, b in zip(ref, _snap_arrays(other, t), strict=True):
            assert np.array_equal(a, b)
    # and the data after t did change something: a later map differs
    later = t + 6 * HOUR
    assert not np.array_equal(full.map_at(later).model_long, mutated.map_at(later).model_long)


def test_scores_at_t_use_only_the_horizon(market: SimulationResult, btc_table: MarginTable) -> None:
    t, h = _at(market, 30), 4 * HOUR
    full = WalkForward(
        market.candles, market.liquidations, table=btc_table, oi=market.open_interest
    )
    cand, events, oi = _mutate_after(market, t + h)
    mutated = WalkForward(cand, events, table=btc_table, oi=oi)
    a = full.score_at(full.map_at(t), h)
    b = mutated.score_at(mutated.map_at(t), h)
    assert isinstance(a, list) and a == b


def test_model_map_equals_estimate_map(market: SimulationResult, btc_table: MarginTable) -> None:
    t = _at(market, 50)
    wf = WalkForward(market.candles, market.liquidations, table=btc_table, oi=market.open_interest)
    snap = wf.map_at(t)
    oi = market.open_interest
    m = estimate_map(
        market.candles, window_ms=DAY, table=btc_table, liquidations=market.liquidations,
        oi=OpenInterest(oi.ts_ms[oi.ts_ms <= t], oi.value_usd[oi.ts_ms <= t]), as_of_ms=t,
    )  # fmt: skip
    np.testing.assert_array_equal(snap.grid.edges, m.edges)
    np.testing.assert_allclose(snap.model_long, m.long_usd.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(snap.model_short, m.short_usd.sum(axis=0), rtol=1e-12)


def test_events_are_located_inside_their_bar(market: SimulationResult, btc_table: MarginTable) -> None:  # fmt: skip
    c = market.candles
    ev = LiquidationEvents(
        ts_ms=c.ts_ms[[100, 200]] + 30_000, side=np.array([1, -1]),
        price=np.array([c.low[100] * 0.99, c.high[200] * 1.01]), qty=np.ones(2),
        notional_usd=np.array([1e4, 2e4]),
    )  # fmt: skip
    wf = WalkForward(c, ev, table=btc_table)
    np.testing.assert_allclose(wf.located, [c.low[100], c.high[200]])


def _run(market: SimulationResult, table: MarginTable, **kw: object) -> object:
    cfg = BacktestConfig(every_ms=3 * HOUR, horizons_ms=(HOUR, 4 * HOUR))
    return backtest(
        market.candles, market.liquidations, table=table, oi=market.open_interest, config=cfg,
        start_ms=_at(market, 12), end_ms=_at(market, 60), label="sim", **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_result_structure_and_counts(market: SimulationResult, btc_table: MarginTable, tmp_path: Path) -> None:  # fmt: skip
    from liqmap.accuracy.result import BacktestResult

    r = _run(market, btc_table)
    assert isinstance(r, BacktestResult)
    assert r.times == 17 and r.times == len(r.maps) + sum(r.skipped.values())
    for counts in r.skipped_by_horizon.values():
        assert sum(counts.values()) == len(r.maps)
    assert len(r.scores) == 2 * 3 * 3
    for s in r.scores:
        for v in (s.spearman_mean, s.log_corr, s.partial_corr):
            assert math.isnan(v) or -1.0 <= v <= 1.0
        assert math.isnan(s.top_share_mean) or 0.0 <= s.top_share_mean <= 1.0
    assert r.score(HOUR, "all", "model").n > 0
    assert math.isnan(r.score(HOUR, "long", "uniform").spearman_mean)  # constant on a side
    assert r.score(HOUR, "long", "uniform").top_share_mean == pytest.approx(0.2)
    d = json.loads(json.dumps(r.to_dict(points=True), allow_nan=False))
    assert d["schema"] == "liqmap.backtest/1" and d["maps"] == len(r.maps)
    assert len(d["points"]) == len(r.points)
    assert "rho" in r.summary() and "model" in r.summary()
    assert r.plot(tmp_path / "bt.png").stat().st_size > 10_000
    _, _, counts = r.calibration(HOUR, "all", "model", n=5)
    assert counts.sum() == int(r.points.mask(HOUR, "all", "model").sum())


def test_unsized_windows_and_outages_are_skipped_and_counted(market: SimulationResult, btc_table: MarginTable) -> None:  # fmt: skip
    c = market.candles
    quiet = replace(c, volume=np.where(c.ts_ms < _at(market, 30), np.nan, c.volume))
    outage = (_at(market, 40), _at(market, 44))
    cfg = BacktestConfig(every_ms=3 * HOUR, horizons_ms=(HOUR,))
    r = backtest(quiet, market.liquidations, table=btc_table, config=cfg, outages=(outage,),
                 start_ms=_at(market, 12), end_ms=_at(market, 60))  # fmt: skip
    assert r.skipped == {"no_volume_or_oi": 7}  # maps at 12h..30h see bars without volume only
    assert r.skipped_by_horizon[HOUR].get("truth_not_recorded") == 1  # (42h, 43h] only
    assert r.times == len(r.maps) + 7
