"""The JSON API over a real server: layouts equal the CLI's ``--json``, validation, caching."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from _web import Running, make_app, serve

from liqmap import api
from liqmap.core.margin import liquidation_price
from liqmap.domain.enums import Side, Venue
from liqmap.io.brackets import default_table
from liqmap.io.quote_json import quote_to_dict
from liqmap.web.sources import DemoSource

MAP_FIELDS = {
    "schema", "symbol", "exchange", "price", "as_of_ms", "as_of", "window", "tiers", "totals",
    "bins", "clusters", "reading", "coverage", "params", "notes", "fresh",
}  # fmt: skip
LEVELS_FIELDS = {
    "schema", "symbol", "exchange", "price", "as_of_ms", "as_of", "window", "tiers", "clusters",
    "reading",
}  # fmt: skip


@pytest.fixture(scope="module")
def demo_snapshot(api_running: Running) -> Any:
    """The frozen server's data, read from its app."""
    demo = api_running.app.state.liqmap.sources.demo()
    assert isinstance(demo, DemoSource)
    return demo.snapshot("BTCUSDT")


def test_health_and_symbols(client: httpx.Client) -> None:
    health = client.get("/api/v1/health").json()
    assert health["status"] == "ok"
    assert health["sources"] == ["demo"]
    symbols = client.get("/api/v1/symbols").json()
    demo = symbols["sources"][0]
    assert demo["name"] == "demo"
    assert demo["symbols"] == ["BTCUSDT", "ETHUSDT"]
    assert demo["live"] is False  # the frozen server
    assert symbols["windows"] == ["12h", "24h", "3d", "7d", "30d"]
    assert "binance" in symbols["exchanges"]


