"""The numba kernel and the readable reference implementation agree bar for bar."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from liqmap.core._reference import ReferenceInputs, reference_run
from liqmap.core.bars import BarInputs
from liqmap.core.estimator import Grid, KernelState, run_kernel
from liqmap.model_config import EstimatorParams


def _random_bars(
    rng: np.random.Generator, n: int, with_oi: bool, target: bool = False
) -> BarInputs:
    ret = rng.standard_t(3, n) * 0.004
    close = 100.0 * np.exp(np.cumsum(ret))
    open_ = np.r_[100.0, close[:-1]]
    rng_hl = np.abs(rng.normal(0, 0.004, n)) * close
    high = np.maximum(open_, close) + rng_hl
    low = np.minimum(open_, close) - rng_hl
    typ = (high + low + close) / 3
    spread = rng.uniform(0, 1)
    opened = rng.lognormal(10, 1, n)
    share = rng.uniform(0, 1, n)
    oi_delta = rng.normal(0, 3e4, n) if with_oi else np.full(n, np.nan)
    oi_prev = rng.uniform(1e6, 2e6, n) if with_oi else np.full(n, np.nan)
    if with_oi:
        oi_prev[rng.uniform(size=n) < 0.3] = np.nan  # change-only bars
    dt = np.where(rng.uniform(size=n) < 0.1, 5.0 / 60, 1.0 / 60)
    oi_target = np.full(n, np.nan)
    if target:  # stock-flow bars (known or implied OI level) mixed with bars without one
        oi_target = rng.lognormal(13, 0.5, n)
        oi_target[rng.uniform(size=n) < 0.3] = np.nan
    return BarInputs(
        high=high, low=low,
        entry_lo=typ - spread * (typ - low), entry_hi=typ + spread * (high - typ),
        new_long=opened * share, new_short=opened * (1 - share),
        oi_delta=oi_delta, oi_prev=oi_prev, dt_hours=dt, oi_target=oi_target, long_share=share,
        oi_source="level" if with_oi else "none", bars_with_oi=n, bars_with_flow=n, bars_unsized=0,
    )  # fmt: skip


def _bars_slice(bars: BarInputs, start: int, stop: int | None = None) -> BarInputs:
    """Bars ``[start:stop]`` (``[:start]`` when ``stop`` is None)."""
    sl = slice(0, start) if stop is None else slice(start, stop)
    arrays = {
        f.name: getattr(bars, f.name)[sl]
        for f in dataclasses.fields(bars)
        if isinstance(getattr(bars, f.name), np.ndarray)
    }
    return dataclasses.replace(bars, **arrays)


def _compare(
    seed: int,
    n: int,
    n_bins: int,
    with_oi: bool,
    n_events: int,
    target: bool = False,
    spans: bool = False,
) -> None:
    rng = np.random.default_rng(seed)
    bars = _random_bars(rng, n, with_oi, target)
    params = EstimatorParams(
        leverages=(5, 20, 100), weights=(0.3, 0.5, 0.2), half_life_hours=(math.inf, 6.0, 1.0)
    )
    f_long = np.array([0.8, 0.955, 0.996])
    f_short = np.array([1.2, 1.045, 1.004])
    if spans:  # each tier spread between its ratios at two leverage edges (tier_spans)
        f_long = np.stack((f_long, f_long - np.array([0.1, 0.02, 0.004])), axis=1)
        f_short = np.stack((f_short, f_short + np.array([0.1, 0.02, 0.004])), axis=1)
    price = float(np.median(bars.high))
    grid = Grid.around(price, 30.0, n_bins)
    ev_bar = np.sort(rng.integers(0, n, n_events)).astype(np.int64)
    ev_side = rng.choice([-1, 1], n_events).astype(np.int64)
    ev_price = price * rng.uniform(0.85, 1.15, n_events)
    ev_usd = rng.lognormal(9, 1, n_events)
    snap = np.unique(rng.integers(0, n, 7)).astype(np.int64)
    state = KernelState(grid, 3)
    liq = np.zeros((n, 2))
    out_l, out_s = run_kernel(
        state, bars, params, f_long, f_short,
        events=(ev_bar, ev_side, ev_price, ev_usd), snap_bar=snap, liq_out=liq,
    )  # fmt: skip
    ref = reference_run(
        ReferenceInputs(
            high=bars.high, low=bars.low, entry_lo=bars.entry_lo, entry_hi=bars.entry_hi,
            new_long=bars.new_long, new_short=bars.new_short, oi_delta=bars.oi_delta,
            oi_prev=bars.oi_prev, dt_hours=bars.dt_hours, oi_target=bars.oi_target,
            long_share=bars.long_share, weights=np.array(params.weights),
            lam_per_hour=np.array([0.0, math.log(2) / 6, math.log(2)]),
            f_long=f_long, f_short=f_short, edges=grid.edges,
            ev_bar=ev_bar, ev_side=ev_side, ev_price=ev_price, ev_usd=ev_usd, snap_bar=snap,
        )
    )  # fmt: skip
    long_k, short_k = state.usd()
    scale = max(ref.usd.max(), 1.0)
    np.testing.assert_allclose(long_k, ref.usd[0], rtol=1e-7, atol=1e-9 * scale)
    np.testing.assert_allclose(short_k, ref.usd[1], rtol=1e-7, atol=1e-9 * scale)
    snaps = np.array(ref.snapshots)
    np.testing.assert_allclose(out_l, snaps[:, 0], rtol=1e-7, atol=1e-9 * scale)
    np.testing.assert_allclose(out_s, snaps[:, 1], rtol=1e-7, atol=1e-9 * scale)
    acc = state.acc
    tol = 1e-7 * max(1.0, sum(ref.opened))
    assert acc[2] == pytest.approx(ref.liquidated[0], abs=tol)
    assert acc[3] == pytest.approx(ref.liquidated[1], abs=tol)
    assert acc[0] == pytest.approx(ref.out_of_range[0], abs=tol)
    assert acc[1] == pytest.approx(ref.out_of_range[1], abs=tol)
    assert acc[4] == pytest.approx(ref.unmatched_events, abs=tol)
    assert acc[5] == pytest.approx(ref.closed_by_oi, abs=tol)
    # the kernel's running totals equal the sum of its bins
    np.testing.assert_allclose(state.total.sum(axis=1), [long_k.sum(), short_k.sum()], rtol=1e-6)
    np.testing.assert_allclose(liq, np.array(ref.liquidated_by_bar), rtol=1e-7, atol=tol)


@pytest.mark.parametrize(
    ("with_oi", "target", "spans"),
    [(False, False, False), (True, False, False), (False, True, False), (False, True, True)],
)
def test_kernel_equals_reference(with_oi: bool, target: bool, spans: bool) -> None:
    _compare(seed=7, n=400, n_bins=120, with_oi=with_oi, n_events=40, target=target, spans=spans)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(1, 150),
    n_bins=st.integers(10, 80),
    with_oi=st.booleans(),
    n_events=st.integers(0, 20),
    target=st.booleans(),
    spans=st.booleans(),
)
def test_kernel_equals_reference_property(
    seed: int, n: int, n_bins: int, with_oi: bool, n_events: int, target: bool, spans: bool
) -> None:
    _compare(seed, n, n_bins, with_oi, n_events, target, spans)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31), target=st.floats(1e3, 1e9))
@example(seed=10873066, target=1000.0)  # the path drifts 25% above the grid's centre
def test_open_notional_never_exceeds_open_interest(seed: int, target: float) -> None:
    rng = np.random.default_rng(seed)
    bars = _random_bars(rng, 120, with_oi=True, target=True)
    params = EstimatorParams(leverages=(5, 50), weights=(0.5, 0.5), half_life_hours=(9.0, 2.0))
    grid = Grid.around(float(np.median(bars.high)), 40.0, 100)
    state = KernelState(grid, 2)
    snap = np.arange(120, dtype=np.int64)
    out_l, out_s = run_kernel(
        state, bars, params, np.array([0.8, 0.99]), np.array([1.2, 1.01]), snap_bar=snap
    )
    open_now = out_l.sum(axis=1) + out_s.sum(axis=1)
    known = np.isfinite(bars.oi_target)
    assert np.all(open_now[known] <= bars.oi_target[known] * (1 + 1e-9))
    # where the level is known, the stock is brought up to it, less what the top-up placed off
    # the grid (a path that drifts far from the grid's centre): replay the last bar on its own
    last = int(np.flatnonzero(known)[-1])
    head = KernelState(grid, 2)
    run_kernel(head, _bars_slice(bars, last), params, np.array([0.8, 0.99]), np.array([1.2, 1.01]))
    before = head.acc[0] + head.acc[1]
    run_kernel(
        head, _bars_slice(bars, last, last + 1), params, np.array([0.8, 0.99]),
        np.array([1.2, 1.01]),
    )  # fmt: skip
    off_grid = head.acc[0] + head.acc[1] - before
    assert open_now[last] + off_grid == pytest.approx(bars.oi_target[last], rel=0.05)
