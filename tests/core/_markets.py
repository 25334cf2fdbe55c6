"""Small deterministic markets for the core tests."""

from __future__ import annotations

import numpy as np

from liqmap.domain.market import Candles

MINUTE = 60_000
T0 = 1_767_225_600_000  # 2026-01-01T00:00Z


def make_candles(
    n: int = 600, seed: int = 1, price: float = 60_000.0, flow: bool = True
) -> Candles:
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
