"""Chart text: USD amounts, prices, titles."""

from __future__ import annotations

import math

import numpy as np
import pytest

from liqmap.core.results import LiquidationHeatmap, LiquidationMap
from liqmap.render.formatting import (
    bin_width_text,
    coverage_text,
    exchange_name,
    format_pct,
    format_price,
    format_usd,
    heatmap_subtitle,
    heatmap_title,
    leverage_mix_text,
    map_subtitle,
    map_title,
    price_decimals,
    utc_text,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "$0"),
        (950.0, "$950"),
        (12_500_000.0, "$12.5M"),
        (999_700.0, "$1.0M"),  # rounds up into the next unit, never "$1000k"
        (-3_000_000.0, "-$3.0M"),
        (math.nan, "n/a"),
    ],
)
def test_charts_use_the_one_usd_format(value: float, text: str) -> None:
    from liqmap.core import reading

    assert format_usd is reading.format_usd
    assert format_usd(value) == text


def test_format_price_and_decimals() -> None:
    from liqmap.core import reading

    for p in (60_123.456, 3_456.78, 0.123456):
        assert format_price(p) == reading.format_price(p)
    assert format_price(60_123.456) == "60,123"
    assert format_price(60_000.0, 2) == "60,000.00"  # fixed decimals for aligned labels
    assert price_decimals(60_000.0, 0.5) == 1  # bins of 0.5 need one decimal
    assert price_decimals(60_000.0, 30.0) == 0
    assert price_decimals(0.0) == 0


def test_small_texts() -> None:
    assert format_pct(-2.5) == "-2.50%"
    assert utc_text(0) == "1970-01-01 00:00 UTC"
    assert exchange_name("okx") == "OKX"
    assert exchange_name("kraken") == "kraken"
    assert leverage_mix_text((10.0, 25.0), (0.4, 0.6)) == "10x 40% · 25x 60%"
    assert leverage_mix_text((10.0, 25.0), ()) == "10x · 25x"


def test_bin_width_text() -> None:
    assert bin_width_text(np.linspace(54_000, 66_000, 401), 60_000) == "bin width 30"
    log_edges = 50_000 * 1.001 ** np.arange(50)
    assert bin_width_text(log_edges, 50_000) == "bin width 0.1%"
    assert bin_width_text(np.array([1.0, 2.0, 4.0, 5.0]), 3.0).startswith("bin width 1")
    assert bin_width_text(np.array([1.0]), 1.0) == "no bins"


def test_titles_name_symbol_exchange_window_and_time(
    liq_map: LiquidationMap, heatmap: LiquidationHeatmap
) -> None:
    title = map_title(liq_map)
    for part in ("BTCUSDT", "Binance", "(7d)", "2026-02-07 12:00 UTC"):
        assert part in title
    sub = map_subtitle(liq_map)
    assert "Longs $" in sub and "Shorts $" in sub and "beyond the chart" in sub
    assert "9,960/10,080 bars, 1 gap" in sub
    assert "BTCUSDT" in heatmap_title(heatmap) and "→" in heatmap_title(heatmap)
    assert "observed liquidations" in heatmap_subtitle(heatmap, 1e6)


def test_coverage_text_mentions_events_unless_told_not_to(heatmap: LiquidationHeatmap) -> None:
    cov = heatmap.coverage
    assert "liquidation events" in coverage_text(cov)
    assert "liquidation events" not in coverage_text(cov, events=False)
