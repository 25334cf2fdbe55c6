"""The reach-probability correction of the calibration, on hand-checked cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from liqmap.accuracy.calibrate_reach import case_loss, excursions, reach_probability
from liqmap.domain.market import Candles

M = 60_000


def _bars(
    low: list[float], high: list[float], close: list[float], ts: list[int] | None = None
) -> Candles:
    n = len(low)
    t = np.array(ts if ts is not None else [i * M for i in range(n)], dtype=np.int64)
    nan = np.full(n, np.nan)
    return Candles(
        "BTCUSDT", M, t, np.array(close), np.array(high), np.array(low), np.array(close), nan, nan
    )


def test_excursions_by_hand() -> None:
    # start 0 (close 100): bars 1-2 -> low 97, high 101; start 1: bars 2-3 -> low 97, high 102;
    # start 2: only bar 3 of its two -> coverage 50% < 90%: left out; start 3: none.
    c = _bars(low=[99, 99, 97, 98], high=[101, 101, 100, 102], close=[100, 100, 100, 100])
    falls, rises = excursions(c, 2 * M)
    assert falls == pytest.approx([0.03, 0.03])
    assert rises == pytest.approx([0.01, 0.02])


def test_excursions_respect_gaps() -> None:
    # bar 2 is missing: start 0's 2-bar horizon holds only bar 1 and is dropped
    c = _bars(low=[99, 98, 90], high=[100, 101, 110], close=[100, 100, 100], ts=[0, M, 3 * M])
    falls, _ = excursions(c, 2 * M, min_coverage=0.9)
    assert len(falls) == 0
    falls, rises = excursions(c, 2 * M, min_coverage=0.5)
    assert falls == pytest.approx(
        [0.02, 0.10]
    )  # start 0: bar 1 only; start 1: bar 3 (ts 3M <= M + 2M)
    assert rises == pytest.approx([0.01, 0.10])


def test_reach_probability_is_the_empirical_survival_function() -> None:
    e = np.array([0.01, 0.02, 0.03, 0.04])
    r = reach_probability(e, np.array([-0.01, 0.0, 0.005, 0.015, 0.02, 0.04, 0.05]))
    assert r == pytest.approx([1.0, 1.0, 1.0, 0.75, 0.75, 0.25, 0.0])
    assert reach_probability(np.zeros(0), np.array([0.0, 0.01])) == pytest.approx([1.0, 0.0])


def test_reach_correction_on_a_two_bin_case() -> None:
    """A near and a far level of equal USD; only the near one was liquidated (the far one was
    not reached). Naively the map is half wrong (ln 2); weighting by reach probability (the far
    bin is reached one time in ten) the expected liquidations are 1 : 0.1 (ln 1.1); conditional
    on the visit (support = the near bin) the map is exactly right (0)."""
    pred, actual = np.array([1.0, 1.0]), np.array([5.0, 0.0])
    kl, m, a = case_loss(pred, np.array([1.0, 1.0]), actual, eta=0.0)
    assert (kl, m, a) == pytest.approx((math.log(2.0), 2.0, 5.0))
    kl, m, _ = case_loss(pred, np.array([1.0, 0.1]), actual, eta=0.0)
    assert (kl, m) == pytest.approx((math.log(1.1), 1.1))
    kl, _, _ = case_loss(pred[:1], np.array([1.0]), actual[:1], eta=0.0)
    assert kl == pytest.approx(0.0)


def test_floor_bounds_the_cost_of_a_level_free_bin() -> None:
    # all predicted USD in bin 0, everything liquidated in bin 1: pi_1 = eta / n
    kl, _, _ = case_loss(np.array([1.0, 0.0]), np.ones(2), np.array([0.0, 3.0]), eta=0.02)
    assert kl == pytest.approx(-math.log(0.02 / 2))
    # an empty map is uniform: ln(n / 1) when everything sits in one of n bins
    kl, m, _ = case_loss(np.zeros(4), np.ones(4), np.array([0.0, 1.0, 0.0, 0.0]), eta=0.02)
    assert (kl, m) == pytest.approx((math.log(4.0), 0.0))
    # nothing liquidated: no shape to compare
    assert case_loss(np.ones(3), np.ones(3), np.zeros(3), eta=0.02)[0] == 0.0
