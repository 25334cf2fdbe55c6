"""The pipeline: evaluate -> bus -> webhooks, through a real local receiver, both ways in."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from liqmap.alerts import AlertService, load_config

T0 = 1_767_225_600_000
MIN = 60_000


def config_file(tmp_path: Path, server: HTTPServer) -> Path:
    p = tmp_path / "alerts.toml"
    p.write_text(
        f"""
[[webhook]]
name = "a"
url = "{server.url_for("/a")}"
backoff_s = 0.05

[[webhook]]
name = "b"
url = "{server.url_for("/b")}"

[[rule]]
name = "near"
kind = "cluster_proximity"
symbols = ["BTCUSDT"]
within_pct = 1.0
min_usd = 1_000_000
cooldown = "10m"

[[rule]]
name = "burst"
kind = "liquidations"
symbols = ["BTCUSDT"]
min_usd = 100_000
minutes = 5
webhooks = ["b"]
""",
        encoding="utf-8",
    )
    return p


class Inbox:
    """Collects the JSON bodies a path receives (thread-safe; the server is threaded)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.items.append((request.path, json.loads(request.get_data())))
        return Response("ok")

    def paths(self) -> list[tuple[str, str]]:
        with self.lock:
            return sorted((p, body["rule"]) for p, body in self.items)


def inbox(server: HTTPServer) -> Inbox:
    box = Inbox()
    for path in ("/a", "/b"):
        server.expect_request(path, method="POST").respond_with_handler(box)
    return box


def test_sync_evaluate_publishes_and_delivers_in_the_background(
    tmp_path: Path, receiver: HTTPServer, make_map: Any, make_events: Any
) -> None:
    box = inbox(receiver)
    service = AlertService.from_file(config_file(tmp_path, receiver))
    m = make_map([("long", 99.5, 2e6)], as_of_ms=T0)
    ev = make_events([(T0 - MIN, 1, 2e5)])
    try:
        fresh = service.evaluate(m, ev)  # what the web app calls, from a worker thread
        assert [a.rule for a in fresh] == ["near", "burst"]
        assert [a.rule for a in service.bus.recent()] == ["near", "burst"]
        service.wait(5.0)
        # routing: 'near' to every webhook, 'burst' only to b
        assert box.paths() == [("/a", "near"), ("/b", "burst"), ("/b", "near")]
        assert [d.status for d in service.deliveries] == ["delivered"] * 3
        # the same conditions 5 minutes later: inside both cooldowns, nothing new anywhere
        later = make_map([("long", 99.4, 2.1e6)], as_of_ms=T0 + 5 * MIN)
        assert service.evaluate(later, ev, T0 + 5 * MIN) == []
        service.wait(5.0)
        assert len(box.paths()) == 3
        assert [d.status for d in service.deliveries][3:] == ["duplicate"] * 2
    finally:
        service.close()


@pytest.mark.asyncio
async def test_process_awaits_deliveries_and_feeds_subscribers(
    tmp_path: Path, receiver: HTTPServer, make_map: Any
) -> None:
    box = inbox(receiver)
    async with AlertService(load_config(config_file(tmp_path, receiver))) as service:
        sub = service.subscribe()
        batch = await service.process(make_map([("short", 100.4, 3e6)]), None, T0)
        assert [a.rule for a in batch.alerts] == ["near"] and batch.published == batch.alerts
        assert sorted(d.webhook for d in batch.deliveries) == ["a", "b"]
        assert all(d.status == "delivered" for d in batch.deliveries)
        got = await asyncio.wait_for(anext(aiter(sub)), 1.0)
        assert got == batch.alerts[0]
        again = await service.process(make_map([("short", 100.4, 3e6)]), None, T0 + MIN)
        assert again.published == () and {d.status for d in again.deliveries} == {"duplicate"}
    assert len(box.paths()) == 2
    assert sub.closed, "closing the service ends the dashboard streams"


def test_fits_the_web_layer_hook(tmp_path: Path, receiver: HTTPServer, make_map: Any) -> None:
    """``create_app(settings, store, alerts=service)`` calls ``alerts.evaluate(map, events)``."""
    inbox(receiver)
    service = AlertService.from_file(config_file(tmp_path, receiver))
    try:
        fired = service.evaluate(make_map([("long", 99.5, 2e6)]), None)
        assert all(callable(getattr(a, "to_dict", None)) for a in fired)
        assert fired[0].to_dict()["schema"] == "liqmap.alert/1"
        demo = service.evaluate(make_map([("long", 99.5, 2e6)]), None, stream="demo")
        assert demo and demo[0].dedup_key.startswith("demo/"), "per-source keys"
    finally:
        service.close(wait=True)
    assert service.evaluate(make_map([("long", 99.5, 2e6)], as_of_ms=T0 + 99 * MIN), None) == []
