"""Funding history over the venues' own REST (no ccxt): HTTP faults map to liqmap's errors and are
retried by the same policy as every other endpoint; answers in the wrong shape are named."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from _exch_wire import FAST, json_response
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from liqmap.errors import GeoBlockedError, MalformedResponseError
from liqmap.exchanges import DataKind, client_for
from liqmap.settings import Settings

T0 = 1_748_160_000_000


def _funding_ok() -> Response:
    return json_response(
        [{"symbol": "BTCUSDT", "fundingTime": T0, "fundingRate": "0.00010000", "markPrice": "0"}]
    )


@pytest.mark.asyncio
async def test_429_on_the_funding_path_waits_retry_after(
    server: HTTPServer, settings: Settings
) -> None:
    seen: list[float] = []

    def funding(_req: Request) -> Response:
        seen.append(time.monotonic())
        if len(seen) == 1:
            return json_response(
                {"code": -1003, "msg": "Too many requests"}, 429, {"Retry-After": "0.3"}
            )
        return _funding_ok()

    server.expect_request("/fapi/v1/fundingRate").respond_with_handler(funding)
    async with client_for("binance", settings, retry=FAST) as c:
        got = await c.fetch(DataKind.FUNDING, "BTCUSDT", T0, T0 + 1)
    assert got is not None and len(got) == 1
    assert len(seen) == 2 and seen[1] - seen[0] >= 0.29


@pytest.mark.asyncio
async def test_451_on_the_funding_path_is_geo_blocked(
    server: HTTPServer, settings: Settings
) -> None:
    server.expect_request("/fapi/v1/fundingRate").respond_with_json(
        {"code": 0, "msg": "restricted"}, status=451
    )
    async with client_for("binance", settings, retry=FAST) as c:
        with pytest.raises(GeoBlockedError, match="LIQMAP_BINANCE_REST_URL"):
            await c.fetch(DataKind.FUNDING, "BTCUSDT", T0, T0 + 1)


@pytest.mark.asyncio
async def test_malformed_answer_on_the_funding_path(server: HTTPServer, settings: Settings) -> None:
    server.expect_request("/fapi/v1/fundingRate").respond_with_data(
        "<html>maintenance</html>", content_type="text/html"
    )
    async with client_for("binance", settings, retry=FAST) as c:
        with pytest.raises(MalformedResponseError, match="not JSON") as ei:
            await c.fetch(DataKind.FUNDING, "BTCUSDT", T0, T0 + 1)
    assert "maintenance" in str(ei.value.raw)


@pytest.mark.asyncio
async def test_wrong_shape_on_the_funding_path(server: HTTPServer, settings: Settings) -> None:
    server.expect_request("/fapi/v1/fundingRate").respond_with_json(
        [{"symbol": "BTCUSDT", "fundingTime": "soon"}]
    )
    async with client_for("binance", settings, retry=FAST) as c:
        with pytest.raises(MalformedResponseError, match="fundingTime"):
            await c.fetch(DataKind.FUNDING, "BTCUSDT", T0, T0 + 1)


@pytest.mark.asyncio
async def test_non_numeric_rate_on_the_funding_path(server: HTTPServer, settings: Settings) -> None:
    server.expect_request("/fapi/v1/fundingRate").respond_with_json(
        [{"symbol": "BTCUSDT", "fundingTime": T0, "fundingRate": "n/a", "markPrice": "0"}]
    )
    async with client_for("binance", settings, retry=FAST) as c:
        with pytest.raises(MalformedResponseError, match="fundingRate is not a number"):
            await c.fetch(DataKind.FUNDING, "BTCUSDT", T0, T0 + 1)


def test_resources_are_documented_samples() -> None:
    names = sorted(p.name for p in (Path(__file__).parent / "resources").glob("*.json"))
    assert "binance_exchangeInfo.json" in names and len(names) >= 8
