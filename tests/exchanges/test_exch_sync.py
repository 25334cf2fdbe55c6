"""Sync into the real embedded store and build the estimator's input from it: only missing
ranges are fetched, writes are idempotent, history limits are respected, offline says what is
missing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _exch_wire import (
    binance_funding,
    binance_klines_1h,
    json_response,
    oi_levels,
    resource,
    window,
)
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from liqmap.api import estimate_map
from liqmap.domain.enums import Venue
from liqmap.errors import GeoBlockedError, InputError
from liqmap.exchanges import DataKind
from liqmap.services.stored_market import market_from_store
from liqmap.services.sync import store_symbol, sync
from liqmap.settings import Settings
from liqmap.store import Store

pytestmark = pytest.mark.shared_data
HOUR = 3_600_000
DAY = 86_400_000


@pytest.fixture
def store(tmp_path: Path, settings: Settings) -> Iterator[Store]:
    with Store.open(tmp_path / "liqmap.duckdb", settings=settings) as s:
        yield s


@pytest.fixture
def klines(shared_data: Path) -> list[list[Any]]:
    return binance_klines_1h(shared_data)


def serve_binance(
    server: HTTPServer, shared: Path, klines: list[list[Any]]
) -> dict[str, list[dict[str, str]]]:
    log: dict[str, list[dict[str, str]]] = {"klines": [], "oi": [], "funding": []}
    levels = oi_levels(klines)
    # the shared funding file starts later than the bars: its real rates, in order, on the bars'
    # 8h settlement times
    first = klines[0][0] - klines[0][0] % (8 * HOUR)
    funding = [
        dict(f, fundingTime=first + i * 8 * HOUR) for i, f in enumerate(binance_funding(shared))
    ]

    def kl(req: Request) -> Response:
        log["klines"].append(dict(req.args))
        return json_response(
            window(klines, lambda k: k[0], req, "startTime", "endTime", "limit", 500, 1500)
        )

    def oi(req: Request) -> Response:
        log["oi"].append(dict(req.args))
        rows = [{"symbol": "BTCUSDT", "sumOpenInterest": f"{c:.3f}", "sumOpenInterestValue": f"{u:.2f}",
                 "timestamp": t} for t, c, u in levels]  # fmt: skip
        return json_response(
            window(rows, lambda r: r["timestamp"], req, "startTime", "endTime", "limit", 30, 500)
        )

    def fr(req: Request) -> Response:
        log["funding"].append(dict(req.args))
        return json_response(
            window(
                funding, lambda r: r["fundingTime"], req, "startTime", "endTime", "limit", 100, 1000
            )
        )

    server.expect_request("/fapi/v1/klines").respond_with_handler(kl)
    server.expect_request("/futures/data/openInterestHist").respond_with_handler(oi)
    server.expect_request("/fapi/v1/fundingRate").respond_with_handler(fr)
    server.expect_request("/fapi/v1/exchangeInfo").respond_with_json(
        resource("binance_exchangeInfo.json")
    )
    return log


def test_sync_fetches_only_what_is_missing(
    server: HTTPServer, settings: Settings, store: Store, shared_data: Path, klines: list[list[Any]]
) -> None:
    log = serve_binance(server, shared_data, klines)
    t0 = klines[24][0]
    now = t0 + 20 * DAY
    kinds = (DataKind.CANDLES, DataKind.OI, DataKind.FUNDING)
    first = sync(store, "binance", "BTCUSDT", start_ms=t0, end_ms=t0 + 5 * DAY, kinds=kinds,
                 interval_ms=HOUR, settings=settings, now_ms=now)  # fmt: skip
    by = {k.kind: k for k in first.kinds}
    assert (
        by["candles"].rows == 5 * 24 and by["oi"].rows == 5 * 24 * 12 and by["funding"].rows == 15
    )
    # the same window again: nothing is missing, nothing is fetched, nothing is written twice
    n_kl, n_oi = len(log["klines"]), len(log["oi"])
    again = sync(store, "binance", "BTCUSDT", start_ms=t0, end_ms=t0 + 5 * DAY, kinds=kinds,
                 interval_ms=HOUR, settings=settings, now_ms=now)  # fmt: skip
    assert again.rows == 0 and len(log["klines"]) == n_kl and len(log["oi"]) == n_oi
    assert all(not k.fetched for k in again.kinds)
    # a longer window: only the new part is requested
    sync(store, "binance", "BTCUSDT", start_ms=t0, end_ms=t0 + 8 * DAY, kinds=kinds,
         interval_ms=HOUR, settings=settings, now_ms=now)  # fmt: skip
    assert all(int(q["startTime"]) >= t0 + 5 * DAY for q in log["klines"][n_kl:])
    assert (
        len(
            store.read_candles(
                "binance", "BTCUSDT", interval_ms=HOUR, start_ms=t0, end_ms=t0 + 8 * DAY
            )
        )
        == 8 * 24
    )


def test_oi_history_is_clipped_to_what_binance_serves(
    server: HTTPServer, settings: Settings, store: Store, shared_data: Path, klines: list[list[Any]]
) -> None:
    log = serve_binance(server, shared_data, klines)
    t0 = klines[24][0]
    now = t0 + 32 * DAY  # the first two days are older than the 30 days openInterestHist serves
    rep = sync(store, "binance", "BTCUSDT", start_ms=t0, end_ms=t0 + 4 * DAY, kinds=(DataKind.OI,),
               settings=settings, now_ms=now)  # fmt: skip
    oi = rep.kinds[0]
    assert oi.unavailable == [(t0, now - 30 * DAY)]
    assert min(int(q["startTime"]) for q in log["oi"]) >= now - 30 * DAY
    assert oi.rows == 2 * 24 * 12


def test_market_from_store_offline_says_what_is_missing_then_works(
    server: HTTPServer, settings: Settings, store: Store, shared_data: Path, klines: list[list[Any]]
) -> None:
    serve_binance(server, shared_data, klines)
    at = klines[24 * 10][0]
    now = at + 2 * DAY
    with pytest.raises(
        InputError, match=r"--offline.*binance BTCUSDT.*candles:3600000.*liqmap sync BTCUSDT"
    ):
        market_from_store(store, "binance", "BTCUSDT", window_ms=3 * DAY, at_ms=at, offline=True,
                          interval_ms=HOUR, now_ms=now)  # fmt: skip
    md = market_from_store(store, Venue.BINANCE, "BTCUSDT", window_ms=3 * DAY, at_ms=at, settings=settings,
                           interval_ms=HOUR, now_ms=now)  # fmt: skip
    assert len(md.candles) == 72 and md.candles.has_taker_flow
    assert md.oi is not None and md.oi.kind == "level" and len(md.oi) == 72 * 12
    assert md.liquidations is None and md.source == "store:binance BTCUSDT"
    off = market_from_store(store, "binance", "BTCUSDT", window_ms=3 * DAY, at_ms=at, offline=True,
                            interval_ms=HOUR, now_ms=now)  # fmt: skip
    assert len(off.candles) == 72
    m = estimate_map(off, window="3d", at=at, exchange="binance")  # what `liqmap map` will draw
    assert m.coverage.oi_source == "level" and m.coverage.taker_flow and m.total_long_usd > 0


def test_sync_failure_points_at_offline(
    server: HTTPServer, settings: Settings, store: Store
) -> None:
    server.expect_request("/fapi/v1/klines").respond_with_json(
        {"code": 0, "msg": "restricted location"}, status=451
    )
    with pytest.raises(GeoBlockedError, match=r"LIQMAP_BINANCE_REST_URL.*add --offline"):
        market_from_store(store, "binance", "BTCUSDT", window_ms=DAY, settings=settings)
    assert store.read_candles("binance", "BTCUSDT", interval_ms=60_000).ts_ms.size == 0


def test_unsupported_kinds_are_skipped_with_the_reason(
    server: HTTPServer, settings: Settings, store: Store
) -> None:
    server.expect_request("/info", method="POST").respond_with_json(
        resource("hyperliquid_metaAndAssetCtxs.json")
    )
    rep = sync(store, "hyperliquid", "BTCUSDT", start_ms=1, end_ms=10**13,
               kinds=(DataKind.OI, DataKind.LIQUIDATIONS, DataKind.BRACKETS), settings=settings)  # fmt: skip
    oi, liq, br = rep.kinds
    assert oi.rows == 1 and "liquidation" in liq.skipped and br.rows == 2
    assert store.latest_brackets("hyperliquid", "BTC") is not None
    assert (
        store_symbol(Venue.HYPERLIQUID, "BTCUSDT") == "BTC"
        and store_symbol(Venue.OKX, "BTC-USDT-SWAP") == "BTCUSDT"
    )
    assert rep.to_dict()["kinds"][1]["skipped"]


def test_sync_rejects_implausible_candles_and_counts_them(
    server: HTTPServer, settings: Settings, store: Store, shared_data: Path, klines: list[list[Any]]
) -> None:
    """A faulty server's candles with price <= 0 or high < low are not stored (the file loader
    rejects the same rows); they are counted and named in the report (issue 13 item 5)."""
    bad = [list(k) for k in klines]
    t0 = bad[24][0]
    bad[30][3] = "0"  # low <= 0
    bad[31][2], bad[31][3] = bad[31][3], bad[31][2]  # high < low
    bad[32][4] = "1e250"  # an implausible close
    serve_binance(server, shared_data, bad)
    rep = sync(store, "binance", "BTCUSDT", start_ms=t0, end_ms=t0 + DAY,
               kinds=(DataKind.CANDLES,), interval_ms=HOUR, settings=settings,
               now_ms=t0 + 20 * DAY)  # fmt: skip
    k = rep.kinds[0]
    assert k.rows == 24 - 3 and k.rejected == 3 and "price" in k.rejected_why
    assert rep.to_dict()["kinds"][0]["rejected"] == 3
    stored = store.read_candles("binance", "BTCUSDT", interval_ms=HOUR, start_ms=t0,
                                end_ms=t0 + DAY)  # fmt: skip
    assert len(stored) == 21 and (stored.low > 0).all() and (stored.high >= stored.low).all()
