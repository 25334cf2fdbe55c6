"""Hyperliquid info client and the real-positions map, against a local ``POST /info`` server:
candles from the shared 1m bars, account states built from the shared positions snapshot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _exch_wire import (
    FAST,
    between,
    binance_bars_1m,
    hl_clearinghouse_state,
    hl_positions,
    json_response,
    resource,
)
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from liqmap.domain.market import Candles, OpenInterest
from liqmap.errors import DataFileError
from liqmap.exchanges import DataKind, FundingRates, client_for
from liqmap.exchanges.hyperliquid.client import HyperliquidClient
from liqmap.exchanges.hyperliquid.positions import (
    fetch_positions,
    nearest_tier,
    positions_map,
    read_addresses,
    real_map,
    store_rows,
)
from liqmap.settings import Settings

pytestmark = pytest.mark.shared_data
MIN = 60_000
BAD = "0x" + "0" * 40


def info_server(server: HTTPServer, shared: Path, bars: list[Any]) -> list[dict[str, Any]]:
    """Register ``POST /info``; returns the log of request bodies."""
    states = {a: hl_clearinghouse_state(rows) for a, rows in hl_positions(shared).items()}
    log: list[dict[str, Any]] = []

    def info(req: Request) -> Response:
        body = json.loads(req.get_data())
        log.append(body)
        kind = body["type"]
        if kind == "metaAndAssetCtxs":
            return json_response(resource("hyperliquid_metaAndAssetCtxs.json"))
        if kind == "meta":
            return json_response(resource("hyperliquid_metaAndAssetCtxs.json")[0])
        if kind == "candleSnapshot":
            q = body["req"]
            rows = between(
                bars, lambda r: r[0], q["startTime"], q["endTime"], 5000, newest_first=False
            )
            return json_response([{"t": r[0], "T": r[0] + MIN - 1, "s": q["coin"], "i": q["interval"], "o": r[1],
                                   "c": r[4], "h": r[2], "l": r[3], "v": r[5], "n": 10} for r in rows])  # fmt: skip
        if kind == "fundingHistory":
            pts = range(bars[0][0] - bars[0][0] % 3_600_000, bars[-1][0], 3_600_000)
            rows = between(
                list(pts),
                lambda t: t,
                body["startTime"],
                body.get("endTime", 2**62),
                500,
                newest_first=False,
            )
            return json_response([{"coin": body["coin"], "fundingRate": "0.0000125", "premium": "0.0001", "time": t}
                                  for t in rows])  # fmt: skip
        if kind == "clearinghouseState":
            if body["user"] == BAD:
                return Response("Failed to deserialize the JSON body", status=422)
            return json_response(states.get(body["user"], hl_clearinghouse_state([])))
        return Response("unknown type", status=400)

    server.expect_request("/info", method="POST").respond_with_handler(info)
    return log


@pytest.fixture
def bars(shared_data: Path) -> list[tuple[int, str, str, str, str, str]]:
    return binance_bars_1m(shared_data, 300)


@pytest.mark.asyncio
async def test_candles_oi_funding_brackets(
    server: HTTPServer, settings: Settings, shared_data: Path, bars: list[Any]
) -> None:
    log = info_server(server, shared_data, bars)
    start, end = bars[0][0], bars[-1][0] + MIN
    async with client_for("hyperliquid", settings, retry=FAST) as c:
        candles = await c.fetch(DataKind.CANDLES, "BTCUSDT", start, end)
        oi = await c.fetch(DataKind.OI, "BTC", start, end)
        funding = await c.fetch(DataKind.FUNDING, "BTC", start, end)
        table = await c.margin_table("BTC")
        assert c.depth_ms(DataKind.CANDLES, MIN) == 5000 * MIN
    assert isinstance(candles, Candles) and len(candles) == 300 and candles.symbol == "BTC"
    assert candles.close[7] == float(bars[7][4])
    assert (
        isinstance(oi, OpenInterest)
        and len(oi) == 1
        and oi.value_usd[0] == pytest.approx(30000.0 * 84410.0)
    )
    assert isinstance(funding, FundingRates) and np.all(funding.rate == 0.0000125)
    assert [t.max_leverage for t in table.tiers] == [40, 20]
    assert table.tiers[1].notional_floor == 150e6 and table.tiers[1].maint_amount == pytest.approx(
        1_875_000
    )
    assert {b["type"] for b in log} >= {"candleSnapshot", "metaAndAssetCtxs", "fundingHistory"}


@pytest.mark.asyncio
async def test_real_positions_map(
    server: HTTPServer, settings: Settings, shared_data: Path, tmp_path: Path
) -> None:
    info_server(server, shared_data, [])
    by = hl_positions(shared_data)
    addresses = [*list(by), BAD]
    btc = [r for rows in by.values() for r in rows if r["coin"] == "BTC"]
    async with HyperliquidClient(settings, retry=FAST) as c:
        snapshot, m = await real_map(c, addresses, "BTC", concurrency=3)
    assert snapshot.accounts == len(addresses) and list(snapshot.failed) == [BAD]
    assert len(snapshot.positions) == len(btc)
    with_liq = [r for r in btc if r["liquidationPx"]]
    drawn = (
        m.total_long_usd + m.total_short_usd + m.out_of_range_long_usd + m.out_of_range_short_usd
    )
    assert drawn == pytest.approx(
        sum(float(r["positionValue"]) for r in with_liq)
    )  # notional conserved
    longs = sum(float(r["positionValue"]) for r in with_liq if float(r["szi"]) > 0)
    assert m.total_long_usd + m.out_of_range_long_usd == pytest.approx(longs)
    held = sum(abs(float(r["szi"])) for r in btc)
    assert any(f"{100 * held / 30000.0:.2f}%" in n for n in m.notes)  # coverage of OI
    assert any("no liquidation price" in n for n in m.notes) and any(BAD in n for n in m.notes)
    assert "open interest" in m.reading and m.exchange == "hyperliquid" and m.price == 84410.0
    rows = store_rows(snapshot)
    assert len(rows["address"]) == len(btc) and np.isnan(rows["liquidation_px"]).sum() == len(
        btc
    ) - len(with_liq)


@pytest.mark.asyncio
async def test_fetch_positions_bounds_concurrency(
    server: HTTPServer, settings: Settings, shared_data: Path
) -> None:
    log = info_server(server, shared_data, [])
    addresses = list(hl_positions(shared_data))
    async with HyperliquidClient(settings, retry=FAST) as c:
        snap = await fetch_positions(c, addresses, "ETH", concurrency=2)
        assert c.http.requests == len(addresses)
    assert all(p.coin == "ETH" for p in snap.positions) and len(log) == len(addresses)


def test_positions_map_bins_by_side_and_tier() -> None:
    from liqmap.exchanges.records import AccountPosition, PositionSnapshot

    ps = (
        AccountPosition("0xa", "BTC", 1.0, 100.0, 100.0, 10, "isolated", 10.0, 91.0),
        AccountPosition("0xb", "BTC", -2.0, 100.0, 200.0, 48, "cross", 4.0, 102.0),
        AccountPosition("0xc", "BTC", 1.0, 100.0, 100.0, 3, "cross", 33.0, None),
    )
    m = positions_map(
        PositionSnapshot("hyperliquid", 0, ps, 3),
        coin="BTC",
        price=100.0,
        open_interest=8.0,
        bins=100,
    )
    assert m.total_long_usd == 100.0 and m.total_short_usd == 200.0
    assert m.long_usd[m.leverages.index(10.0)].sum() == 100.0
    assert m.short_usd[m.leverages.index(50.0)].sum() == 200.0
    assert m.edges[0] < 91.0 < m.price < 102.0 < m.edges[-1]
    assert nearest_tier(3, (5, 10, 25)) == 0 and nearest_tier(18, (5, 10, 25)) == 2
    assert "50.00%" in m.notes[1]  # |1| + |-2| + |1| of 8 coins


def test_read_addresses(tmp_path: Path) -> None:
    a, b = "0x" + "ab" * 20, "0x" + "CD" * 20
    p = tmp_path / "a.txt"
    p.write_text(f"# sampled\n{a}\n\n{b}\n{a}\n", encoding="utf-8")
    assert read_addresses(p) == [a, b.lower()]
    c = tmp_path / "a.csv"
    c.write_text(f"rank,address\n1,{a}\n2,0x123\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"a.csv, row 2, field 'address'.*40 hex"):
        read_addresses(c)
    with pytest.raises(DataFileError, match="not found"):
        read_addresses(tmp_path / "missing.txt")


def test_coverage_counts_both_sides_and_checks_the_rule() -> None:
    # openInterest counts longs and shorts (each side = OI / 2). A sample of 3 long + 2 short BTC
    # against openInterest 10 holds (3 + 2) / 10 = 50%; no side exceeds 5: the rule holds.
    from liqmap.exchanges.hyperliquid.positions import positions_map
    from liqmap.exchanges.records import AccountPosition, PositionSnapshot

    def pos(size: float, liq: float) -> AccountPosition:
        return AccountPosition("0x1", "BTC", size, 100.0, abs(size) * 100, 10, "isolated", 10, liq)

    ok = PositionSnapshot("hyperliquid", 0, (pos(3, 91.0), pos(-2, 109.0)), accounts=1)
    m = positions_map(ok, coin="BTC", price=100.0, open_interest=10.0)
    assert any("50.00%" in n and "each side holds openInterest / 2" in n for n in m.notes)
    assert not any("check failed" in n for n in m.notes)
    # 7 BTC of longs cannot be sampled from a side of 10 / 2 = 5: the check says so
    bad = PositionSnapshot("hyperliquid", 0, (pos(7, 91.0),), accounts=1)
    m = positions_map(bad, coin="BTC", price=100.0, open_interest=10.0)
    assert any("check failed" in n and "long size 7" in n for n in m.notes)
