"""The dashboard in real headless Chromium (Playwright driving /usr/bin/chromium).

The page must load without console errors, draw the map and the heatmap with the renderers'
traces, show the per-tier breakdown on hover, redraw when a selector changes, and take live
updates without reloading. Screenshots go to ``test-artifacts/web/``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _web import ARTIFACTS, chromium_or_skip, serve

from liqmap.settings import Settings
from liqmap.web import WebConfig, create_app

pytestmark = pytest.mark.e2e

ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]  # fmt: skip
TIERS = ["2.5x", "5x", "10x", "25x", "50x", "100x"]  # the cells of the leverage law


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    exe = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(exe), args=ARGS)
        yield b
        b.close()


class Page:
    """A page plus the console errors and failed requests it produced."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1600, "height": 1250})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.closed = False
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def close(self) -> None:
        """Close the page (before its server stops: a vanished server is a console error)."""
        if not self.closed:
            self.context.close()
            self.closed = True

    def js(self, expr: str) -> Any:
        return self.page.evaluate(expr)

    def wait(self, expr: str, timeout: float = 30.0) -> None:
        """Poll ``expr`` (evaluated as the page's CSP forbids Playwright's eval-based waits)."""
        deadline = time.monotonic() + timeout
        while not self.js(expr):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expr}; console errors: {self.errors}")
            time.sleep(0.05)

    def renders(self) -> int:
        return int(self.js("Number(document.body.dataset.renders || 0)"))

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.wait("Number(document.body.dataset.renders || 0) >= 1")

    def traces(self, chart: str) -> list[dict[str, Any]]:
        return list(
            self.js(
                f"Array.from(document.getElementById('{chart}').data)"
                ".map(t => ({type: t.type, name: t.name || ''}))"
            )
        )

    def shot(self, name: str, selector: str | None = None) -> None:
        """Save a screenshot of the page (or of the element ``selector``) as an artifact."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        if selector is None:
            self.js("window.scrollTo(0, 0)")  # else the sticky top bar lands mid-page
            self.page.screenshot(path=str(ARTIFACTS / name), full_page=True)
        else:
            self.page.locator(selector).screenshot(path=str(ARTIFACTS / name))

    def panel_renders(self, name: str) -> int:
        return int(self.js(f"Number(document.getElementById('{name}-panel').dataset.renders)"))

    def redrawn(self, name: str, before: int) -> None:
        """Wait until panel ``name`` drew again and shows no error."""
        self.wait(
            f"Number(document.getElementById('{name}-panel').dataset.renders) > {before} && "
            f"!document.getElementById('{name}-status').classList.contains('err')"
        )

    def text(self, element_id: str) -> str:
        return str(self.js(f"document.getElementById('{element_id}').textContent"))


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    p = Page(browser)
    yield p
    p.close()
    assert p.errors == [], f"console errors: {p.errors}"


def test_page_loads_and_draws_map_and_heatmap(page: Page, api_server: str) -> None:
    page.open(api_server + "/")
    names = [t["name"] for t in page.traces("map-chart")]
    for tier in TIERS:
        assert tier in names
    assert {"Bin detail", "Cumulative longs", "Cumulative shorts"} <= set(names)
    assert any(n.startswith("Current price") for n in names)
    heat = page.traces("heat-chart")
    assert heat[0] == {"type": "heatmap", "name": "Liquidation levels"}
    assert any(t["name"].startswith("Price") for t in heat)
    assert any("liquidations (observed)" in t["name"] for t in heat), "event markers"
    assert page.js("document.querySelectorAll('#clusters tbody tr[data-side]').length") > 0
    assert "BTCUSDT at" in page.js("document.getElementById('reading').textContent")
    assert page.js("document.getElementById('stat-price').textContent") not in ("", "–")
    page.shot("dashboard.png")


def test_hover_shows_the_bin_and_usd_per_tier(page: Page, api_server: str) -> None:
    page.open(api_server + "/")
    pos = page.js("""() => {
      const gd = document.getElementById('map-chart');
      const tr = gd._fullData.find(t => t.name === 'Bin detail');
      let best = 0;
      for (let i = 1; i < tr.y.length; i++) if (tr.y[i] > tr.y[best]) best = i;
      const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
      return {x: r.left + xa._offset + xa.l2p(tr.x[best]), y: r.top + ya._offset + ya.l2p(tr.y[best] / 2)};
    }""")
    page.page.mouse.move(pos["x"], pos["y"])
    page.wait("document.querySelectorAll('#map-chart .hoverlayer .hovertext').length > 0", 10)
    text = page.js("document.querySelector('#map-chart .hoverlayer .hovertext').textContent")
    assert text.startswith("Price ") and " – " in text  # the price bin, low – high
    assert "Longs $" in text or "Shorts $" in text
    shown = [tier for tier in TIERS if f"  {tier}: $" in text or text.count(f"{tier}: $")]
    assert shown, text  # the tiers holding USD in the bin; those at $0 are hidden (item 10)
    assert ": $0 " not in text + " " and not text.endswith(": $0"), text
    page.shot("hover.png")


def test_changing_a_selector_redraws(page: Page, api_server: str) -> None:
    page.open(api_server + "/")
    before = page.renders()
    page.page.click("#window button[data-window='7d']")
    page.wait(f"Number(document.body.dataset.renders) > {before}")
    assert "7d" in page.js("document.getElementById('stat-asof').textContent")
    span = page.js("""() => {
      const r = document.getElementById('heat-chart')._fullLayout.xaxis.range;
      return (new Date(r[1]) - new Date(r[0])) / 86400000;
    }""")
    assert 6.5 < span < 7.5
    assert "window=7d" in page.page.url

    before = page.renders()
    page.page.select_option("#symbol", "ETHUSDT")
    page.wait(f"Number(document.body.dataset.renders) > {before}")
    price = float(page.js("document.getElementById('stat-price').textContent").replace(",", ""))
    assert 100 < price < 20_000  # ETH, not BTC

    before = page.renders()
    for tier in ("2.5x", "5x", "10x", "50x"):
        page.page.click(f"#tiers button[data-tier='{tier}']")
    drawn = (
        "new Set(document.getElementById('map-chart').data"
        ".filter(t => t.type === 'bar' && t.name !== 'Bin detail').map(t => t.name))"
    )
    page.wait(
        f"(() => {{ const n = {drawn}; return n.size === 2 && n.has('25x') && n.has('100x'); }})()"
    )
    assert "tiers=25x%2C100x" in page.page.url or "tiers=25x,100x" in page.page.url
    chips = page.js(
        "Array.from(document.querySelectorAll('#tiers button')).map(b => b.getAttribute('aria-pressed'))"
    )
    assert chips == ["false", "false", "false", "true", "false", "true"]
    page.shot("selectors.png")


def test_liquidation_price_calculator(page: Page, api_server: str) -> None:
    page.open(api_server + "/")
    page.page.fill("#calc-entry", "60000")
    page.page.fill("#calc-leverage", "20")
    page.page.fill("#calc-notional", "100000")
    page.page.click("#calc button[type=submit]")
    page.wait("document.querySelector('#calc-result .big') !== null", 10)
    shown = page.js("document.querySelector('#calc-result .big').textContent")
    expected = httpx.get(
        f"{api_server}/api/v1/liqprice",
        params={"side": "long", "entry": 60000, "leverage": 20, "notional": 100000,
                "exchange": "binance", "symbol": "BTCUSDT"},
    ).json()["liquidation_price"]  # fmt: skip
    assert float(shown.replace(",", "")) == pytest.approx(expected, abs=1.0)


def test_a_live_update_arrives_without_reloading(page: Page, live_server: str) -> None:
    page.open(live_server + "/")
    page.js("window.__marker = 'same page'")
    first = page.js("document.getElementById('stat-asof').textContent")
    renders = page.renders()
    page.wait("window.liqmapDashboard.updates >= 2", 20)
    page.wait(f"Number(document.body.dataset.renders) > {renders}", 20)
    page.wait(f"document.getElementById('stat-asof').textContent !== {first!r}", 20)
    cascades = page.panel_renders("cascade")
    page.wait(f"Number(document.getElementById('cascade-panel').dataset.renders) > {cascades}", 20)
    assert page.js("window.__marker") == "same page"  # no reload
    # the demo's feed is simulated time, said so (issue 14 item 2); the dot is on while it runs
    assert "simulated feed" in page.js("document.getElementById('live-text').textContent")
    assert page.js("document.getElementById('live').dataset.status") == "on"
    page.shot("live.png")


def test_alerts_are_shown_on_the_page(page: Page, tmp_path: Path) -> None:
    alerts = pytest.importorskip("liqmap.alerts", reason="needs the alert pipeline")
    rules = {
        "rule": [
            {"name": "near-cluster", "kind": "cluster_proximity", "symbols": "*", "side": "any",
             "within_pct": 50.0, "min_usd": 1.0, "cooldown": "1h"}
        ]
    }  # fmt: skip
    service = alerts.AlertService(alerts.parse_config(rules, source="test"))
    app = create_app(Settings(home=tmp_path), None, service, config=WebConfig(demo_speed=5.0))
    with serve(app) as s:
        page.open(s.url + "/")
        page.wait("document.querySelectorAll('#alerts li:not(.empty)').length > 0", 30)
        text = page.js("document.querySelector('#alerts li').textContent")
        assert "near-cluster" in text and "BTCUSDT" in text
        page.shot("alerts.png")
        page.close()


def _fmt(page: Page, kind: str, x: float) -> str:
    """``x`` as the page formats it (``fmtUsd`` or ``fmtPrice`` of format.js)."""
    return str(page.js(f"window.liqmapFormat.{kind}({x!r})"))


def test_cascade_panel_runs_a_shock(page: Page, api_server: str) -> None:
    page.open(api_server + "/")
    page.wait("Number(document.getElementById('cascade-panel').dataset.renders) >= 1")
    assert "SIMULATED" in page.text("cascade-source")  # the demo market says so
    assert "draws" in page.text("cascade-outcomes")  # the impact law's outcome distribution
    assert "with fresh positions within 1h" in page.text("cascade-outcomes")
    before = page.panel_renders("cascade")
    page.page.select_option("#cascade-model", "book")
    page.redrawn("cascade", before)
    before = page.panel_renders("cascade")
    page.page.select_option("#cascade-depth", "power")
    page.page.fill("#cascade-power-usd", "15M")
    page.page.fill("#cascade-shock", "-4")
    page.redrawn("cascade", before)
    page.wait(  # the last inputs drawn (each keystroke may have drawn on its way)
        "document.getElementById('cascade-shock-price-sub').textContent.startsWith('shock -4.0%') "
        "&& document.getElementById('cascade-depth-src').textContent.includes('15,000,000 USD')"
    )
    params = {"shock": -4, "depth_model": "power:15000000,1", "source": "demo",
              "symbol": "BTCUSDT", "window": "24h", "model": "book"}  # fmt: skip
    r = httpx.get(f"{api_server}/api/v1/cascade", params=params).json()
    names = {t["name"] for t in page.traces("cascade-chart")}
    assert {"Cascade path", "Absorption: forced USD the market takes", "25x"} <= names
    assert r["total_liquidated_usd"] > 0
    assert page.text("cascade-total") == _fmt(page, "fmtUsd", r["total_liquidated_usd"])
    assert page.text("cascade-pin") == _fmt(page, "fmtPrice", r["pin_price"])
    assert page.text("cascade-final") == _fmt(page, "fmtPrice", r["final_price"])
    assert page.text("cascade-amp") == f"{r['amplification']:.2f}×"
    assert r["stop_text"] in page.text("cascade-stop")
    rows = page.js("document.getElementById('cascade-steps').tBodies[0].rows.length")
    assert rows == len(r["steps"])
    page.shot("cascade.png", "#cascade-panel")

    before = page.panel_renders("cascade")
    page.page.click("#cascade-mode button[data-value='order']")
    page.page.fill("#cascade-order", "-250M")
    page.redrawn("cascade", before)
    page.wait(
        "document.getElementById('cascade-shock-price-sub').textContent.includes('sell $250')"
    )

    before = page.panel_renders("cascade")
    page.page.select_option("#symbol", "ETHUSDT")  # the panel follows the selection
    page.redrawn("cascade", before)
    page.wait("document.getElementById('cascade-depth-src').textContent.includes('power law')")


def test_plan_panel_shows_stop_and_targets(page: Page, api_server: str) -> None:
    page.open(api_server + "/")
    page.wait("Number(document.getElementById('plan-panel').dataset.renders) >= 1")
    params = {"side": "long", "size_usd": 5e6, "source": "demo", "symbol": "BTCUSDT",
              "window": "24h"}  # fmt: skip
    p = httpx.get(f"{api_server}/api/v1/plan", params=params).json()
    assert page.text("plan-stop") == _fmt(page, "fmtPrice", p["stop"]["price"])
    assert float(page.js("document.getElementById('plan-entry').value")) == pytest.approx(
        p["price"], abs=1.0
    )  # entry defaults to the current price
    rows = page.js("document.getElementById('plan-targets').tBodies[0].rows.length")
    assert rows == len(p["take_profits"]) > 0
    targets = page.text("plan-targets")
    for tp in p["take_profits"]:
        assert _fmt(page, "fmtPrice", tp["price"]) in targets
        assert _fmt(page, "fmtUsd", tp["cluster"]["usd"]) in targets  # the numbers behind it
    assert "bps" in page.text("plan-exec")
    assert "not financial advice" in page.text("plan-disclaimer").lower()
    assert "SIMULATED" in page.text("plan-source")
    assert page.js("document.getElementById('plan-disclaimer').offsetParent !== null")
    labels = page.js(
        "Array.from(document.getElementById('plan-chart').layout.annotations).map(a => a.text)"
    )
    assert any(t.startswith("stop ") for t in labels) and any(t.startswith("TP1 ") for t in labels)
    page.shot("plan.png", "#plan-panel")

    before = page.panel_renders("plan")
    page.page.click("#plan-side button[data-value='short']")
    page.redrawn("plan", before)
    page.wait("document.getElementById('plan-entry-sub').textContent.startsWith('short')")
    stop = float(page.text("plan-stop").replace(",", ""))
    assert stop > p["price"]  # a short's stop sits above
    before = page.panel_renders("plan")
    page.page.fill("#plan-entry", "53000")
    page.redrawn("plan", before)
    page.wait("document.getElementById('plan-entry-sub').textContent.includes('from')")
    page.shot("dashboard-panels.png")


_BOXES = """(id) => {
  const gd = document.getElementById(id);
  const anns = gd.layout.annotations;
  return anns.map((a, i) => {
    const n = gd.querySelector(`g.annotation[data-index="${i}"]`);
    const r = n ? n.getBoundingClientRect() : null;
    return {text: a.text,
            line: (a.textangle === -90 && a.yref === 'paper') || String(a.text).includes('→ pin'),
            box: r && r.width > 0 ? [r.left, r.top, r.right, r.bottom] : null};
  });
}"""


def _overlapping(boxes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Pairs of drawn line labels that overlap each other or any other annotation."""
    drawn = [b for b in boxes if b["box"] is not None]
    out = []
    for i, a in enumerate(drawn):
        for b in drawn[i + 1 :]:
            if not (a["line"] or b["line"]):
                continue
            (l1, t1, r1, b1), (l2, t2, r2, b2) = a["box"], b["box"]
            if l1 < r2 and l2 < r1 and t1 < b2 and t2 < b1:
                out.append((a["text"], b["text"]))
    return out


@pytest.mark.parametrize("shock", ["-3", "-0.5", "4"])
def test_cascade_and_plan_labels_never_overlap(page: Page, api_server: str, shock: str) -> None:
    """The rendered boxes of the shock/pin/final and entry/stop/TP labels and the cascade summary
    overlap neither each other nor the current-price label (small shocks put the lines close)."""
    page.open(api_server + "/")
    page.wait("Number(document.getElementById('plan-panel').dataset.renders) >= 1")
    before = page.panel_renders("cascade")
    page.page.fill("#cascade-shock", shock)
    page.redrawn("cascade", before)
    for chart in ("cascade-chart", "plan-chart"):
        boxes = page.js(f"({_BOXES})('{chart}')")
        assert sum(b["line"] and b["box"] is not None for b in boxes) >= 2, boxes
        assert any("Current price" in b["text"] and b["box"] for b in boxes)
        assert _overlapping(boxes) == [], (chart, _overlapping(boxes))
    page.shot(f"labels{shock}.png", "#cascade-panel")
