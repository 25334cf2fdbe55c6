"""Against the real public endpoints (``pytest -m live``; deselected by default). Each venue:
the last hours of candles, open interest and funding, and margin tiers where public."""

from __future__ import annotations

import time

import pytest

from liqmap.domain.market import Candles, OpenInterest
from liqmap.exchanges import DataKind, FundingRates, client_for, supported_kinds
from liqmap.settings import Settings

pytestmark = pytest.mark.live
HOUR = 3_600_000
VENUES = ["binance", "binance-coinm", "bybit", "okx", "hyperliquid"]


@pytest.mark.asyncio
@pytest.mark.parametrize("venue", VENUES)
async def test_live_candles_oi_funding(venue: str) -> None:
    now = int(time.time() * 1000)
    end = now - now % 60_000
    symbol = "BTCUSD" if venue == "binance-coinm" else "BTCUSDT"
    async with client_for(venue, Settings.from_env()) as c:
        candles = await c.fetch(DataKind.CANDLES, symbol, end - 2 * HOUR, end)
        oi = await c.fetch(DataKind.OI, symbol, end - 2 * HOUR, end)
        funding = await c.fetch(DataKind.FUNDING, symbol, now - 3 * 86_400_000, now)
    assert isinstance(candles, Candles) and len(candles) >= 100
    assert isinstance(oi, OpenInterest) and float(oi.value_usd[-1]) > 1e6
    assert isinstance(funding, FundingRates) and len(funding) >= 3


@pytest.mark.asyncio
@pytest.mark.parametrize("venue", ["bybit", "okx", "hyperliquid"])
async def test_live_margin_tiers(venue: str) -> None:
    assert DataKind.BRACKETS in supported_kinds(venue)
    async with client_for(venue, Settings.from_env()) as c:
        table = await c.margin_table("BTCUSDT")
    assert table.tiers[0].max_leverage >= 20


@pytest.mark.asyncio
async def test_live_okx_liquidations() -> None:
    now = int(time.time() * 1000)
    async with client_for("okx", Settings.from_env()) as c:
        ev = await c.fetch(DataKind.LIQUIDATIONS, "BTCUSDT", now - 86_400_000, now)
    assert ev is None or len(ev) >= 1


@pytest.mark.asyncio
async def test_live_hyperliquid_positions() -> None:
    from liqmap.exchanges.hyperliquid.client import HyperliquidClient
    from liqmap.exchanges.hyperliquid.positions import fetch_positions

    async with HyperliquidClient(Settings.from_env()) as c:
        oi, mark = await c.open_interest_now("BTC")
        snap = await fetch_positions(c, ["0x" + "0" * 40], "BTC")
    assert oi > 0 and mark > 0 and snap.accounts == 1
