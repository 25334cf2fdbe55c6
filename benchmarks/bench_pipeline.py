"""Targets of the helpers' modules: file loading, clustering, rendering."""

from __future__ import annotations

import tempfile
from pathlib import Path

from benchmarks._harness import Result, measure, require_shared
from benchmarks.data import btc_1m_30d, btc_table
from liqmap.core.clusters import detect_clusters
from liqmap.core.maps import estimate_map
from liqmap.io.files import load_candles
from liqmap.render import render_map_png

DAY = 86_400_000


def run() -> list[Result]:
    path = require_shared() / "bars" / "binance-um-1m-BTCUSDT-2025-05-25_2025-06-24.csv.gz"
    m = estimate_map(btc_1m_30d(), window_ms=30 * DAY, table=btc_table(), bins=2000)
    out = Path(tempfile.mkdtemp()) / "map.png"
    return [
        Result("load 43,198 1m bars from .csv.gz", measure(lambda: load_candles(path)), 0.100),
        Result(
            "detect clusters on a 2,000-bin, 5-tier map",
            measure(lambda: detect_clusters(m.edges, m.long_usd, m.short_usd, m.price), repeat=51),
            0.002,
        ),
        Result(
            "render a 2,000-bin map to PNG", measure(lambda: render_map_png(m, out), repeat=3), 1.5
        ),
    ]
