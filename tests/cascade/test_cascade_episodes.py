"""Real-shock detection and the validation scores (worked examples)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from liqmap.core.cascade_episodes import (
    baseline_p,
    brier,
    extension_baseline,
    find_shocks,
    log_corr,
    p_diffusion_reaches,
    reliability,
)
from liqmap.domain.market import Candles

M5 = 300_000


def _bars(lows: list[float], highs: list[float]) -> Candles:
    n = len(lows)
    o = np.full(n, 100.0)
    return Candles("T", M5, np.arange(n) * M5, o, np.array(highs), np.array(lows), o,
                   np.ones(n), np.full(n, np.nan))  # fmt: skip


def test_find_shocks_initial_final_and_no_overlap() -> None:
    lows = [99.9] * 40
    highs = [100.1] * 40
    lows[5], lows[12] = 98.8, 97.0  # -1.2% in the first 15 minutes, -3% within the horizon
    lows[30] = 98.9  # inside the first shock's horizon (bars 5..28)? no: 30 is past it
    s = find_shocks(_bars(lows, highs), window=3, horizon=24)
    assert [x.ts_ms // M5 for x in s] == [3]  # the first bar whose 15-min window reaches -1%
    first = s[0]
    assert first.direction == -1 and first.initial == pytest.approx(-0.012)
    assert first.final == pytest.approx(-0.03) and first.extension == pytest.approx(2.5)
    # bar 30 is within 24 bars of bar 3's start? 3 + 24 = 27 <= 30: a new episode, but its
    # horizon runs past the data (40 bars), so it is skipped
    assert len(s) == 1


def test_gaps_are_not_bridged() -> None:
    c = _bars([98.0] + [99.9] * 30, [100.1] * 31)
    ts = c.ts_ms.copy()
    ts[10:] += 3_600_000  # an hour missing inside the first horizon
    gap = Candles("T", M5, ts, c.open, c.high, c.low, c.close, c.volume, c.taker_buy_volume)
    assert find_shocks(gap, window=3, horizon=24) == []


def test_scores() -> None:
    y = np.array([1.0, 0.0, 1.0, 0.0])
    assert brier(np.array([1.0, 0.0, 1.0, 0.0]), y) == 0.0
    assert brier(np.full(4, 0.5), y) == 0.25
    rel = reliability(np.array([0.1, 0.15, 0.9, 0.95]), y, bins=5)
    assert rel == [(pytest.approx(0.125), 0.5, 2), (pytest.approx(0.925), 0.5, 2)]
    lc, n = log_corr(np.array([1.0, 10.0, 100.0, 0.0]), np.array([2.0, 20.0, 200.0, 5.0]))
    assert lc == pytest.approx(1.0) and n == 3


def test_baseline_rates_with_a_prior() -> None:
    from liqmap.core.cascade_episodes import Shock

    mk = lambda init, fin: Shock(0, -1, 100.0, init, fin, 0, 0)  # noqa: E731
    shocks = [mk(-0.011, -0.03), mk(-0.012, -0.012), mk(-0.03, -0.031)]
    edges, rates = extension_baseline(shocks)
    assert rates == (pytest.approx(2 / 4), pytest.approx(1 / 2), pytest.approx(1 / 3))
    assert baseline_p(edges, rates, -0.04) == pytest.approx(1 / 3)


def test_reflection_principle_against_monte_carlo() -> None:
    rng = np.random.default_rng(0)
    paths = np.cumsum(rng.normal(0, 0.01 / math.sqrt(500), (4000, 500)), axis=1)
    mc = float(np.mean(paths.max(axis=1) >= 0.01))
    p = p_diffusion_reaches(np.array([0.01, -0.01]), 0.01)
    assert p[0] == pytest.approx(mc, abs=0.03) and p[1] == 1.0


def test_overlaps_marks_missing_truth() -> None:
    from liqmap.core.cascade_episodes import overlaps

    sil = ((100, 200), (500, 900))
    assert not overlaps(0, 100, sil)  # ends as the silence starts
    assert overlaps(150, 160, sil) and overlaps(0, 101, sil) and overlaps(899, 1000, sil)
    assert not overlaps(200, 500, sil) and not overlaps(0, 50, ())
