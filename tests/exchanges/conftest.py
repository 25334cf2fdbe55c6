"""Fixtures for the exchange tests: a real local HTTP server per test (threaded, so a handler
that sleeps past the client timeout does not block the retries), Settings pointing every venue's
REST URL at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from liqmap.domain.enums import Venue
from liqmap.settings import DEFAULT_WS_URLS, Settings


@pytest.fixture(scope="session")
def _http_server() -> Iterator[HTTPServer]:
    srv = HTTPServer(threaded=True)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def server(_http_server: HTTPServer) -> Iterator[HTTPServer]:
    """A running threaded local HTTP server with no handlers; unexpected requests fail the test."""
    _http_server.clear()
    try:
        yield _http_server
        _http_server.check_assertions()
    finally:
        _http_server.clear()


@pytest.fixture
def settings(server: HTTPServer, tmp_path: Path) -> Settings:
    """Settings whose REST URLs all point at ``server`` and whose home is a temp folder."""
    url = server.url_for("").rstrip("/")
    return Settings(
        home=tmp_path / "home",
        rest_urls=dict.fromkeys(Venue, url),
        ws_urls=dict(DEFAULT_WS_URLS),
        http_timeout_s=2.0,
    )
