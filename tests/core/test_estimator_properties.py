"""Invariants of the estimator (hypothesis): notional is conserved, crossed levels are cleared."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_kernel_reference import _random_bars

from liqmap.core import _kernel as kern
from liqmap.core.estimator import Grid, KernelState, run_kernel
from liqmap.model_config import EstimatorParams


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    n=st.integers(1, 200),
    n_bins=st.integers(10, 300),
    with_oi=st.booleans(),
    n_events=st.integers(0, 30),
    half_width=st.floats(2.0, 60.0),
)
def test_every_opened_dollar_is_accounted_for(
    seed: int, n: int, n_bins: int, with_oi: bool, n_events: int, half_width: float
) -> None:
    rng = np.random.default_rng(seed)
    bars = _random_bars(rng, n, with_oi)
    params = EstimatorParams(
        leverages=(5, 20, 100), weights=(0.3, 0.5, 0.2), half_life_hours=(math.inf,) * 3
    )
    price = float(np.median(bars.high))
    grid = Grid.around(price, half_width, n_bins)
    ev_bar = np.sort(rng.integers(0, n, n_events)).astype(np.int64)
    ev_usd = rng.lognormal(9, 1, n_events)
    events = (ev_bar, rng.choice([-1, 1], n_events).astype(np.int64),
              price * rng.uniform(0.9, 1.1, n_events), ev_usd)  # fmt: skip
    state = KernelState(grid, 3)
    f_long, f_short = np.array([0.8, 0.955, 0.996]), np.array([1.2, 1.045, 1.004])
    run_kernel(state, bars, params, f_long, f_short, events=events)
    a = state.acc
    long_usd, short_usd = state.usd()
    live = long_usd.sum() + short_usd.sum()
    subtracted = ev_usd.sum() - a[kern.ACC_UNMATCHED]
    opened = a[kern.ACC_OPEN_LONG] + a[kern.ACC_OPEN_SHORT]
    gone = (a[kern.ACC_LIQ_LONG] + a[kern.ACC_LIQ_SHORT] + a[kern.ACC_OOR_LONG]
            + a[kern.ACC_OOR_SHORT] + a[kern.ACC_CLOSED_OI] + subtracted)  # fmt: skip
    assert math.isclose(opened, live + gone, rel_tol=1e-9, abs_tol=1e-6 * max(opened, 1.0))
    assert np.all(long_usd >= 0) and np.all(short_usd >= 0)
    # crossed levels are cleared: nothing long at or above the last bar's high, nothing short
    # at or below its low (the last bar's own new levels lie below its high / above its low)
    edges = grid.edges
    assert long_usd.sum(axis=0)[edges[:-1] >= bars.high[-1]].sum() == 0.0
    assert short_usd.sum(axis=0)[edges[1:] <= bars.low[-1]].sum() == 0.0
