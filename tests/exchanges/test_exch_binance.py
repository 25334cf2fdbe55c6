"""Binance USD-M / COIN-M clients against a local server answering in Binance's documented
shapes, with the real 1h bars and funding rates from ../shared/data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _exch_wire import (
    FAST,
    FIVE_MIN,
    binance_funding,
    binance_klines_1h,
    json_response,
    oi_levels,
    window,
)
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from liqmap.domain.market import Candles, OpenInterest
from liqmap.errors import ParameterError
from liqmap.exchanges import DataKind, FundingRates, LongShortRatios, TakerFlow, client_for
from liqmap.exchanges.binance.client import BinanceClient, BinanceCoinmClient
from liqmap.settings import Settings

pytestmark = pytest.mark.shared_data
HOUR = 3_600_000


@pytest.fixture
def klines(shared_data: Path) -> list[list[Any]]:
    return binance_klines_1h(shared_data)


def serve_klines(
    server: HTTPServer, path: str, klines: list[list[Any]], log: list[dict[str, str]]
) -> None:
    def handler(req: Request) -> Response:
        log.append(dict(req.args))
        return json_response(
            window(klines, lambda k: k[0], req, "startTime", "endTime", "limit", 500, 1500)
        )

    server.expect_request(path).respond_with_handler(handler)


def serve_data(server: HTTPServer, klines: list[list[Any]]) -> None:
    levels = oi_levels(klines)

    def oi(req: Request) -> Response:
        rows = [{"symbol": "BTCUSDT", "sumOpenInterest": f"{c:.3f}", "sumOpenInterestValue": f"{u:.8f}",
                 "timestamp": t} for t, c, u in levels]  # fmt: skip
        return json_response(
            window(rows, lambda r: r["timestamp"], req, "startTime", "endTime", "limit", 30, 500)
        )

    def taker(req: Request) -> Response:
        rows = []
        for k in klines:
            buy, vol = float(k[9]) / 12, float(k[5]) / 12
            for j in range(12):
                rows.append({"buySellRatio": f"{buy / (vol - buy):.4f}", "buyVol": f"{buy:.4f}",
                             "sellVol": f"{vol - buy:.4f}", "timestamp": k[0] + j * FIVE_MIN})  # fmt: skip
        return json_response(
            window(rows, lambda r: r["timestamp"], req, "startTime", "endTime", "limit", 30, 500)
        )

    def ratio(req: Request) -> Response:
        rows = [{"symbol": "BTCUSDT", "longShortRatio": "1.2500", "longAccount": "0.5556",
                 "shortAccount": "0.4444", "timestamp": t} for t, _, _ in levels]  # fmt: skip
        return json_response(
            window(rows, lambda r: r["timestamp"], req, "startTime", "endTime", "limit", 30, 500)
        )

    server.expect_request("/futures/data/openInterestHist").respond_with_handler(oi)
    server.expect_request("/futures/data/takerlongshortRatio").respond_with_handler(taker)
    server.expect_request("/futures/data/globalLongShortAccountRatio").respond_with_handler(ratio)


@pytest.mark.asyncio
async def test_klines_page_through_history_with_taker_flow(
    server: HTTPServer, settings: Settings, klines: list[list[Any]]
) -> None:
    log: list[dict[str, str]] = []
    serve_klines(server, "/fapi/v1/klines", klines, log)
    start, end = klines[0][0], klines[-1][0] + HOUR
    async with client_for("binance", settings, retry=FAST) as c:
        got = await c.fetch(DataKind.CANDLES, "BTCUSDT", start, end, interval_ms=HOUR)
    assert isinstance(got, Candles)
    # 1500 bars per page; the file repeats a few hours (as the archive does): kept once
    assert len(got) == len({k[0] for k in klines}) and len(log) == 2
    assert all(q["interval"] == "1h" and q["symbol"] == "BTCUSDT" for q in log)
    assert got.ts_ms[0] == start and np.all(np.diff(got.ts_ms) == HOUR)
    assert got.close[10] == float(klines[10][4])
    assert got.taker_buy_volume[10] == float(klines[10][9]) and got.has_taker_flow


@pytest.mark.asyncio
async def test_statistics_endpoints(
    server: HTTPServer, settings: Settings, klines: list[list[Any]]
) -> None:
    serve_data(server, klines)
    start = klines[100][0]
    end = start + 3 * 86_400_000  # 864 five-minute points: two pages of 500
    async with client_for("binance", settings, retry=FAST) as c:
        oi = await c.fetch(DataKind.OI, "BTCUSDT", start, end)
        taker = await c.fetch(DataKind.TAKER, "BTCUSDT", start, end)
        ratio = await c.fetch(DataKind.LONG_SHORT, "BTCUSDT", start, end)
    assert isinstance(oi, OpenInterest) and oi.kind == "level" and len(oi) == 864
    assert oi.value_usd[0] == pytest.approx(oi_levels(klines[100:101])[0][2])
    assert isinstance(taker, TakerFlow) and len(taker) == 864 and taker.interval_ms == FIVE_MIN
    assert taker.buy_volume[0] == pytest.approx(float(klines[100][9]) / 12, rel=1e-4)
    assert isinstance(ratio, LongShortRatios) and np.all(ratio.ratio == 1.25)


@pytest.mark.asyncio
async def test_funding_pointed_at_the_local_server(
    server: HTTPServer, settings: Settings, shared_data: Path
) -> None:
    items = binance_funding(shared_data)
    queries: list[dict[str, str]] = []

    def funding(req: Request) -> Response:
        queries.append(dict(req.args))
        return json_response(
            window(
                items, lambda r: r["fundingTime"], req, "startTime", "endTime", "limit", 100, 1000
            )
        )

    server.expect_request("/fapi/v1/fundingRate").respond_with_handler(funding)
    start, end = items[0]["fundingTime"], items[-1]["fundingTime"] + 1
    async with client_for("binance", settings, retry=FAST) as c:
        got = await c.fetch(DataKind.FUNDING, "BTCUSDT", start, end)
    assert isinstance(got, FundingRates) and len(got) == len(items)
    assert got.rate[5] == pytest.approx(float(items[5]["fundingRate"]))
    assert queries and all(q["symbol"] == "BTCUSDT" for q in queries)
    # windows of 1,000 hours: never more settlements than one page holds, whatever the interval
    assert all(int(q["endTime"]) - int(q["startTime"]) < 1000 * 3_600_000 for q in queries)


@pytest.mark.asyncio
async def test_brackets_and_liquidations_say_why_they_are_not_public(settings: Settings) -> None:
    async with BinanceClient(settings) as c:
        assert not c.supports(DataKind.BRACKETS)
        with pytest.raises(ParameterError, match="API key"):
            await c.margin_table("BTCUSDT")
        with pytest.raises(ParameterError, match="forceOrder"):
            c.pages(DataKind.LIQUIDATIONS, "BTCUSDT", 0, 1)


@pytest.mark.asyncio
async def test_coinm_klines_use_base_volume_and_oi_uses_face_value(
    server: HTTPServer, settings: Settings, klines: list[list[Any]]
) -> None:
    # COIN-M klines: volume in contracts, quoteAssetVolume is the base-coin volume
    cm = [
        [k[0], k[1], k[2], k[3], k[4], "123", k[6], k[5], k[8], "45", k[9], "0"]
        for k in klines[:48]
    ]
    serve_klines(server, "/dapi/v1/klines", cm, [])

    def oi(req: Request) -> Response:
        assert req.args["pair"] == "BTCUSD" and req.args["contractType"] == "PERPETUAL"
        rows = [{"pair": "BTCUSD", "contractType": "PERPETUAL", "sumOpenInterest": "1000",
                 "sumOpenInterestValue": "9.5", "timestamp": k[0]} for k in klines[:48]]  # fmt: skip
        return json_response(
            window(rows, lambda r: r["timestamp"], req, "startTime", "endTime", "limit", 30, 500)
        )

    server.expect_request("/futures/data/openInterestHist").respond_with_handler(oi)
    async with BinanceCoinmClient(settings, retry=FAST) as c:
        bars = await c.fetch(
            DataKind.CANDLES, "BTCUSD", klines[0][0], klines[47][0] + HOUR, interval_ms=HOUR
        )
        levels = await c.fetch(DataKind.OI, "BTCUSD", klines[0][0], klines[47][0] + HOUR)
    assert isinstance(bars, Candles) and len(bars) == 48
    assert bars.volume[0] == float(klines[0][5]) and bars.taker_buy_volume[0] == float(klines[0][9])
    assert isinstance(levels, OpenInterest) and np.all(
        levels.value_usd == 100_000.0
    )  # 1000 x 100 USD


def test_symbols_in_any_spelling() -> None:
    c = BinanceClient.__new__(BinanceClient)
    assert c.native("btc-usdt-swap") == "BTCUSDT" and c.native("BTC") == "BTCUSDT"
    assert json.dumps(BinanceClient.endpoints[DataKind.OI].history_ms) == str(30 * 86_400_000)
