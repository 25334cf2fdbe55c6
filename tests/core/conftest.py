"""Fixtures for the core tests: small deterministic markets and a Binance-style bracket table."""

from __future__ import annotations

import pytest
from _markets import make_candles

from liqmap.domain.margin import MarginTable, MarginTier
from liqmap.domain.market import Candles


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


@pytest.fixture
def candles() -> Candles:
    """600 one-minute bars around 60,000 with taker flow."""
    return make_candles()
