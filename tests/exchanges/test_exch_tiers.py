"""Live margin tiers against a real local HTTP server replaying the venues' documented answers:
Bybit risk-limit (paged), OKX position-tiers + instruments + mark price, Hyperliquid meta,
Binance's signed leverageBracket; cached in the store with the fetch date (issue 11 item 2)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from _exch_wire import json_response, resource
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from liqmap.domain.enums import Venue
from liqmap.errors import ParameterError
from liqmap.exchanges.binance.tiers import sign
from liqmap.services.tiers import cached_table, refreshed_table, sync_tiers
from liqmap.settings import Settings
from liqmap.store import Store

DAY = 86_400_000
NOW = 1_780_000_000_000


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "t.duckdb")


def _bybit_page(symbol: str, cursor: str) -> dict[str, Any]:
    doc = resource("bybit_risk_limit.json")
    rows = [dict(r, symbol=symbol) for r in doc["result"]["list"]]
    return {**doc, "result": {"category": "linear", "nextPageCursor": cursor, "list": rows}}


def test_bybit_all_symbols_follow_the_cursor(
    server: HTTPServer, settings: Settings, store: Store
) -> None:
    def handler(req: Request) -> Response:
        assert req.args["category"] == "linear" and "symbol" not in req.args
        if req.args.get("cursor") == "page2":
            return json_response(_bybit_page("ETHUSDT", ""))
        return json_response(_bybit_page("BTCUSDT", "page2"))

    server.expect_request("/v5/market/risk-limit").respond_with_handler(handler)
    rep = sync_tiers(store, Venue.BYBIT, None, settings=settings, now_ms=NOW)
    assert [t.symbol for t in rep.tables] == ["BTCUSDT", "ETHUSDT"] and rep.rows == 6
    table, stale = cached_table(store, Venue.BYBIT, "ETH", max_age_ms=7 * DAY, now_ms=NOW + DAY)
    assert table is not None and not stale
    # documented tiers: 2,000,000 @ 0.5% / 100x, then 2,600,000 @ 0.56% with mmDeduction 1,200
    assert [t.notional_cap for t in table.tiers] == [2_000_000, 2_600_000, 3_200_000]
    assert table.tiers[1].maint_amount == 1_200 and table.tiers[0].max_leverage == 100
    _, stale = cached_table(store, Venue.BYBIT, "ETH", max_age_ms=7 * DAY, now_ms=NOW + 8 * DAY)
    assert stale
    assert store.bracket_index("bybit")[0][:3] == ("bybit", "BTCUSDT", NOW)


def test_okx_tiers_in_usdt_and_per_symbol_failures(
    server: HTTPServer, settings: Settings, store: Store
) -> None:
    server.expect_request("/api/v5/public/instruments").respond_with_json(
        resource("okx_instruments_swap.json")
    )
    server.expect_request("/api/v5/public/mark-price").respond_with_json(
        resource("okx_mark_price.json")
    )

    def tiers(req: Request) -> Response:
        assert (req.args["instType"], req.args["tdMode"]) == ("SWAP", "cross")
        assert req.args["instFamily"] == "BTC-USDT"
        return json_response(resource("okx_position_tiers.json"))

    server.expect_request("/api/v5/public/position-tiers").respond_with_handler(tiers)
    rep = sync_tiers(store, Venue.OKX, ["BTC", "NOPE"], settings=settings, now_ms=NOW)
    assert [t.symbol for t in rep.tables] == ["BTCUSDT"]
    assert rep.failures[0][0] == "NOPE" and "NOPE-USDT-SWAP" in rep.failures[0][1]
    table = rep.tables[0]
    # maxSz 2,000 / 4,000 / 10,000 contracts x ctVal 0.01 x mark 100,000 = 1,000 USDT each
    assert [t.notional_cap for t in table.tiers] == [2_000_000, 4_000_000, 10_000_000]
    assert all(t.maint_amount == 0.0 for t in table.tiers)  # whole-position rule


def test_hyperliquid_every_coin_from_one_meta_request(
    server: HTTPServer, settings: Settings, store: Store
) -> None:
    server.expect_request("/info", method="POST").respond_with_json(
        resource("hyperliquid_metaAndAssetCtxs.json")
    )
    rep = sync_tiers(store, Venue.HYPERLIQUID, None, settings=settings, now_ms=NOW)
    assert [t.symbol for t in rep.tables] == ["BTC", "ETH"]
    btc = rep.tables[0]
    # tiered 40x: 0 -> 40x (mmr 1/80), from 150M -> 20x (mmr 1/40)
    assert btc.tiers[0].maint_margin_ratio == pytest.approx(1 / 80)
    assert btc.tiers[1].notional_floor == 150_000_000
    assert btc.tiers[1].maint_amount == pytest.approx(150_000_000 * (1 / 40 - 1 / 80))


def test_sign_is_binance_hmac_sha256_of_the_query() -> None:
    # Binance's documented example (SIGNED endpoint security): secret
    # NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j and the query below give
    # signature c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71.
    secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
    params = {"symbol": "LTCBTC", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
              "quantity": 1, "price": 0.1, "recvWindow": 5000, "timestamp": 1499827319559}  # fmt: skip
    assert sign(params, secret)["signature"] == (
        "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    )


def test_binance_signed_brackets(server: HTTPServer, settings: Settings, store: Store) -> None:
    key, secret = "test-key", "test-secret"

    def handler(req: Request) -> Response:
        assert req.headers["X-MBX-APIKEY"] == key
        args = [(k, v) for k, v in req.args.items(multi=True) if k != "signature"]
        want = hmac.new(secret.encode(), urlencode(args).encode(), hashlib.sha256).hexdigest()
        assert req.args["signature"] == want and "timestamp" in req.args
        return json_response(resource("binance_leverageBracket.json"))

    server.expect_request("/fapi/v1/leverageBracket").respond_with_handler(handler)
    keyed = replace(settings, binance_api_key=key, binance_api_secret=secret)
    rep = sync_tiers(store, Venue.BINANCE, None, settings=keyed, now_ms=NOW)
    eth = rep.tables[0]
    assert eth.symbol == "ETHUSDT" and eth.tiers[1].maint_amount == 35
    assert store.latest_brackets("binance", "ETHUSDT") is not None
    with pytest.raises(ParameterError, match="LIQMAP_BINANCE_API_KEY"):
        sync_tiers(store, Venue.BINANCE, None, settings=settings, now_ms=NOW)


def test_refresh_only_when_missing_or_older_than_the_max_age(
    server: HTTPServer, settings: Settings, store: Store
) -> None:
    calls: list[str] = []

    def handler(req: Request) -> Response:
        calls.append(req.args.get("symbol", ""))
        return json_response(resource("bybit_risk_limit.json"))

    server.expect_request("/v5/market/risk-limit").respond_with_handler(handler)
    s = replace(settings, tiers_max_age_ms=7 * DAY)
    first = refreshed_table(store, Venue.BYBIT, "BTCUSDT", settings=s, now_ms=NOW)
    assert first is not None and calls == ["BTCUSDT"]  # missing: fetched
    again = refreshed_table(store, Venue.BYBIT, "BTC", settings=s, now_ms=NOW + 6 * DAY)
    assert again is not None and again.tiers == first.tiers and len(calls) == 1  # fresh: cached
    refreshed_table(store, Venue.BYBIT, "BTC", settings=s, now_ms=NOW + 8 * DAY, fetch=False)
    assert len(calls) == 1  # offline maps never fetch
    refreshed_table(store, Venue.BYBIT, "BTC", settings=s, now_ms=NOW + 8 * DAY)
    assert len(calls) == 2  # stale: fetched again
    assert store.brackets_fetched_ms("bybit", "BTCUSDT") == NOW + 8 * DAY
    # binance without a key and COIN-M: nothing to fetch, no request, None (dated defaults apply)
    assert refreshed_table(store, Venue.BINANCE, "BTCUSDT", settings=s, now_ms=NOW) is None
    assert refreshed_table(store, Venue.BINANCE_COINM, "BTCUSD", settings=s, now_ms=NOW) is None
    assert len(calls) == 2


def test_settings_for_tiers_from_the_environment() -> None:
    s = Settings.from_env(
        {"LIQMAP_TIERS_MAX_AGE": "12h", "LIQMAP_BINANCE_API_KEY": "k",
         "LIQMAP_BINANCE_API_SECRET": "very-secret"}
    )  # fmt: skip
    assert s.tiers_max_age_ms == 12 * 3_600_000 and s.binance_api_key == "k"
    assert "very-secret" not in repr(s)  # never printed
    assert Settings.from_env({}).tiers_max_age_ms == 7 * DAY
    assert Settings.from_env({"LIQMAP_TIERS_MAX_AGE": "0"}).tiers_max_age_ms == 0
    with pytest.raises(ParameterError, match="LIQMAP_TIERS_MAX_AGE"):
        Settings.from_env({"LIQMAP_TIERS_MAX_AGE": "soon"})
