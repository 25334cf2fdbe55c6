"""Real servers for the web tests: uvicorn on a random loopback port, in a thread.

``api_server`` serves a frozen demo market (deterministic: API, contract and most browser tests);
``live_server`` a demo market that advances 20 bars a second (live updates). Both are session
fixtures; ``_web.serve()`` starts more (CORS, store, alerts) inside a test.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from _web import Running, make_app, serve, wait_ready


@pytest.fixture(scope="session")
def api_running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A server over a frozen demo market (its app too: tests read its data in-process)."""
    with serve(make_app(tmp_path_factory.mktemp("home"), demo_speed=0.0)) as s:
        wait_ready(s.url)
        yield s


@pytest.fixture(scope="session")
def api_server(api_running: Running) -> str:
    """The frozen server's base URL."""
    return api_running.url


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server whose demo market advances 20 one-minute bars per second.

    One per module: the demo reveals ``demo_live_days`` (7) of bars, about 8 minutes at this
    speed, then stops updating; a session-wide server ran dry when a shuffled order put the
    live tests more than 8 minutes after its start."""
    with serve(make_app(tmp_path_factory.mktemp("home"), demo_speed=20.0)) as s:
        wait_ready(s.url)
        yield s.url


@pytest.fixture
def client(api_server: str) -> Iterator[httpx.Client]:
    """An HTTP client of the frozen server."""
    with httpx.Client(base_url=api_server, timeout=60) as c:
        yield c