def test_map_is_the_cli_json_layout(client: httpx.Client, demo_snapshot: Any) -> None:
    r = client.get("/api/v1/map", params={"symbol": "BTCUSDT", "source": "demo", "window": "24h"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    got = r.json()
    assert set(got) == MAP_FIELDS
    expected = api.estimate_map(demo_snapshot.data, window="24h").to_dict()
    assert got == json.loads(json.dumps(expected))  # what `liqmap map --json` prints
    assert got["schema"] == "liqmap.map/1"
    assert got["window"]["label"] == "24h"


def test_map_parameters_mirror_the_cli(client: httpx.Client, demo_snapshot: Any) -> None:
    params = {
        "symbol": "btcusdt", "window": "3d", "bins": 120, "range": 20, "exchange": "bybit",
        "leverage": "10:0.5,50:0.5", "at": "2026-01-30T12:00:00Z",
    }  # fmt: skip
    got = client.get("/api/v1/map", params=params).json()
    expected = api.estimate_map(
        demo_snapshot.data, window="3d", bins=120, range_pct=20, exchange="bybit",
        params=api.resolve_params(leverage="10:0.5,50:0.5"), at="2026-01-30T12:00:00Z",
    ).to_dict()  # fmt: skip
    assert got == json.loads(json.dumps(expected))
    assert got["tiers"] == ["10x", "50x"]
    assert got["exchange"] == "bybit"
    assert len(got["bins"]) == 120


def test_levels_is_the_cli_subset(client: httpx.Client) -> None:
    full = client.get("/api/v1/map", params={"window": "7d"}).json()
    levels = client.get("/api/v1/levels", params={"window": "7d"}).json()
    assert set(levels) == LEVELS_FIELDS
    assert levels == {k: full[k] for k in LEVELS_FIELDS}
    assert levels["clusters"], "the demo market has clusters"


def test_heatmap_layout(client: httpx.Client) -> None:
    h = client.get("/api/v1/heatmap", params={"window": "24h", "bins": 80, "columns": 48}).json()
    assert h["schema"] == "liqmap.heatmap/1"
    assert len(h["edges"]) == 81
    assert len(h["ts_ms"]) == len(h["long_usd"]) == len(h["short_usd"]) == 48
    assert all(len(row) == 80 for row in h["long_usd"])
    assert len(h["price_path"]["close"]) == 1440
    assert h["events"]["ts_ms"], "the demo market liquidates positions"
    assert set(h["events"]["side"]) <= {"long", "short"}
    cold = client.get("/api/v1/heatmap", params={"bins": 20, "columns": 10, "warmup": "0h"})
    assert cold.status_code == 200  # no warm-up: the model starts at the window


def test_liqprice_is_the_cli_json(client: httpx.Client) -> None:
    params = {"side": "long", "entry": 60000, "leverage": 20, "notional": 100000}
    got = client.get("/api/v1/liqprice", params=params).json()
    table = default_table(Venue.BINANCE, "BTC")
    quote = liquidation_price(Venue.BINANCE, Side.LONG, 60000, 20, notional=100000, table=table)
    assert got == json.loads(json.dumps(quote_to_dict(quote, table)))
    n, e = 100_000.0, 60_000.0  # Binance bracket 1: (WB - q*E) / (q*MMR - q) for a long
    assert got["liquidation_price"] == pytest.approx((n / 20 - n) / (n / e * 0.004 - n / e))


BAD = [
    ({"symbol": "BTC/USDT"}, "symbol"),
    ({"symbol": "DOGEUSDT"}, "symbol"),
    ({"source": "../../etc/passwd"}, "source"),
    ({"source": "/etc/passwd"}, "source"),
    ({"source": "binance"}, "source"),
    ({"exchange": "ftx"}, "exchange"),
    ({"window": "forever"}, "window"),
    ({"window": "90d"}, "window"),
    ({"window": "5m"}, "window"),
    ({"bins": 5}, "bins"),
    ({"bins": 100_000}, "bins"),
    ({"bins": "many"}, "bins"),
    ({"range": 200}, "range"),
    ({"at": "yesterday"}, "at"),
    ({"at": "2020-01-01"}, "at"),
    ({"at": "2100-01-01T00:00Z"}, "at"),
    ({"leverage": "10:0.5"}, "leverage"),
    ({"leverage": "x"}, "leverage"),
    ({"leverage": "0.5:1"}, "leverage"),
]


@pytest.mark.parametrize(("params", "field"), BAD, ids=[f"{f}={p[f]}" for p, f in BAD])
def test_bad_parameters_are_422_naming_the_field(
    client: httpx.Client, params: dict[str, Any], field: str
) -> None:
    r = client.get("/api/v1/map", params=params)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["message"].startswith(f"{field}: "), body
    assert body["detail"][0]["loc"] == ["query", field]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/heatmap", {"bins": 1000, "columns": 5000}, "columns"),
        ("/api/v1/heatmap", {"warmup": "30d"}, "warmup"),
        ("/api/v1/liqprice", {"side": "long", "entry": 6e4, "leverage": 10, "notional": 1e12},
         "notional"),
        ("/api/v1/figures/map", {"tiers": "7x"}, "tiers"),
        ("/api/v1/liqprice", {"side": "up", "entry": 1, "leverage": 2, "notional": 1}, "side"),
        ("/api/v1/liqprice", {"side": "long", "entry": 1, "leverage": 2}, "notional"),
        ("/api/v1/liqprice", {"side": "long", "entry": 6e4, "leverage": 500, "notional": 1e4},
         "leverage"),
        ("/api/v1/liqprice", {"side": "long", "entry": -1, "leverage": 2, "notional": 1}, "entry"),
        ("/api/v1/events", {"symbol": "NOPE"}, "symbol"),
    ],
)  # fmt: skip
def test_other_endpoints_validate(
    client: httpx.Client, path: str, params: dict[str, Any], field: str
) -> None:
    r = client.get(path, params=params)
    assert r.status_code == 422, r.text
    assert r.json()["message"].startswith(f"{field}: ")


