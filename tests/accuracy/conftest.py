"""Fixtures for the accuracy tests: a small simulated market and the BTCUSDT brackets."""

from __future__ import annotations

from dataclasses import replace

import pytest

from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.io.brackets import default_table
from liqmap.sim import SimConfig, SimulationResult, simulate


@pytest.fixture(scope="session")
def market() -> SimulationResult:
    """Three simulated days of 1m bars with OI levels, taker flow and liquidations."""
    return simulate(replace(SimConfig.preset("mixed"), duration_minutes=3 * 1440, seed=11))


@pytest.fixture(scope="session")
def btc_table() -> MarginTable:
    """liqmap's shipped Binance BTCUSDT brackets."""
    return default_table(Venue.BINANCE, "BTCUSDT")
