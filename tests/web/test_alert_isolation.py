"""A hung webhook receiver must not silence the page's alerts nor the other receivers (issue 13
item 2). Before the fix the web state awaited every delivery before evaluating again: with a
receiver that never answers the page got almost no alerts."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _web import serve, wait_ready
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from liqmap.alerts import AlertService, parse_config
from liqmap.settings import Settings
from liqmap.web import WebConfig, create_app


@pytest.fixture
def hung_url() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except (TimeoutError, OSError):
                continue

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    stop.set()
    for c in held:
        c.close()
    sock.close()


def _config(hung: str, ok: str) -> dict[str, object]:
    return {
        "webhook": [
            {"name": "hung", "url": hung, "timeout_s": 30.0, "max_attempts": 4},
            {"name": "ok", "url": ok, "timeout_s": 5.0},
        ],
        "rule": [
            {
                "name": "near", "kind": "cluster_proximity", "symbols": "*", "side": "any",
                "within_pct": 50.0, "min_usd": 1.0, "cooldown": 0,
            }
        ],
    }  # fmt: skip


def _count_stream(url: str, seconds: float) -> tuple[int, int]:
    """(updates, alerts) seen on the SSE stream in ``seconds``."""
    updates = alerts = 0
    end = time.monotonic() + seconds
    with httpx.stream("GET", url, params={"symbol": "BTCUSDT"}, timeout=30) as r:
        event = ""
        for line in r.iter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: "):
                json.loads(line.removeprefix("data: "))
                updates += event == "update"
                alerts += event == "alert"
            if time.monotonic() > end:
                break
    return updates, alerts


def _drained(url: str) -> dict[str, Any]:
    """The health body once the healthy receiver's queue is empty (nobody watches now, so no
    new alerts come), or after 20 s."""
    end = time.monotonic() + 20
    while True:
        health: dict[str, Any] = httpx.get(f"{url}/api/v1/health").json()
        ok = health["alert_deliveries"]["webhooks"]["ok"]
        if (ok["queued"] == 0 and ok["in_flight"] == 0) or time.monotonic() > end:
            return health
        time.sleep(0.1)


def test_a_hung_receiver_keeps_page_and_other_receivers_alerting(
    tmp_path: Path, hung_url: str, httpserver: HTTPServer
) -> None:
    got: list[str] = []

    def handler(req: Request) -> Response:
        got.append(req.headers["Idempotency-Key"])
        return Response("ok")

    httpserver.expect_request("/ok").respond_with_handler(handler)
    service = AlertService(parse_config(_config(hung_url, httpserver.url_for("/ok")), source="t"))
    app = create_app(Settings(home=tmp_path), None, service, config=WebConfig(demo_speed=20.0))
    with serve(app) as s:
        wait_ready(s.url)
        updates, alerts = _count_stream(f"{s.url}/api/v1/events", 4.0)
        health = _drained(s.url)
    service.close(wait=False)
    assert updates >= 8, f"the demo feed is too slow to measure ({updates} updates)"
    # every update is evaluated: the page gets (nearly) one alert per update, as when healthy
    assert alerts >= 0.95 * (updates - 2), (updates, alerts)
    assert len(got) >= 0.95 * (alerts - 2), (alerts, len(got))
    hung = health["alert_deliveries"]["webhooks"]["hung"]
    assert hung["delivered"] == 0 and hung["queued"] + hung["dropped"] + hung["in_flight"] > 0
