"""What a trader sees on the dashboard (issue 14), in real headless Chromium, with screenshots
under ``test-artifacts/web/``: the feed status tells fresh from stored data, times follow the
display time zone, and the demo's symbols are separate markets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
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
    # the heatmap's time axis follows the zone too: the server's UTC dates moved by +9 h
    shown = page.js("document.getElementById('heat-chart').layout.xaxis")
    served = page.js("document.getElementById('heat-chart').data[0].x.slice(0, 2)")
    page.open(api_server + "/")
    assert page.text("stat-asof").startswith(format_time(m["as_of_ms"]))
    utc = page.js("document.getElementById('heat-chart').layout.xaxis")
    utc_x = page.js("document.getElementById('heat-chart').data[0].x.slice(0, 2)")
    assert "(UTC)" in utc["title"]["text"] and "(GMT+9)" in shown["title"]["text"]
    nine_h = np.timedelta64(9, "h")
    for zoned, plain in [
        *zip(shown["range"], utc["range"], strict=True),
        *zip(served, utc_x, strict=True),
    ]:
        assert np.datetime64(zoned) - np.datetime64(plain) == nine_h


def test_demo_symbols_are_separate_markets(api_server: str) -> None:
    wait_ready(api_server, "ETHUSDT")
    btc = httpx.get(f"{api_server}/api/v1/map", params={"symbol": "BTCUSDT"}, timeout=60).json()
    eth = httpx.get(f"{api_server}/api/v1/map", params={"symbol": "ETHUSDT"}, timeout=60).json()
    assert eth["price"] < btc["price"] / 10
    assert eth["totals"] != btc["totals"]


def test_tier_filter_has_one_rule(page: Page, api_server: str) -> None:
    """Issue 14 item 4: with 50x and 100x hidden, labels, table, totals and reading agree."""
    page.open(api_server + "/?tiers=5x,10x,25x")
    page.wait("document.getElementById('tiers').dataset.filtered === 'true'", 30)
    reading = page.text("reading")
    assert " 50x" not in reading and "100x" not in reading and "–50x" not in reading
    assert "tiers shown only" in page.text("notes")
    view = page.js("document.getElementById('map-chart').layout.meta.tier_view")
    rows = page.js("document.querySelectorAll('#clusters tbody tr').length")
    assert rows == max(len(view["clusters"]), 1)
    labels = page.js(
        "document.getElementById('map-chart').layout.annotations.map(a => a.text)"
        ".filter(t => t.startsWith('<b>') && t.includes('<br>'))"
    )
    table_usd = set(
        page.js(
            "Array.from(document.querySelectorAll('#clusters tbody tr td:nth-child(5)')).map(td => td.textContent)"
        )
    )
    for text in labels:  # every label on the chart is a row of the table
        assert text.split("<br>")[1] in table_usd
    page.shot("tiers-filtered.png")


_RECTS = """Array.from(document.querySelectorAll('#map-chart .annotation')).map(a => {
  const bg = a.querySelector('.bg') || a; const r = bg.getBoundingClientRect();
  return {text: a.textContent, l: r.left, r: r.right, t: r.top, b: r.bottom};
})"""


@pytest.mark.parametrize("width", [1600, 1100])
def test_cluster_labels_never_cover_the_current_price(
    browser: Any, api_server: str, width: int
) -> None:
    """Issue 14 item 6: no cluster box over the "Current price" label, at any page width."""
    p = Page(browser)
    p.context.close()
    p.context = browser.new_context(viewport={"width": width, "height": 1100})
    p.page = p.context.new_page()
    try:
        for window in ("24h", "3d", "7d"):
            p.open(f"{api_server}/?window={window}")
            rects = p.js(_RECTS)
            tag = next(r for r in rects if r["text"].startswith("Current price"))
            for r in rects:
                if r is tag or r["text"].startswith("Current price"):
                    continue
                apart = (
                    r["r"] <= tag["l"]
                    or r["l"] >= tag["r"]
                    or r["b"] <= tag["t"]
                    or r["t"] >= tag["b"]
                )
                assert apart, (window, width, r["text"], tag)
        p.shot(f"price-tag-{width}.png", "#map-chart")
    finally:
        p.close()


def _spike_at_price() -> Any:
    """A map whose tallest cluster sits right under the current-price tag."""
    from dataclasses import replace

    import numpy as np

    from liqmap.core.clusters import detect_clusters

    m = api.estimate_map(api.load_market("BTCUSDT", "demo", demo_days=2), window="24h")
    i = int(np.searchsorted(m.edges, m.price)) - 3  # three bins below the price
    long_usd = np.array(m.long_usd)
    long_usd[2, i - 2 : i + 1] += 3.0 * float((m.long_total + m.short_total).max())
    return replace(
        m, long_usd=long_usd,
        clusters=detect_clusters(m.edges, long_usd, m.short_usd, m.price),
    )  # fmt: skip


@pytest.mark.parametrize("size", [(1600, 900), (1000, 420)])
def test_cluster_box_under_the_price_tag_moves_below_it(
    browser: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    from liqmap.render import render

    out = render(_spike_at_price(), tmp_path / "spike.html")
    p = Page(browser)
    p.context.close()
    p.context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    p.page = p.context.new_page()
    try:
        p.page.goto(out.as_uri())
        p.wait("document.querySelectorAll('.annotation').length > 3", 20)
        rects = p.js(_RECTS.replace("#map-chart ", ""))
        tag = next(r for r in rects if r["text"].startswith("Current price"))
        for r in rects:
            if r is tag:
                continue
            apart = (
                r["r"] <= tag["l"] or r["l"] >= tag["r"] or r["b"] <= tag["t"] or r["t"] >= tag["b"]
            )
            assert apart, (size, r["text"], tag)
        p.shot(f"price-tag-spike-{size[0]}.png")
    finally:
        p.close()


def test_markets_panel_lists_selects_and_scans(page: Page, api_server: str) -> None:
    """Issues 11 item 6 and 14 item 14: symbols per source, click to map, Scan ranks them."""
    wait_ready(api_server, "ETHUSDT")
    page.open(api_server + "/?source=demo&symbol=BTCUSDT")
    page.wait("document.querySelectorAll('#markets-lists .market-sym').length > 0")
    for name in ("cascade", "plan"):  # the page's first builds done (a burst may be shed: 503)
        page.wait(f"Number(document.getElementById('{name}-panel').dataset.renders) >= 1", 60)
    listed = page.js(
        "Array.from(document.querySelectorAll('#markets-lists .market-col[data-source=demo]"
        " .market-sym')).map(b => b.textContent)"
    )
    assert {"BTCUSDT", "ETHUSDT"} <= set(listed)
    head = page.js(
        "document.querySelector('.market-col[data-source=demo] .market-head').textContent"
    )
    assert head.startswith("demo")
    price_btc = page.text("stat-price")
    renders = page.renders()
    map_renders = int(page.js("Number(document.getElementById('map-chart').dataset.renders)"))
    page.page.click(".market-col[data-source=demo] .market-sym[data-symbol=ETHUSDT]")
    page.wait(f"Number(document.body.dataset.renders) > {renders}", 60)
    assert page.js("document.getElementById('symbol').value") == "ETHUSDT"
    assert "symbol=ETHUSDT" in page.js("window.location.search")
    assert (
        int(page.js("Number(document.getElementById('map-chart').dataset.renders)")) > map_renders
    )
    assert page.text("stat-price") != price_btc
    pressed = page.js("document.querySelector('.market-sym[aria-pressed=true]').dataset.symbol")
    assert pressed == "ETHUSDT"
    page.page.click("#markets-scan")
    page.wait("Number(document.getElementById('markets-panel').dataset.scans) >= 1", 120)
    assert not page.js("document.getElementById('markets-status').classList.contains('err')")
    rows = page.js(
        "Array.from(document.querySelectorAll('#markets-table tbody tr'))"
        ".map(r => Array.from(r.cells).map(c => c.textContent))"
    )
    scan = httpx.get(f"{api_server}/api/v1/scan", params={"source": "demo"}, timeout=120).json()
    assert [r[1] for r in rows] == [r["symbol"] for r in scan["rows"]]
    assert {"BTCUSDT", "ETHUSDT"} <= {r[1] for r in rows}
    for cells, row in zip(rows, scan["rows"], strict=True):
        if row["ok"]:
            assert cells[2] in ("long", "short", "none")
        else:
            assert row["error"] in cells[2]
    page.shot("markets-panel.png", "#markets-panel")
    page.shot("markets-page.png")
