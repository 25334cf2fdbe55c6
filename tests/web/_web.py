"""Helpers of the web tests: real uvicorn servers on random loopback ports, in threads."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from liqmap.settings import Settings
from liqmap.web import WebConfig, create_app
from liqmap.web.server import DashboardServer, server_config

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "web"
CHROMIUM = Path("/usr/bin/chromium")


@dataclass(frozen=True)
class Running:
    """A started server: its base URL and its app."""

    url: str
    app: FastAPI


@contextlib.contextmanager
def serve(app: FastAPI, *, header_timeout_s: float = 10.0) -> Iterator[Running]:
    """Run ``app`` with uvicorn on 127.0.0.1:<free port> in a thread until the block ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = DashboardServer(
        server_config(app, host="127.0.0.1", port=port, header_timeout_s=header_timeout_s)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield Running(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def make_app(home: Path, **config: Any) -> FastAPI:
    """An app over the demo market only (``config``: :class:`WebConfig` fields)."""
    return create_app(Settings(home=home), None, config=WebConfig(**config))


def wait_ready(url: str, symbol: str = "BTCUSDT") -> None:
    """Block until the demo market of ``symbol`` is simulated (first map answered)."""
    with httpx.Client(base_url=url, timeout=60) as c:
        c.get("/api/v1/map", params={"symbol": symbol}).raise_for_status()


def chromium_or_skip() -> Path:
    """The Chromium binary; skips without it unless LIQMAP_REQUIRE_SHARED_DATA (CI) is set."""
    if CHROMIUM.exists():
        return CHROMIUM
    msg = f"end-to-end tests drive {CHROMIUM} (apt-get install chromium); it is absent"
    if os.environ.get("LIQMAP_REQUIRE_SHARED_DATA", "") not in ("", "0"):
        pytest.fail(msg + " — LIQMAP_REQUIRE_SHARED_DATA=1 (CI) forbids skipping")
    pytest.skip(msg)
