"""Chart file sizes stay small (issue 14 item 11; the figures are in docs/web.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from liqmap import api
from liqmap.render import render
from liqmap.render._plotly import PLOTLY_JS


@pytest.fixture(scope="module")
def demo() -> api.MarketData:
    return api.load_market("BTCUSDT", "demo", demo_days=4)


def test_demo_chart_sizes(tmp_path: Path, demo: api.MarketData) -> None:
    m = api.estimate_map(demo, window="24h")
    h = api.estimate_heatmap(demo, window="3d")
    shared_map = render(m, tmp_path / "shared" / "map.html", js="shared")
    shared_heat = render(h, tmp_path / "shared" / "heatmap.html", js="shared")
    inline_map = render(m, tmp_path / "inline" / "map.html")
    assert PLOTLY_JS.stat().st_size < 1_600_000  # the partial bundle, not the 4.8 MB one
    assert (tmp_path / "shared" / PLOTLY_JS.name).stat().st_size == PLOTLY_JS.stat().st_size
    assert shared_map.stat().st_size < 250_000
    assert shared_heat.stat().st_size < 1_500_000
    assert inline_map.stat().st_size < PLOTLY_JS.stat().st_size + 250_000
