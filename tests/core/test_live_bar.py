"""The live map's scalar bar preparation equals ``prepare_bars`` on a one-bar window."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from liqmap.core.bars import prepare_bars
from liqmap.core.live_bar import prepare_live_bar
from liqmap.domain.market import Candles, OpenInterest
from liqmap.model_config import DEFAULT_PARAMS

MINUTE = 60_000
T = 1_767_225_600_000

_maybe = st.one_of(st.just(math.nan), st.floats(1.0, 1e4))


@st.composite
def bars(draw: st.DrawFn) -> dict[str, float]:
    low = draw(st.floats(100.0, 100_000.0))
    high = low * (1 + draw(st.floats(0.0, 0.05)))
    open_, close = (low + (high - low) * draw(st.floats(0.0, 1.0)) for _ in range(2))
    volume = draw(_maybe)
    buy = volume * draw(st.floats(0.0, 1.0)) if draw(st.booleans()) else math.nan
    with_oi = draw(st.booleans())
    oi0 = draw(st.floats(1e6, 1e10)) if with_oi else math.nan
    oi1 = oi0 * (1 + draw(st.floats(-0.05, 0.05))) if with_oi else math.nan
    return {"open": open_, "high": high, "low": low, "close": close, "volume": volume,
            "buy": buy, "oi0": oi0, "oi1": oi1}  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    b=bars(),
    ema0=st.one_of(st.just(math.nan), st.floats(1e6, 1e11)),
    first=st.booleans(),
    dt=st.floats(1 / 60, 48.0),
    anchor=st.booleans(),
    turnover=st.sampled_from([0.0, 3.4]),
)
def test_equals_prepare_bars_on_one_bar(
    b: dict[str, float], ema0: float, first: bool, dt: float, anchor: bool, turnover: float
) -> None:
    p = dataclasses.replace(DEFAULT_PARAMS, oi_anchor=anchor, turnover_per_day=turnover)
    candles = Candles("BTCUSDT", MINUTE, np.array([T]), np.array([b["open"]]),
                      np.array([b["high"]]), np.array([b["low"]]), np.array([b["close"]]),
                      np.array([b["volume"]]), np.array([b["buy"]]))  # fmt: skip
    oi = None
    if math.isfinite(b["oi0"]):
        oi = OpenInterest(np.array([T, T + MINUTE]), np.array([b["oi0"], b["oi1"]]))
    want = prepare_bars(candles, oi, p, volume_ema=ema0, first_bar_is_start=first,
                        first_dt_hours=dt)  # fmt: skip
    got = prepare_live_bar(MINUTE, b["open"], b["high"], b["low"], b["close"], b["volume"],
                           b["buy"], p, oi_open=b["oi0"], oi_close=b["oi1"], volume_ema=ema0,
                           first=first, dt_hours=dt)  # fmt: skip
    for f in dataclasses.fields(want):
        a, g = getattr(want, f.name), getattr(got, f.name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(g, a, err_msg=f.name)
        elif isinstance(a, float) and math.isnan(a):
            assert math.isnan(g), f.name
        else:
            assert g == a, f.name
