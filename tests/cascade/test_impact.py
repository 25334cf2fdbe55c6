"""The impact law: worked examples, its fit on synthetic and real data, and the market state."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from liqmap.core.impact import (
    FITTED,
    ImpactModel,
    fit_impact_law,
    fit_resilience,
    impact_from_bars,
    market_state,
)
from liqmap.domain.market import Candles
from liqmap.errors import ParameterError

MIN = 60_000


def test_worked_example_and_inverse() -> None:
    # Y 1, sigma 2%/day, 10B USD/day: 100M USD (1% of a day) moves 2% x sqrt(0.01) = 0.2%
    m = ImpactModel(0.02, 10e9, fit=FITTED.__class__(1.0, 0.5, 0.0, 0.0, 0.0, 5.0, 0, "test"))
    assert m.move_for(100e6) == pytest.approx(0.002)
    assert m.usd_for(0.002) == pytest.approx(100e6)
    assert m.move_for(0.0) == 0.0 and m.usd_for(-1.0) == 0.0
    # four times the flow, twice the move (square root); a 4x deeper market, half the move
    assert m.move_for(400e6) == pytest.approx(2 * m.move_for(100e6))
    assert m.scaled(4.0).move_for(100e6) == pytest.approx(0.001)
    with pytest.raises(ParameterError):
        m.scaled(0.0)
    with pytest.raises(ParameterError):
        ImpactModel(0.0, 1e9)
    d = m.to_dict()
    assert d["schema"] == "liqmap.impact/1" and d["usd_for_1pct"] == pytest.approx(2.5e9)


def test_draws_follow_the_fitted_spread() -> None:
    m = ImpactModel(0.02, 10e9)
    y, delta = m.draws(4000, np.random.default_rng(0))
    assert np.median(y) == pytest.approx(FITTED.y, rel=0.03)
    assert np.std(np.log(y)) == pytest.approx(FITTED.log_y_sd, rel=0.05)
    assert np.all(delta == FITTED.delta)  # the law's exponent is not drawn


def test_fit_recovers_a_known_law() -> None:
    rng = np.random.default_rng(1)
    sigma, volume, y_true = 0.03, 30e9, 0.8
    q = rng.choice([-1, 1], 2000) * np.exp(rng.uniform(np.log(1e4), np.log(1e7), 2000))
    r = np.sign(q) * y_true * sigma * np.sqrt(np.abs(q) / volume) * np.exp(rng.normal(0, 0.3, 2000))
    y, log_sd, d_free, _, _ = fit_impact_law(r, q, sigma, volume, n_boot=50)
    assert y == pytest.approx(y_true * math.exp(0.3**2 / 2), rel=0.05)  # the mean of the noise
    assert d_free == pytest.approx(0.5, abs=0.03) and 0 < log_sd < 0.05
    with pytest.raises(ParameterError):
        fit_impact_law(r[:5], q[:5], sigma, volume)


def test_resilience_half_life_of_an_ar1() -> None:
    rng = np.random.default_rng(2)
    phi, x = 0.8, np.zeros(20_000)
    for t in range(1, len(x)):
        x[t] = phi * x[t - 1] + rng.normal()
    assert fit_resilience(1e6 + 1e4 * x, 1.0) == pytest.approx(
        math.log(2) / -math.log(phi), rel=0.05
    )
    with pytest.raises(ParameterError):
        fit_resilience(np.array([1.0, -1.0] * 10), 1.0)  # flips sign: no AR(1) decay


def _bars(n: int, vol: float = 2.0) -> Candles:
    ts = np.arange(n) * MIN
    close = 100.0 * np.exp(0.001 * np.where(np.arange(n) % 2 == 0, 1.0, -1.0))
    return Candles("T", MIN, ts, close, close, close, close, np.full(n, vol), np.full(n, np.nan))


def test_market_state_from_bars() -> None:
    # 1,440 one-minute bars, each log return +-0.1% (exactly 0.2% between neighbours)
    bars = _bars(1441)
    sigma, volume = market_state(bars, 1441 * MIN)
    assert sigma == pytest.approx(math.sqrt(1439 * 0.002**2 / 1.0), rel=1e-3)
    assert volume == pytest.approx(1440 * 2.0 * 100.0, rel=0.01)
    with pytest.raises(ParameterError):
        market_state(bars, 5 * MIN)  # fewer than 10 bars closed
    novol = _bars(100, vol=math.nan)
    with pytest.raises(ParameterError, match="no volume"):
        impact_from_bars(novol, 100 * MIN)
    m = impact_from_bars(novol, 100 * MIN, fallback_volume_usd=1e9)
    assert m.volume_usd_daily == 1e9 and "given" in m.source


def test_shipped_fit_is_what_the_recording_gives(shared_data: Path) -> None:
    from liqmap.io.impact_fit import fit_impact_recording

    fit = fit_impact_recording(
        shared_data / "orderbook" / "usdm_btcusdt_20240808.txt.gz", n_boot=40
    )
    assert fit.y == pytest.approx(FITTED.y, abs=0.005)
    assert fit.half_life_s == pytest.approx(FITTED.half_life_s, abs=0.1)
    assert fit.log_y_sd < FITTED.log_y_sd  # the shipped spread is widened (docs/cascade.md)
    assert fit.n_windows == FITTED.n_windows


def test_hyperliquid_book_refills_too(shared_data: Path) -> None:
    from liqmap.io.impact_fit import hyperliquid_half_life

    # 46 full books over 25 s: the depth near mid refills within about a second
    half = hyperliquid_half_life(shared_data / "orderbook" / "hyperliquid_btcusd_20250126.txt.gz")
    assert 0.2 < half < FITTED.half_life_s
