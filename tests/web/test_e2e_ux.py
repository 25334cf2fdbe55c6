"""What a trader sees on the dashboard (issue 14), in real headless Chromium, with screenshots
under ``test-artifacts/web/``: the feed status tells fresh from stored data, times follow the
display time zone, and the demo's symbols are separate markets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _web import serve, wait_ready
from test_e2e import Page, browser
from test_live import _write_store

from liqmap import api
from liqmap.settings import Settings
from liqmap.web import WebConfig, create_app

pytestmark = pytest.mark.e2e
__all__ = ["browser"]  # the module-scoped browser fixture, shared with test_e2e


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    p = Page(browser)
    yield p
    p.close()
    assert p.errors == [], f"console errors: {p.errors}"


def test_old_stored_data_shows_its_age_not_a_live_dot(page: Page, tmp_path: Path) -> None:
    pytest.importorskip("liqmap.store", reason="needs the exchange-data store")
    from liqmap.web.stored import ReopeningStore

    md = api.load_market("BTCUSDT", "demo", demo_days=2)  # bars from January 2026
    _write_store(tmp_path, md, len(md.candles))
    settings = Settings(home=tmp_path)
    store = ReopeningStore(tmp_path / "liqmap.duckdb", settings)
    app = create_app(settings, store, config=WebConfig(store_poll_s=0.5))
    with serve(app) as s:
        page.open(s.url + "/?source=binance&symbol=BTCUSDT")
        page.wait("document.getElementById('live').dataset.status === 'stale'", 20)
        text = page.text("live-text")
        assert text.startswith("stored data to 2026-01-") and text.endswith(" old")
        assert "live" not in text
        page.shot("stale-store.png", "header")
        page.close()


def test_demo_feed_is_labelled_simulated(page: Page, live_server: str) -> None:
    page.open(live_server + "/")
    page.wait("document.getElementById('live').dataset.status === 'on'", 60)
    assert page.text("live-text").startswith("demo · simulated feed · data to 2026-")


def test_display_time_zone(page: Page, api_server: str) -> None:
    page.open(api_server + "/?tz=Asia/Tokyo")
    asof = page.text("stat-asof")
    m = httpx.get(f"{api_server}/api/v1/map", timeout=60).json()
    from liqmap.core.formatting import format_time, parse_tz

    assert asof.startswith(format_time(m["as_of_ms"], parse_tz("Asia/Tokyo")).replace("JST", ""))
    assert "GMT+9" in asof or "JST" in asof
    page.open(api_server + "/")
    assert page.text("stat-asof").startswith(format_time(m["as_of_ms"]))


def test_demo_symbols_are_separate_markets(api_server: str) -> None:
    wait_ready(api_server, "ETHUSDT")
    btc = httpx.get(f"{api_server}/api/v1/map", params={"symbol": "BTCUSDT"}, timeout=60).json()
    eth = httpx.get(f"{api_server}/api/v1/map", params={"symbol": "ETHUSDT"}, timeout=60).json()
    assert eth["price"] < btc["price"] / 10
    assert eth["totals"] != btc["totals"]
