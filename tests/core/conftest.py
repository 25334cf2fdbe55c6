"""Fixtures for the core tests: small deterministic markets and a Binance-style bracket table."""

from __future__ import annotations

import numpy as np
import pytest

from liqmap.domain.margin import MarginTable, MarginTier
from liqmap.domain.market import Candles

MINUTE = 60_000
T0 = 1_767_225_600_000  # 2026-01-01T00:00Z


@pytest.fixture
def table() -> MarginTable:
    """Binance BTCUSDT brackets 1-4 (values of the 2026 snapshot)."""
    rows = [
        (1, 0.0, 300_000.0, 0.004, 0.0, 150.0),
        (2, 300_000.0, 800_000.0, 0.005, 300.0, 100.0),
        (3, 800_000.0, 3_000_000.0, 0.0065, 1_500.0, 75.0),
        (4, 3_000_000.0, 12_000_000.0, 0.01, 12_000.0, 50.0),
    ]
    return MarginTable("BTCUSDT", "binance", tuple(MarginTier(*r) for r in rows))


def make_candles(n: int = 600, seed: int = 1, price: float = 60_000.0, flow: bool = True) -> Candles:
    """A random-walk 1m market with volume and (optionally) taker-buy volume."""
    rng = np.random.default_rng(seed)
    close = price * np.exp(np.cumsum(rng.standard_t(4, n) * 0.0007))
    open_ = np.r_[price, close[:-1]]
    wick = np.abs(rng.normal(0, 0.0004, n)) * close
    high = np.maximum(open_, close) + wick
    low = np.minimum(open_, close) - wick
    vol = rng.lognormal(3, 0.5, n)
    buy = vol * rng.uniform(0.3, 0.7, n) if flow else np.full(n, np.nan)
    return Candles("BTCUSDT", MINUTE, T0 + MINUTE * np.arange(n), open_, high, low, close, vol, buy)


@pytest.fixture
def candles() -> Candles:
    """600 one-minute bars around 60,000 with taker flow."""
    return make_candles()
