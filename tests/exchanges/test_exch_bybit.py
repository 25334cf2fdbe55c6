"""Bybit v5 client against a local server in Bybit's documented shapes (real 1m bars from
../shared/data; OI of plausible size)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _exch_wire import FAST, between, binance_bars_1m, json_response, resource
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from liqmap.domain.market import Candles, OpenInterest
from liqmap.errors import ParameterError, UnknownSymbolError
from liqmap.exchanges import DataKind, FundingRates, LongShortRatios, client_for
from liqmap.exchanges.bybit.client import BybitClient
from liqmap.settings import Settings

pytestmark = pytest.mark.shared_data
MIN = 60_000
EIGHT_H = 8 * 3_600_000


def envelope(result: dict[str, Any], code: int = 0, msg: str = "OK") -> dict[str, Any]:
    return {
        "retCode": code,
        "retMsg": msg,
        "result": result,
        "retExtInfo": {},
        "time": 1748169180000,
    }


def _range(req: Request, a: str, b: str, cap: int, default: int) -> tuple[int, int, int]:
    return (
        int(req.args.get(a, 0)),
        int(req.args.get(b, 2**62)),
        min(int(req.args.get("limit", default)), cap),
    )


def serve(server: HTTPServer, bars: list[tuple[int, str, str, str, str, str]]) -> None:
    server.expect_request("/v5/market/instruments-info").respond_with_json(
        resource("bybit_instruments_linear.json")
    )

    def kline(req: Request) -> Response:
        a, b, n = _range(req, "start", "end", 1000, 200)
        step = {"1": MIN, "5": 5 * MIN}[req.args["interval"]]
        agg = bars if step == MIN else [bars[i] for i in range(0, len(bars), 5)]
        rows = between(agg, lambda r: r[0], a, b, n, newest_first=True)
        lst = [
            [str(r[0]), r[1], r[2], r[3], r[4], r[5], f"{float(r[5]) * float(r[4]):.4f}"]
            for r in rows
        ]
        return json_response(envelope({"symbol": "BTCUSDT", "category": "linear", "list": lst}))

    def oi(req: Request) -> Response:
        a, b, n = _range(req, "startTime", "endTime", 200, 50)
        pts = [(t, 52_000.0 + (t // MIN) % 100) for t, *_ in bars[::5]]
        rows = between(pts, lambda r: r[0], a, b, n, newest_first=True)
        lst = [{"openInterest": f"{q:.8f}", "timestamp": str(t)} for t, q in rows]
        return json_response(
            envelope({"symbol": "BTCUSDT", "category": "linear", "list": lst, "nextPageCursor": ""})
        )

    def funding(req: Request) -> Response:
        a, b, n = _range(req, "startTime", "endTime", 200, 200)
        pts = [(t, 0.0001) for t in range(bars[0][0] - bars[0][0] % EIGHT_H, bars[-1][0], EIGHT_H)]
        rows = between(pts, lambda r: r[0], a, b, n, newest_first=True)
        lst = [
            {"symbol": "BTCUSDT", "fundingRate": f"{r:.6f}", "fundingRateTimestamp": str(t)}
            for t, r in rows
        ]
        return json_response(envelope({"category": "linear", "list": lst}))

    def ratio(req: Request) -> Response:
        a, b, n = _range(req, "startTime", "endTime", 500, 50)
        rows = between([t for t, *_ in bars[::5]], lambda t: t, a, b, n, newest_first=True)
        lst = [
            {"symbol": "BTCUSDT", "buyRatio": "0.6", "sellRatio": "0.4", "timestamp": str(t)}
            for t in rows
        ]
        return json_response(envelope({"list": lst, "nextPageCursor": ""}))

    server.expect_request("/v5/market/kline").respond_with_handler(kline)
    server.expect_request("/v5/market/open-interest").respond_with_handler(oi)
    server.expect_request("/v5/market/funding/history").respond_with_handler(funding)
    server.expect_request("/v5/market/account-ratio").respond_with_handler(ratio)
    server.expect_request("/v5/market/risk-limit").respond_with_json(
        resource("bybit_risk_limit.json")
    )


@pytest.fixture
def bars(shared_data: Path) -> list[tuple[int, str, str, str, str, str]]:
    return binance_bars_1m(shared_data, 2400)


@pytest.mark.asyncio
async def test_candles_oi_funding_ratios(
    server: HTTPServer, settings: Settings, bars: list[Any]
) -> None:
    serve(server, bars)
    start, end = bars[0][0], bars[-1][0] + MIN
    async with client_for("bybit", settings, retry=FAST) as c:
        candles = await c.fetch(DataKind.CANDLES, "BTCUSDT", start, end)
        oi = await c.fetch(DataKind.OI, "BTCUSDT", start + 10 * MIN, end)
        funding = await c.fetch(DataKind.FUNDING, "BTCUSDT", start, end)
        ratio = await c.fetch(DataKind.LONG_SHORT, "BTCUSDT", start, end)
    assert isinstance(candles, Candles) and len(candles) == len(bars)
    assert candles.close[-1] == float(bars[-1][4]) and not candles.has_taker_flow
    assert isinstance(oi, OpenInterest) and len(oi) > 400
    # base-coin OI valued at the close of the 5m bar that ended at the OI time
    t = int(oi.ts_ms[0])
    bar = next(b for b in bars[::5] if b[0] == t - 5 * MIN)
    assert oi.value_usd[0] == pytest.approx((52_000.0 + (t // MIN) % 100) * float(bar[4]))
    assert (
        isinstance(funding, FundingRates) and np.all(funding.rate == 0.0001) and len(funding) >= 4
    )
    assert isinstance(ratio, LongShortRatios) and ratio.ratio[0] == pytest.approx(1.5)


@pytest.mark.asyncio
async def test_risk_limits_become_a_margin_table(
    server: HTTPServer, settings: Settings, bars: list[Any]
) -> None:
    serve(server, bars)
    async with BybitClient(settings, retry=FAST) as c:
        table = await c.margin_table("BTCUSDT")
    assert [t.notional_cap for t in table.tiers] == [2_000_000, 2_600_000, 3_200_000]
    assert table.tiers[1].notional_floor == 2_000_000 and table.tiers[1].maint_amount == 1200
    assert table.tiers[0].maint_margin_ratio == 0.005 and table.tiers[0].max_leverage == 100
    assert "risk-limit" in table.source


@pytest.mark.asyncio
async def test_retcode_rate_limit_is_retried_and_bad_symbol_is_clear(
    server: HTTPServer, settings: Settings
) -> None:
    calls = []

    def flaky(req: Request) -> Response:
        calls.append(1)
        if len(calls) == 1:
            return json_response(
                {"retCode": 10006, "retMsg": "Too many visits!", "result": {}, "time": 0}
            )
        return json_response(resource("bybit_risk_limit.json"))

    server.expect_request(
        "/v5/market/risk-limit", query_string={"category": "linear", "symbol": "BTCUSDT"}
    ).respond_with_handler(flaky)
    server.expect_request("/v5/market/risk-limit").respond_with_json(
        {"retCode": 10001, "retMsg": "params error: symbol invalid", "result": {}, "time": 0}
    )
    async with BybitClient(settings, retry=FAST) as c:
        assert len((await c.margin_table("BTCUSDT")).tiers) == 3
        with pytest.raises(UnknownSymbolError, match="retCode 10001"):
            await c.margin_table("NOPEUSDT")
    assert len(calls) == 2


@pytest.mark.asyncio
async def test_unsupported_kinds(settings: Settings) -> None:
    async with BybitClient(settings) as c:
        with pytest.raises(ParameterError, match="allLiquidation"):
            c.pages(DataKind.LIQUIDATIONS, "BTCUSDT", 0, 1)
        assert "taker" in c.why_not(DataKind.TAKER)
