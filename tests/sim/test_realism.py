"""Stylised facts of the simulated market, and its magnitudes against real BTCUSDT 1m bars."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from liqmap.sim import SimConfig, SimulationResult, simulate

REAL_BARS = "bars/binance-um-1m-BTCUSDT-2025-05-25_2025-06-24.csv.gz"


@pytest.fixture(scope="module")
def result() -> SimulationResult:
    return simulate(SimConfig())


def _log_returns(close: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.diff(np.log(close))


def _kurtosis(r: NDArray[np.float64]) -> float:
    d = r - r.mean()
    return float((d**4).mean() / (d**2).mean() ** 2)


def test_minute_returns_have_fat_tails(result: SimulationResult) -> None:
    assert _kurtosis(_log_returns(result.candles.close)) > 6.0  # a Gaussian gives 3


def test_volatility_clusters(result: SimulationResult) -> None:
    a = np.abs(_log_returns(result.candles.close))
    assert np.corrcoef(a[1:], a[:-1])[0, 1] > 0.1


def test_taker_imbalance_moves_with_returns(result: SimulationResult) -> None:
    c = result.candles
    imbalance = (2.0 * c.taker_buy_volume - c.volume)[1:]
    corr = np.corrcoef(imbalance, _log_returns(c.close))[0, 1]
    assert 0.3 < corr < 0.9  # real BTCUSDT 1m: about 0.6


def test_open_interest_fluctuates_without_exploding(result: SimulationResult) -> None:
    oi = result.open_interest.value_usd
    median = np.median(oi)
    assert oi.min() > 0.3 * median
    assert oi.max() < 3.0 * median
    first, last = oi[:1440].mean(), oi[-1440:].mean()
    assert 0.5 < last / first < 2.0


def _read_real_closes(path: Path) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    with gzip.open(path, "rt") as f:
        data = np.loadtxt(f, delimiter=",", skiprows=1, usecols=(2, 3, 4))
    high, low, close = data[:, 0], data[:, 1], data[:, 2]
    return close, (high - low) / close


@pytest.mark.shared_data
def test_bar_magnitudes_match_real_btcusdt(result: SimulationResult, shared_data: Path) -> None:
    real_close, real_range = _read_real_closes(shared_data / REAL_BARS)
    c = result.candles
    sim_std = _log_returns(c.close).std()
    real_std = _log_returns(real_close).std()
    assert 0.5 < sim_std / real_std < 2.0
    sim_range = np.median((c.high - c.low) / c.close)
    assert 0.5 < sim_range / np.median(real_range) < 2.0
    assert _kurtosis(_log_returns(real_close)) > 6.0  # the real market is fat-tailed too
