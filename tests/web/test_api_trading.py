"""``/api/v1/cascade``, ``/api/v1/plan`` and their figures over a real server: bodies equal what
``liqmap cascade --json`` / ``liqmap plan --json`` print for the same inputs, validation names the
field, ``depth_model`` never reaches the file system, responses are cached."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from _web import REPO, Running

import liqmap.io.orderbook
from liqmap import api
from liqmap.cli.app import main
from liqmap.services import market
from liqmap.web.params import FieldError
from liqmap.web.sources import DemoSource
from liqmap.web.trade_params import resolve_depth_model

AT = "2026-01-30T12:00:00Z"


@pytest.fixture(scope="module")
def demo_data(api_running: Running) -> Any:
    """The frozen server's BTCUSDT and ETHUSDT data, read from its app."""
    demo = api_running.app.state.liqmap.sources.demo()
    assert isinstance(demo, DemoSource)
    return {s: demo.snapshot(s).data for s in ("BTCUSDT", "ETHUSDT")}


def _cli_json(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    data: dict[str, Any],
    argv: list[str],
) -> Any:
    """What the CLI prints for ``argv`` when ``--source demo`` reads the server's data (the CLI's
    own demo market is simulated for the window asked, so it is not the server's)."""

    def load_market(symbol: str, source: str, **_: Any) -> Any:
        assert source == api.DEMO
        return data[symbol.upper()]

    monkeypatch.setattr(market, "load_market", load_market)  # the CLI's query loads through it
    capsys.readouterr()
    assert main([*argv, "--source", "demo", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


CASCADES = [
    (["--shock", "-2%"], {"shock": -2}),
    (["--shock", "4"], {"shock": 4}),
    (
        ["--order-usd", "-50M", "--depth-model", "power:50M,1"],
        {"order_usd": -50e6, "depth_model": "power:50M,1"},
    ),
    (
        ["--shock", "-6", "--window", "7d", "--bins", "200", "--range", "20", "--exchange", "bybit",
         "--leverage", "10:0.5,50:0.5", "--depth-model", "btc", "--depth-scale", "0.2",
         "--permanent-fraction", "0.5", "--at", AT],
        {"shock": -6, "window": "7d", "bins": 200, "range": 20, "exchange": "bybit",
         "leverage": "10:0.5,50:0.5", "depth_model": "btc", "depth_scale": 0.2,
         "permanent_fraction": 0.5, "at": AT},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "params"), CASCADES, ids=[" ".join(a) for a, _ in CASCADES])
def test_cascade_is_the_cli_json(
    client: httpx.Client,
    demo_data: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    params: dict[str, Any],
) -> None:
    r = client.get("/api/v1/cascade", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    got = r.json()
    assert got == _cli_json(monkeypatch, capsys, demo_data, ["cascade", "BTCUSDT", *argv])
    assert got["schema"] == "liqmap.cascade/1"
    assert got["direction"] == ("down" if "-" in argv[1] else "up")


def test_a_cascade_liquidates_and_amplifies(client: httpx.Client) -> None:
    thin = client.get("/api/v1/cascade", params={"shock": -3, "depth_model": "power:15M,1"}).json()
    deep = client.get("/api/v1/cascade", params={"shock": -3, "depth_model": "power:1B,1"}).json()
    assert thin["total_liquidated_usd"] > deep["total_liquidated_usd"] > 0
    assert thin["pin_price"] < thin["shock_price"] < thin["start_price"]
    assert thin["amplification"] > deep["amplification"] >= 1.0
    assert thin["steps"][0]["step"] == 0 and thin["n_steps"] == len(thin["steps"]) - 1
    assert sum(s["long_usd"] for s in thin["steps"]) == pytest.approx(thin["total_long_usd"])


PLANS = [
    (["--side", "long"], {"side": "long"}),
    (
        ["--side", "short", "--entry", "52000", "--size", "5M", "--depth-model", "btc"],
        {"side": "short", "entry": 52000, "size_usd": 5e6, "depth_model": "btc"},
    ),
    (
        ["--side", "long", "--size", "2.5M", "--window", "3d", "--at", AT, "--depth-model",
         "power:80M,1.2", "--depth-scale", "2"],
        {"side": "long", "size_usd": 2.5e6, "window": "3d", "at": AT,
         "depth_model": "power:80M,1.2", "depth_scale": 2},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "params"), PLANS, ids=[" ".join(a) for a, _ in PLANS])
def test_plan_is_the_cli_json(
    client: httpx.Client,
    demo_data: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    params: dict[str, Any],
) -> None:
    r = client.get("/api/v1/plan", params=params)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got == _cli_json(monkeypatch, capsys, demo_data, ["plan", "BTCUSDT", *argv])
    assert got["schema"] == "liqmap.plan/1" and got["side"] == params["side"]
    assert "not trading advice" in got["disclaimer"]
    assert (got["execution"] is None) == ("size_usd" not in params)


def test_eth_uses_its_own_depth_model(
    client: httpx.Client,
    demo_data: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    params = {"symbol": "ethusdt", "shock": -2, "model": "book"}
    got = client.get("/api/v1/cascade", params=params).json()
    assert "binance-ethusdt" in got["depth"]["source"] and got["outcomes"] is None
    argv = ["cascade", "ETHUSDT", "--shock", "-2", "--model", "book"]
    assert got == _cli_json(monkeypatch, capsys, demo_data, argv)
    law = client.get("/api/v1/cascade", params={"symbol": "ethusdt", "shock": -2}).json()
    assert law["model"] == "impact" and law["impact"]["volume_usd_daily"] > 0
    assert law["simulated"] is True and law["outcomes"]["n_draws"] == 200


BAD = [
    ("/api/v1/cascade", {}, "shock"),
    ("/api/v1/cascade", {"shock": -2, "order_usd": 1e6}, "order_usd"),
    ("/api/v1/cascade", {"shock": -80}, "shock"),
    ("/api/v1/cascade", {"shock": 51}, "shock"),
    ("/api/v1/cascade", {"shock": "nan"}, "shock"),
    ("/api/v1/cascade", {"shock": "-inf"}, "shock"),
    ("/api/v1/cascade", {"shock": "-2%"}, "shock"),
    ("/api/v1/cascade", {"order_usd": 1e13}, "order_usd"),
    ("/api/v1/cascade", {"order_usd": "inf"}, "order_usd"),
    ("/api/v1/cascade", {"shock": -2, "depth_model": "nope"}, "depth_model"),
    ("/api/v1/cascade", {"shock": -2, "depth_model": "power:100M"}, "depth_model"),
    ("/api/v1/cascade", {"shock": -2, "depth_model": "power:100M,x"}, "depth_model"),
    ("/api/v1/cascade", {"shock": -2, "depth_model": "power:1,1"}, "depth_model"),
    ("/api/v1/cascade", {"shock": -2, "depth_model": "power:1e300,1"}, "depth_model"),
    ("/api/v1/cascade", {"shock": -2, "depth_model": "power:100M,9"}, "depth_model"),
    ("/api/v1/cascade", {"shock": -2, "depth_scale": 0}, "depth_scale"),
    ("/api/v1/cascade", {"shock": -2, "permanent_fraction": 1.5}, "permanent_fraction"),
    ("/api/v1/cascade", {"shock": -2, "window": "90d"}, "window"),
    ("/api/v1/cascade", {"shock": -2, "symbol": "DOGEUSDT"}, "symbol"),
    ("/api/v1/cascade", {"shock": -2, "at": "2020-01-01"}, "at"),
    ("/api/v1/plan", {}, "side"),
    ("/api/v1/plan", {"side": "up"}, "side"),
    ("/api/v1/plan", {"side": "long", "entry": 0}, "entry"),
    ("/api/v1/plan", {"side": "long", "entry": -5}, "entry"),
    ("/api/v1/plan", {"side": "long", "entry": "nan"}, "entry"),
    ("/api/v1/plan", {"side": "long", "entry": 1e10}, "entry"),
    ("/api/v1/plan", {"side": "long", "size_usd": -1}, "size_usd"),
    ("/api/v1/plan", {"side": "long", "size_usd": "inf"}, "size_usd"),
    ("/api/v1/plan", {"side": "long", "size_usd": "5M"}, "size_usd"),
    ("/api/v1/plan", {"side": "long", "depth_model": "sol"}, "depth_model"),
    ("/api/v1/plan", {"side": "long", "bins": 5}, "bins"),
    ("/api/v1/figures/cascade", {"shock": 60}, "shock"),
    ("/api/v1/figures/cascade", {"shock": -2, "depth_model": "x y"}, "depth_model"),
    ("/api/v1/figures/plan", {"side": "sideways"}, "side"),
]


@pytest.mark.parametrize(
    ("path", "params", "field"), BAD, ids=[f"{p.rsplit('/', 1)[1]}-{f}-{q}" for p, q, f in BAD]
)
def test_bad_parameters_are_422_naming_the_field(
    client: httpx.Client, path: str, params: dict[str, Any], field: str
) -> None:
    r = client.get(path, params=params)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["message"].startswith(f"{field}: "), body
    assert body["detail"][0]["loc"] == ["query", field]


def _book_file(tmp_path: Path) -> Path:
    """A real Binance REST depth snapshot file (what ``liqmap cascade --depth FILE`` reads)."""
    book = tmp_path / "depth.json"
    bids = [[f"{60000 - i:.1f}", "5.0"] for i in range(1, 200)]
    asks = [[f"{60000 + i:.1f}", "5.0"] for i in range(1, 200)]
    book.write_text(json.dumps({"lastUpdateId": 1, "E": 1, "T": 1, "bids": bids, "asks": asks}))
    return book


def test_depth_model_never_reaches_the_file_system(
    client: httpx.Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []
    monkeypatch.setattr(liqmap.io.orderbook, "load_depth", lambda *a, **k: opened.append(a))
    book = _book_file(tmp_path)
    names = [
        str(book), "depth.json", "../../etc/passwd", "/etc/passwd", "..%2f..%2fpyproject.toml",
        str(REPO / "pyproject.toml"), "btc/../../pyproject.toml", "C:\\depth.json", "file:btc",
        "btc\x00", "./btc", "~/.ssh/id_rsa", "%2e%2e%2fpyproject.toml",
    ]  # fmt: skip
    for name in names:
        for path, extra in (("/api/v1/cascade", {"shock": -2}), ("/api/v1/plan", {"side": "long"})):
            r = client.get(path, params={**extra, "depth_model": name})
            assert r.status_code == 422, (name, r.text)
            assert r.json()["message"].startswith("depth_model: ")
            assert "[build-system]" not in r.text and "root:" not in r.text
    assert opened == []


def test_responses_are_cached_and_share_the_map(client: httpx.Client) -> None:
    params = {"symbol": "ETHUSDT", "window": "12h", "bins": 321}

    def stats() -> dict[str, dict[str, int]]:
        caches: dict[str, dict[str, int]] = client.get("/api/v1/health").json()["caches"]
        return caches

    client.get("/api/v1/map", params=params).raise_for_status()
    before = stats()
    first = client.get("/api/v1/cascade", params={**params, "shock": -2.5})
    mid = stats()
    second = client.get("/api/v1/cascade", params={**params, "shock": -2.5})
    after = stats()
    assert first.content == second.content and first.headers["etag"] == second.headers["etag"]
    assert mid["results"]["misses"] == before["results"]["misses"] + 1  # the cascade, not the map
    assert mid["bodies"]["misses"] == before["bodies"]["misses"] + 1
    assert after["bodies"]["misses"] == mid["bodies"]["misses"]  # the second one: a cached body
    fig = client.get("/api/v1/figures/cascade", params={**params, "shock": -2.5})
    assert fig.status_code == 200
    assert stats()["results"]["misses"] == after["results"]["misses"]  # the figure reuses it
    again = client.get(
        "/api/v1/plan",
        params={**params, "side": "short"},
        headers={"If-None-Match": client.get("/api/v1/plan", params={**params, "side": "short"})
                 .headers["etag"]},
    )  # fmt: skip
    assert again.status_code == 304 and not again.content


def test_figures_draw_the_cascade_and_the_plan(client: httpx.Client) -> None:
    fig = client.get("/api/v1/figures/cascade", params={"shock": -3}).json()
    names = [t.get("name", "") for t in fig["data"]]
    assert {"Cascade path", "Absorption: forced USD the market takes", "25x", "Bin detail"} <= set(
        names
    )
    labels = [a.get("text", "") for a in fig["layout"]["annotations"]]
    assert any(t.startswith("pin ") for t in labels) and any(t.startswith("final ") for t in labels)
    plan = client.get("/api/v1/plan", params={"side": "long", "size_usd": 5e6}).json()
    pfig = client.get("/api/v1/figures/plan", params={"side": "long", "size_usd": 5e6}).json()
    labels = [a.get("text", "") for a in pfig["layout"]["annotations"]]
    assert any(t.startswith("stop ") for t in labels) and any(
        t.startswith("entry ") for t in labels
    )
    assert sum(t.startswith("TP") for t in labels) == len(plan["take_profits"]) > 0
    if plan["execution"]["forced_levels"]:
        assert any(t.get("name") == "Forced-flow liquidity" for t in pfig["data"])


def test_openapi_documents_the_new_operations(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    map_params = {"symbol", "source", "exchange", "window", "at", "bins", "range", "leverage"}
    expected = {
        "/api/v1/cascade": map_params
        | {"shock", "order_usd", "depth_model", "depth_scale", "permanent_fraction", "model"}
        | {"draws"},
        "/api/v1/plan": map_params | {"side", "entry", "size_usd", "depth_model", "depth_scale"},
    }
    for path, names in expected.items():
        for p in (path, path.replace("/api/v1/", "/api/v1/figures/")):
            op = paths[p]["get"]
            assert {q["name"] for q in op["parameters"]} == names
            assert all(q.get("description") for q in op["parameters"])
            assert {"200", "304", "422"} <= set(op["responses"])
    schemas = spec["components"]["schemas"]
    assert "total_liquidated_usd" in schemas["CascadeOut"]["properties"]
    assert "disclaimer" in schemas["PlanOut"]["properties"]
    side = next(q for q in paths["/api/v1/plan"]["get"]["parameters"] if q["name"] == "side")
    assert side["required"] is True and side["schema"]["enum"] == ["long", "short"]


def test_symbols_lists_the_depth_models(client: httpx.Client) -> None:
    meta = client.get("/api/v1/symbols").json()
    assert meta["depth_models"][:2] == ["btc", "eth"]
    assert meta["depth_defaults"]["BTCUSDT"].startswith("binance-btcusdt")


def test_depth_model_resolution() -> None:
    assert "binance-btcusdt" in resolve_depth_model(None, "BTCUSDT").source
    assert resolve_depth_model("ETH", "BTCUSDT").source.startswith("binance-ethusdt")
    scaled = resolve_depth_model("power:100M,1", "SOLUSDT", 0.5)
    assert scaled.bid.usd_1pct == pytest.approx(50e6)
    with pytest.raises(FieldError) as err:  # a stored symbol without a shipped book
        resolve_depth_model(None, "SOLUSDT")
    assert err.value.field == "depth_model" and "power:" in err.value.message
    assert "--depth" not in err.value.message  # the web takes names, never files
