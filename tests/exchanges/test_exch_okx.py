"""OKX v5 client against a local server in OKX's documented shapes (real 1m bars from
../shared/data; rubik statistics of plausible size; documented tier/liquidation samples)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _exch_wire import FAST, between, binance_bars_1m, json_response, resource
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from liqmap.core.margin import liquidation_price
from liqmap.domain.enums import Side, Venue
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.errors import RateLimitError, UnknownSymbolError
from liqmap.exchanges import DataKind, FundingRates, LongShortRatios, TakerFlow, client_for
from liqmap.exchanges.okx.client import OkxClient
from liqmap.exchanges.okx.parse import parse_position_tiers
from liqmap.exchanges.okx.schemas import OkxPositionTier
from liqmap.settings import Settings

pytestmark = pytest.mark.shared_data
MIN = 60_000
EIGHT_H = 8 * 3_600_000


def ok(data: list[Any]) -> dict[str, Any]:
    return {"code": "0", "msg": "", "data": data}


def _okx_range(req: Request) -> tuple[int, int]:
    """OKX paging: ``after`` = older than, ``before`` = newer than; rubik uses begin/end."""
    lo = int(req.args.get("before", req.args.get("begin", -1)))
    hi = int(req.args.get("after", 2**62))
    if "end" in req.args:
        hi = int(req.args["end"]) + 1
    return lo + (0 if "begin" in req.args else 1), hi - 1


def serve(server: HTTPServer, bars: list[tuple[int, str, str, str, str, str]]) -> None:
    server.expect_request("/api/v5/public/instruments").respond_with_json(
        resource("okx_instruments_swap.json")
    )

    def candles(req: Request) -> Response:
        a, b = _okx_range(req)
        n = min(int(req.args.get("limit", 100)), 100)
        rows = between(bars, lambda r: r[0], a, b, n, newest_first=True)
        return json_response(ok([[str(r[0]), r[1], r[2], r[3], r[4], str(float(r[5]) * 100), r[5],
                                  f"{float(r[5]) * float(r[4]):.2f}", "1"] for r in rows]))  # fmt: skip

    def rubik(kind: str) -> Any:
        def handler(req: Request) -> Response:
            assert req.args["instId"] == "BTC-USDT-SWAP" and req.args["period"] == "5m"
            a, b = _okx_range(req)
            pts = [r for r in bars[::5]]
            rows = between(
                pts, lambda r: r[0], a, b, int(req.args.get("limit", 100)), newest_first=True
            )
            if kind == "oi":
                data = [[str(r[0]), "6200000", "62000", f"{62000 * float(r[4]):.2f}"] for r in rows]
            elif kind == "taker":
                data = [
                    [str(r[0]), f"{float(r[5]) * 2:.3f}", f"{float(r[5]) * 3:.3f}"] for r in rows
                ]
            else:
                data = [[str(r[0]), "1.37"] for r in rows]
            return json_response(ok(data))

        return handler

    def funding(req: Request) -> Response:
        a, b = _okx_range(req)
        pts = list(range(bars[0][0] - bars[0][0] % EIGHT_H, bars[-1][0], EIGHT_H))
        rows = between(pts, lambda t: t, a, b, int(req.args.get("limit", 100)), newest_first=True)
        return json_response(ok([{"instType": "SWAP", "instId": "BTC-USDT-SWAP", "fundingRate": "0.00012",
                                  "realizedRate": "0.00012", "fundingTime": str(t), "method": "current_period"}
                                 for t in rows]))  # fmt: skip

    server.expect_request("/api/v5/market/history-candles").respond_with_handler(candles)
    server.expect_request("/api/v5/market/candles").respond_with_handler(candles)
    server.expect_request(
        "/api/v5/rubik/stat/contracts/open-interest-history"
    ).respond_with_handler(rubik("oi"))
    server.expect_request("/api/v5/rubik/stat/taker-volume-contract").respond_with_handler(
        rubik("taker")
    )
    server.expect_request(
        "/api/v5/rubik/stat/contracts/long-short-account-ratio-contract"
    ).respond_with_handler(rubik("ls"))
    server.expect_request("/api/v5/public/funding-rate-history").respond_with_handler(funding)
    server.expect_request("/api/v5/public/position-tiers").respond_with_json(
        resource("okx_position_tiers.json")
    )
    server.expect_request("/api/v5/public/mark-price").respond_with_json(
        resource("okx_mark_price.json")
    )


@pytest.fixture
def bars(shared_data: Path) -> list[tuple[int, str, str, str, str, str]]:
    return binance_bars_1m(shared_data, 600)


@pytest.mark.asyncio
async def test_candles_and_statistics(
    server: HTTPServer, settings: Settings, bars: list[Any]
) -> None:
    serve(server, bars)
    start, end = bars[0][0], bars[-1][0] + MIN
    async with client_for("okx", settings, retry=FAST) as c:
        candles = await c.fetch(DataKind.CANDLES, "BTCUSDT", start, end)
        oi = await c.fetch(DataKind.OI, "BTCUSDT", start, end)
        taker = await c.fetch(DataKind.TAKER, "BTC-USDT-SWAP", start, end)
        ratio = await c.fetch(DataKind.LONG_SHORT, "BTCUSDT", start, end)
        funding = await c.fetch(DataKind.FUNDING, "BTCUSDT", start, end)
    assert isinstance(candles, Candles) and len(candles) == len(bars)
    assert candles.close[3] == float(bars[3][4]) and candles.symbol == "BTC-USDT-SWAP"
    assert isinstance(oi, OpenInterest) and len(oi) == len(bars) // 5
    assert oi.value_usd[0] == pytest.approx(62000 * float(bars[0][4]))
    assert isinstance(taker, TakerFlow) and taker.buy_volume[0] == pytest.approx(
        3 * float(bars[0][5])
    )
    assert isinstance(ratio, LongShortRatios) and np.all(ratio.ratio == 1.37)
    assert isinstance(funding, FundingRates) and np.all(funding.rate == 0.00012)


@pytest.mark.asyncio
async def test_position_tiers_in_usd(
    server: HTTPServer, settings: Settings, bars: list[Any]
) -> None:
    serve(server, bars)
    async with OkxClient(settings, retry=FAST) as c:
        table = await c.margin_table("BTCUSDT")
    # contracts x ctVal 0.01 BTC x mark 100,000 USDT = 1,000 USDT per contract
    assert [t.notional_cap for t in table.tiers] == [2_000_000, 4_000_000, 10_000_000]
    # OKX applies the tier's rate to the whole position: no Binance-style deduction
    assert [t.maint_amount for t in table.tiers] == [0.0, 0.0, 0.0]


def test_okx_tiers_whole_position_rule_worked_example() -> None:
    # Issue 11: tiers 0.4/0.6/1% up to 2,000/4,000/8,000 contracts, ctVal 0.01 BTC, mark 100,000
    # (1,000 USDT per contract); a 5,000,000 USDT 20x long at 100,000 is in tier 3 (1%).
    # size 50 BTC, margin 250,000, fee 0.05%: LP = (100000 - 250000/50) / (1 - (0.01 + 0.0005))
    #   = 95000 / 0.9895 = 96,008.08 (whole-position rule). The old continuity deduction
    #   (2M x 0.2% + 4M x 0.4% = 20,000 USDT) gave 95,603.84.
    rows = [
        OkxPositionTier(tier=str(i), minSz=lo, maxSz=hi, mmr=mmr, imr="0", maxLever=lev)
        for i, (lo, hi, mmr, lev) in enumerate(
            [
                ("0", "2000", "0.004", "100"),
                ("2000", "4000", "0.006", "75"),
                ("4000", "8000", "0.01", "50"),
            ],
            start=1,
        )
    ]
    table = parse_position_tiers(rows, symbol="BTC-USDT-SWAP", usd_per_contract=1_000, source="t")
    q = liquidation_price(Venue.OKX, Side.LONG, 100_000, 20, notional=5_000_000, table=table)
    assert q.tier.tier == 3 and q.tier.maint_amount == 0.0
    assert q.liquidation_price == pytest.approx(95_000 / 0.9895)
    assert round(q.liquidation_price, 2) == 96_008.08


@pytest.mark.asyncio
async def test_liquidation_orders(server: HTTPServer, settings: Settings, bars: list[Any]) -> None:
    serve(server, bars)
    calls: list[dict[str, str]] = []

    def liq(req: Request) -> Response:
        calls.append(dict(req.args))
        return json_response(
            resource("okx_liquidation_orders.json") if "after" not in req.args else ok([])
        )

    server.expect_request("/api/v5/public/liquidation-orders").respond_with_handler(liq)
    async with OkxClient(settings, retry=FAST) as c:
        ev = await c.fetch(DataKind.LIQUIDATIONS, "BTCUSDT", 1748169000000, 1748170000000)
    assert isinstance(ev, LiquidationEvents) and len(ev) == 3
    assert list(ev.side) == [1, -1, 1]  # net/sell and long closed longs; short/buy closed a short
    assert ev.qty[2] == pytest.approx(150 * 0.01) and ev.notional_usd[2] == pytest.approx(
        1.5 * 107194.2
    )
    assert calls[0]["state"] == "filled" and calls[0]["instFamily"] == "BTC-USDT"


@pytest.mark.asyncio
async def test_okx_error_codes(server: HTTPServer, settings: Settings) -> None:
    n = []

    def busy(_req: Request) -> Response:
        n.append(1)
        return json_response({"code": "50011", "msg": "Too Many Requests", "data": []})

    server.expect_request(
        "/api/v5/public/mark-price", query_string={"instType": "SWAP", "instId": "BTC-USDT-SWAP"}
    ).respond_with_handler(busy)
    server.expect_request("/api/v5/public/mark-price").respond_with_json(
        {"code": "51001", "msg": "Instrument ID does not exist", "data": []}
    )
    async with OkxClient(settings, retry=FAST) as c:
        with pytest.raises(RateLimitError, match=r"code 50011.*gave up after 3 tries"):
            await c.mark_price("BTCUSDT")
        with pytest.raises(UnknownSymbolError, match="51001"):
            await c.mark_price("NOPE")
    assert len(n) == FAST.attempts
