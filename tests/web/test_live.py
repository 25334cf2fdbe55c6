"""Live updates over a real server: SSE from the demo feed, from the exchange-data store when new
liquidation events reach it, and alerts from the alert pipeline."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from _web import serve, wait_ready

from liqmap import api
from liqmap.errors import StoreError
from liqmap.settings import Settings
from liqmap.web import WebConfig, create_app


def sse_events(
    url: str, params: dict[str, str], want: int, timeout: float = 20.0
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The first ``want`` events (name, data) of an SSE stream."""
    deadline = time.monotonic() + timeout
    got = 0
    with httpx.stream("GET", url, params=params, timeout=timeout) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        event = ""
        for line in r.iter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: "):
                yield event, json.loads(line.removeprefix("data: "))
                got += 1
                if got >= want:
                    return
            assert time.monotonic() < deadline, "SSE events did not arrive in time"


def test_demo_feed_streams_updates_and_maps_follow(live_server: str) -> None:
    events = list(
        sse_events(f"{live_server}/api/v1/events", {"source": "demo", "symbol": "BTCUSDT"}, 4)
    )
    kinds = [k for k, _ in events]
    assert kinds[0] == "hello" and kinds[1:] == ["update"] * 3
    assert events[0][1]["kind"] == "demo" and events[0][1]["status"] == "simulated"
    versions = [d["version"] for _, d in events]
    assert versions == sorted(versions) and len(set(versions)) == 4
    assert all(d["symbol"] == "BTCUSDT" and d["source"] == "demo" for _, d in events)
    assert all(d["price"] > 0 for _, d in events[1:])
    m = httpx.get(f"{live_server}/api/v1/map", params={"window": "12h"}, timeout=30).json()
    assert m["as_of_ms"] >= versions[-1]  # the map moved with the market


def _write_store(home: Path, md: Any, upto: int) -> None:
    """Bars ``[:upto]`` of ``md`` with their OI and events, as ``liqmap sync`` would store them."""
    from liqmap.store import Store

    for attempt in range(50):  # the server reads now and then (read-only, briefly)
        try:
            with Store.open(home / "liqmap.duckdb", settings=Settings(home=home)) as store:
                store.write_candles("binance", "BTCUSDT", md.candles.take(slice(0, upto)))
                store.write_open_interest("binance", "BTCUSDT", md.oi)
                store.write_liquidations("binance", "BTCUSDT", md.liquidations)
            return
        except StoreError:
            if attempt == 49:
                raise
            time.sleep(0.05)


def test_store_exchanges_are_sources_and_new_data_streams(tmp_path: Path) -> None:
    pytest.importorskip("liqmap.store", reason="needs the exchange-data store")
    from liqmap.store import Store, append_segment
    from liqmap.web.stored import ReopeningStore

    md = api.load_market("BTCUSDT", "demo", demo_days=3)
    n = len(md.candles) - 5
    _write_store(tmp_path, md, n)
    shown = api.MarketData(md.candles.take(slice(0, n)), md.oi, md.liquidations)
    settings = Settings(home=tmp_path)
    store = ReopeningStore(tmp_path / "liqmap.duckdb", settings)  # what `liqmap serve` uses
    app = create_app(settings, store, config=WebConfig(store_poll_s=0.1))
    with serve(app) as s:
        symbols = httpx.get(f"{s.url}/api/v1/symbols").json()["sources"]
        assert [(x["name"], x["kind"], x["symbols"]) for x in symbols] == [
            ("demo", "demo", ["BTCUSDT", "ETHUSDT"]),
            ("binance", "store", ["BTCUSDT"]),
        ]
        params = {"source": "binance", "symbol": "BTCUSDT", "window": "24h"}
        got = httpx.get(f"{s.url}/api/v1/map", params=params, timeout=30).json()
        expected = api.estimate_map(shown, window="24h").to_dict()
        assert got["as_of_ms"] == expected["as_of_ms"]
        assert got["totals"] == pytest.approx(expected["totals"])

        stream = sse_events(f"{s.url}/api/v1/events", params, 3, timeout=20)
        kind, hello = next(stream)
        assert kind == "hello"
        # the demo's bars are from January 2026: stored data that old is not "live" (item 2)
        assert hello["kind"] == "store" and hello["status"] == "stale"
        assert hello["age_ms"] == hello["server_time_ms"] - hello["version"] > hello["fresh_ms"]
        _write_store(tmp_path, md, len(md.candles))  # new candles reach the store
        kind, update = next(stream)
        assert kind == "update" and update["version"] > hello["version"]
        moved = httpx.get(f"{s.url}/api/v1/map", params=params, timeout=30).json()
        assert moved["as_of_ms"] == int(md.candles.ts_ms[-1]) + 60_000

        last = int(md.candles.ts_ms[-1])  # what the liquidation recorder writes meanwhile:
        append_segment(
            tmp_path,
            "binance",
            "BTCUSDT",
            "liquidations",
            {
                "ts_ms": np.array([last + 30_000]),
                "side": np.array([1], np.int8),
                "price": np.array([50_000.0]),
                "qty": np.array([2.0]),
                "notional_usd": np.array([100_000.0]),
            },
        )  # fmt: skip — what the liquidation recorder writes while the server runs
        kind, again = next(stream)
        stream.close()
        assert kind == "update" and again["version"] > update["version"]
        heat = httpx.get(
            f"{s.url}/api/v1/heatmap", params={**params, "bins": 50, "columns": 20}, timeout=30
        ).json()
        assert 100_000.0 in heat["events"]["usd"]  # the recorder's event is on the heatmap

    with Store.open(tmp_path / "liqmap.duckdb", settings=settings, read_only=True) as opened:
        app = create_app(settings, opened)  # an open Store object works as well
        assert app.state.liqmap.sources.names() == ("demo", "binance")


ALERT_RULES = {
    "rule": [
        {
            "name": "near-any-cluster",
            "kind": "cluster_proximity",
            "symbols": "*",
            "side": "any",
            "within_pct": 50.0,
            "min_usd": 1.0,
            "cooldown": "1h",
        }
    ]
}


def test_alerts_reach_the_stream(tmp_path: Path) -> None:
    alerts = pytest.importorskip("liqmap.alerts", reason="needs the alert pipeline")
    service = alerts.AlertService(alerts.parse_config(ALERT_RULES, source="test"))
    app = create_app(Settings(home=tmp_path), None, service, config=WebConfig(demo_speed=20.0))
    with serve(app) as s:
        wait_ready(s.url)
        stream = sse_events(f"{s.url}/api/v1/events", {"symbol": "BTCUSDT"}, 40, timeout=30)
        data = next((d for kind, d in stream if kind == "alert"), None)
        stream.close()
        assert data is not None, "no alert event"
        assert data["symbol"] == "BTCUSDT"
        assert data["alert"]["rule"] == "near-any-cluster"
        assert data["alert"]["message"]
        assert httpx.get(f"{s.url}/api/v1/health").json()["alerts"] is True


def test_repeated_requests_never_lag_behind_an_update(live_server: str) -> None:
    """The hot path answers repeats from the cache, but only for the current data version."""
    params = {"symbol": "BTCUSDT", "window": "12h", "bins": 64}
    with httpx.Client(base_url=live_server, timeout=30) as c:
        c.get("/api/v1/map", params=params).raise_for_status()  # remembered from now on
        stream = sse_events(f"{live_server}/api/v1/events", {"symbol": "BTCUSDT"}, 6)
        for kind, data in stream:
            if kind != "update":
                continue
            m = c.get("/api/v1/map", params=params).json()
            assert m["as_of_ms"] >= data["version"]