@pytest.mark.parametrize(
    "path",
    [
        "/static/../pyproject.toml",
        "/static/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
        "/static/..%2f..%2fapp.py",
        "/static//etc/passwd",
        "/vendor/..%2fplotly.min.js",
    ],
)
def test_no_path_traversal(client: httpx.Client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert "[build-system]" not in r.text and "root:" not in r.text


def test_responses_are_cached_per_data_version(client: httpx.Client) -> None:
    params = {"symbol": "ETHUSDT", "window": "12h", "bins": 333}
    before = client.get("/api/v1/health").json()["caches"]["bodies"]
    first = client.get("/api/v1/map", params=params)
    second = client.get("/api/v1/map", params=params)
    after = client.get("/api/v1/health").json()["caches"]["bodies"]
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert after["misses"] == before["misses"] + 1
    assert after["hits"] >= before["hits"] + 1
    again = client.get(
        "/api/v1/map", params=params, headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and not again.content
    zipped = client.get("/api/v1/map", params=params, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json() == first.json()


def test_gzip_bytes_are_gzip(api_server: str) -> None:
    for _ in range(2):  # the app's path, then the hot path
        with httpx.stream(
            "GET", f"{api_server}/api/v1/map", headers={"Accept-Encoding": "gzip"}
        ) as r:
            assert r.headers["content-encoding"] == "gzip"
            body = b"".join(r.iter_raw())
        assert json.loads(gzip.decompress(body))["schema"] == "liqmap.map/1"


def test_cors_is_off_and_host_is_checked(client: httpx.Client) -> None:
    r = client.get("/api/v1/health", headers={"Origin": "http://evil.example"})
    assert r.status_code == 200
    assert "access-control-allow-origin" not in r.headers
    pre = client.options(
        "/api/v1/map",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in pre.headers
    rebinding = client.get("/api/v1/health", headers={"Host": "evil.example"})
    assert rebinding.status_code == 400


def test_page_and_plotly_are_served_from_the_package(client: httpx.Client) -> None:
    from liqmap.web.app import plotly_js_path

    page = client.get("/")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert '<script src="/vendor/plotly.min.js"' in page.text
    assert "http://" not in page.text.replace('href="/openapi.json"', "")
    assert "https://" not in page.text  # offline: nothing from a CDN
    js = client.get("/vendor/plotly.min.js")
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert js.content == plotly_js_path().read_bytes()
    for asset in ("/static/app.js", "/static/app.css"):
        assert client.get(asset).status_code == 200


def test_openapi_documents_every_endpoint(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for name in ("map", "heatmap", "levels", "liqprice", "symbols", "health", "events"):
        assert f"/api/v1/{name}" in paths
    map_op = paths["/api/v1/map"]["get"]
    names = {p["name"] for p in map_op["parameters"]}
    assert names == {"symbol", "source", "exchange", "window", "at", "bins", "range", "leverage"}
    assert all(p.get("description") for p in map_op["parameters"])
    assert "422" in map_op["responses"] and "200" in map_op["responses"]


def test_figures_carry_the_renderers_traces(client: httpx.Client) -> None:
    fig = client.get("/api/v1/figures/map", params={"window": "24h"}).json()
    names = [t.get("name", "") for t in fig["data"]]
    for tier in ("5x", "10x", "25x", "50x", "100x"):
        assert tier in names
    assert "Bin detail" in names and "Cumulative longs" in names and "Cumulative shorts" in names
    assert any(n.startswith("Current price") for n in names)
    some = client.get("/api/v1/figures/map", params={"window": "24h", "tiers": "25x,100x"}).json()
    bars = {t["name"] for t in some["data"] if t["type"] == "bar" and t["name"] != "Bin detail"}
    assert bars == {"25x", "100x"}
    heat = client.get("/api/v1/figures/heatmap", params={"bins": 60, "columns": 40}).json()
    kinds = [(t["type"], t.get("name")) for t in heat["data"]]
    assert kinds[0] == ("heatmap", "Liquidation levels")
    assert any("observed" in (n or "") for _, n in kinds)


def test_cors_when_configured(tmp_path: Path) -> None:
    app = make_app(tmp_path, cors_origins=("http://localhost:3000",), demo_speed=0.0)
    with serve(app) as s:
        ok = httpx.get(f"{s.url}/api/v1/health", headers={"Origin": "http://localhost:3000"})
        other = httpx.get(f"{s.url}/api/v1/health", headers={"Origin": "http://evil.example"})
    assert ok.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "access-control-allow-origin" not in other.headers


def test_schema_and_server_agree_on_st202_cases(client: httpx.Client) -> None:
    """Issue 13 item 9: requests the schema accepted but the server refused (schemathesis
    ST202). ``leverage=0:`` is now outside the schema's pattern; a liqprice with both notional
    and quantity is served (notional wins, as documented)."""
    schema = client.get("/openapi.json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/v1/map"]["get"]["parameters"]}
    pattern = params["leverage"]["schema"]["anyOf"][0]["pattern"]
    import re

    assert re.match(pattern, "0:") is None and re.match(pattern, "10:") is None
    assert re.match(pattern, "10:0.5,25:0.5") is not None
    q = {"side": "long", "entry": 60_000, "leverage": 10, "notional": 10_000}
    one = client.get("/api/v1/liqprice", params=q).json()
    both = client.get("/api/v1/liqprice", params={**q, "quantity": 5.0}).json()
    assert both == one


def test_liqprice_of_a_symbol_without_a_table_uses_the_labelled_fallback(
    client: httpx.Client,
) -> None:
    """As ``liqmap liqprice``: an unknown symbol is not a dead end, and the answer says FALLBACK."""
    params = {
        "symbol": "NEWCOINUSDT",
        "side": "long",
        "entry": 2.0,
        "leverage": 10,
        "notional": 1e4,
    }
    r = client.get("/api/v1/liqprice", params=params)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["table"]["kind"] == "FALLBACK" and "FALLBACK" in got["table"]["label"]
    assert 0 < got["liquidation_price"] < 2.0
