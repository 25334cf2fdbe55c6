"""True positions: the log, positions_at() and the true liquidation profile."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from liqmap.errors import ParameterError
from liqmap.sim import ExitKind, SimConfig, SimulationResult, simulate, true_liquidation_profile

SMALL = SimConfig(duration_minutes=1440, warmup_minutes=720)
TIERS = (5.0, 10.0, 25.0, 50.0, 100.0)


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    return simulate(SMALL)


def test_log_is_consistent(result: SimulationResult) -> None:
    log = result.log
    p = log.positions
    assert len(log) == len(p) > 1000
    assert np.all(p.open_ts_ms >= SMALL.start_ms - SMALL.warmup_minutes * 60_000)
    closed = log.exit_kind != ExitKind.OPEN
    assert np.all(log.close_ts_ms[closed] >= p.open_ts_ms[closed])
    assert np.all(log.close_ts_ms[~closed] == -1)
    assert np.allclose(p.qty * p.entry_price, p.notional_usd, rtol=1e-12)
    assert set(np.unique(p.leverage).tolist()) <= set(SMALL.leverages)
    kinds = set(np.unique(log.exit_kind).tolist())
    assert kinds == {int(k) for k in ExitKind}  # every way out happens


def test_positions_at_end_are_the_open_ones(result: SimulationResult) -> None:
    end = result.positions
    assert len(end) == int((result.log.exit_kind == ExitKind.OPEN).sum())
    assert np.all(end.open_ts_ms < result.end_ms)


def test_positions_at_is_the_state_before_the_instant(result: SimulationResult) -> None:
    log = result.log
    t = int(log.positions.open_ts_ms[len(log) // 2])
    before = result.positions_at(t)
    after = result.positions_at(t + 1)
    opened_at_t = int((log.positions.open_ts_ms == t).sum())
    closed_at_t = int((log.close_ts_ms == t).sum())
    assert len(after) == len(before) + opened_at_t - closed_at_t


def test_positions_at_outside_the_run_is_an_error(result: SimulationResult) -> None:
    with pytest.raises(ParameterError, match="outside"):
        result.positions_at(result.end_ms + 1)


def test_profile_conserves_notional(result: SimulationResult) -> None:
    pos = result.positions
    lo = pos.liquidation_price.min() * 0.99
    hi = pos.liquidation_price.max() * 1.01
    edges = np.linspace(lo, hi, 301)
    long_usd, short_usd = true_liquidation_profile(pos, edges, TIERS)
    assert long_usd.shape == short_usd.shape == (len(TIERS), 300)
    long_ = pos.side > 0
    assert long_usd.sum() == pytest.approx(pos.notional_usd[long_].sum(), rel=1e-12)
    assert short_usd.sum() == pytest.approx(pos.notional_usd[~long_].sum(), rel=1e-12)
    # longs are liquidated below the price, shorts above
    price = result.candles.close[-1]
    centers = 0.5 * (edges[:-1] + edges[1:])
    assert long_usd[:, centers > price * 1.001].sum() == 0.0
    assert short_usd[:, centers < price * 0.999].sum() == 0.0


def test_profile_measure_at_liquidation(result: SimulationResult) -> None:
    pos = result.positions
    edges = np.array([1.0, 1e9])
    long_usd, short_usd = true_liquidation_profile(pos, edges, TIERS, measure="at_liquidation")
    total = (pos.qty * pos.liquidation_price).sum()
    assert long_usd.sum() + short_usd.sum() == pytest.approx(total, rel=1e-12)


def test_profile_assigns_the_nearest_tier_in_log_terms(result: SimulationResult) -> None:
    pos = result.positions
    edges = np.array([1.0, 1e9])
    long_usd, short_usd = true_liquidation_profile(pos, edges, (10.0, 100.0))
    by_tier = long_usd[:, 0] + short_usd[:, 0]
    low = pos.leverage < np.sqrt(10.0 * 100.0)  # the geometric midpoint, ~31.6x
    assert by_tier[0] == pytest.approx(pos.notional_usd[low].sum(), rel=1e-12)
    assert by_tier[1] == pytest.approx(pos.notional_usd[~low].sum(), rel=1e-12)


def test_profile_leaves_out_levels_outside_the_edges(result: SimulationResult) -> None:
    pos = result.positions
    price = result.candles.close[-1]
    edges = np.linspace(price * 0.99, price * 1.01, 11)
    long_usd, short_usd = true_liquidation_profile(pos, edges, TIERS)
    inside = (pos.liquidation_price >= edges[0]) & (pos.liquidation_price < edges[-1])
    got = long_usd.sum() + short_usd.sum()
    assert got == pytest.approx(pos.notional_usd[inside].sum(), rel=1e-12)


def test_profile_rejects_bad_edges(result: SimulationResult) -> None:
    with pytest.raises(ParameterError, match="edges"):
        true_liquidation_profile(result.positions, np.array([2.0, 1.0]), TIERS)
    with pytest.raises(ParameterError, match="measure"):
        true_liquidation_profile(
            result.positions,
            np.array([1.0, 2.0]),
            TIERS,
            measure="usd",  # type: ignore[arg-type]
        )


def test_empty_positions_give_zero_profiles() -> None:
    res = simulate(replace(SMALL, warmup_minutes=0, duration_minutes=5, arrivals_per_minute=0.0))
    long_usd, short_usd = true_liquidation_profile(res.positions, np.array([1.0, 2.0]), TIERS)
    assert long_usd.sum() == short_usd.sum() == 0.0
