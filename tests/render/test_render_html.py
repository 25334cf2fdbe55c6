"""Plotly figures and self-contained HTML files."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest

from liqmap.core.results import LiquidationHeatmap, LiquidationMap, tier_label
from liqmap.render import heatmap_figure, map_figure, render_heatmap_html, render_map_html
from liqmap.render.html_heatmap import HEATMAP_TRACE_NAME
from liqmap.render.html_map import HOVER_TRACE_NAME


def _side_bars(fig: go.Figure, side: str) -> list[Any]:
    return [t for t in fig.data if t.type == "bar" and (t.meta or {}).get("side") == side]


def _offline(text: str) -> None:
    """plotly.js is inline (megabytes of it) and nothing is fetched from a CDN."""
    assert len(text) > 2_000_000
    assert "plotly.js v" in text
    assert not re.search(r"<script[^>]+src=[\"']?https?:", text)
    assert "cdn.plot.ly" not in text.split("plotly.js v", 1)[0]  # nothing before the bundle


def test_map_figure_traces(liq_map: LiquidationMap) -> None:
    fig = map_figure(liq_map)
    labels = [tier_label(lv) for lv in liq_map.leverages]
    for side in ("long", "short"):
        bars = _side_bars(fig, side)
        assert [b.meta["tier"] for b in bars] == labels  # one bar trace per tier per side
        assert all(b.name == b.legendgroup for b in bars)
        assert all(b.showlegend is (side == "long") for b in bars)  # one legend entry per tier
    names = [t.name for t in fig.data]
    assert "Cumulative longs" in names and "Cumulative shorts" in names
    price = next(t for t in fig.data if str(t.name).startswith("Current price"))
    assert list(price.x) == [liq_map.price, liq_map.price]


def test_map_bars_stack_to_the_side_totals(liq_map: LiquidationMap) -> None:
    fig = map_figure(liq_map)
    for side, total in (("long", liq_map.long_total), ("short", liq_map.short_total)):
        tops: dict[float, float] = {}
        for b in _side_bars(fig, side):
            for x, y in zip(b.x, b.y, strict=True):
                tops[float(x)] = tops.get(float(x), 0.0) + float(y)
        assert sum(tops.values()) == pytest.approx(float(total.sum()))


def test_map_hover_shows_bin_range_and_every_tier(liq_map: LiquidationMap) -> None:
    fig = map_figure(liq_map)
    hover = next(t for t in fig.data if t.name == HOVER_TRACE_NAME)
    labels = [tier_label(lv) for lv in liq_map.leverages]
    assert len(hover.hovertext) == int(((liq_map.long_total + liq_map.short_total) > 0).sum())
    for text in hover.hovertext:
        assert re.search(r"Price [\d,]+ – [\d,]+", text)
        for label in labels:
            assert f"{label}: $" in text
    below = [t for t, x in zip(hover.hovertext, hover.x, strict=True) if x < liq_map.price]
    assert all("Longs $" in t for t in below)


def test_map_clusters_annotated(liq_map: LiquidationMap) -> None:
    notes = [a.text for a in map_figure(liq_map).layout.annotations]
    top = min(liq_map.clusters, key=lambda c: c.rank)
    assert any(f"{top.price:,.0f}" in n for n in notes)
    assert any("Current price" in n for n in notes)
    quiet = [a.text for a in map_figure(liq_map, clusters=False).layout.annotations]
    assert not any(f"{top.price:,.0f}" in n for n in quiet)


def test_map_html_file(tmp_path: Path, liq_map: LiquidationMap) -> None:
    out = render_map_html(liq_map, tmp_path / "map.html")
    text = out.read_text(encoding="utf-8")
    _offline(text)
    assert "<title>BTCUSDT · Binance — Liquidation Map (7d)" in text
    top_tier = f"{liq_map.leverages[-1]:g}x"  # the highest cell of the leverage law
    for label in ("Cumulative longs", "Cumulative shorts", "Current price", top_tier):
        assert label in text


def test_map_html_shades_the_80pct_band(tmp_path: Path, liq_map: LiquidationMap) -> None:
    import dataclasses

    import numpy as np

    lt, st = liq_map.long_total, liq_map.short_total
    banded = dataclasses.replace(liq_map, band_usd=np.vstack([lt / 2, lt * 2, st / 2, st * 2]))
    text = render_map_html(banded, tmp_path / "band.html").read_text(encoding="utf-8")
    assert "80% band" in text and "tonexty" in text
    assert "80% band" not in render_map_html(liq_map, tmp_path / "m.html").read_text("utf-8")


def test_zero_map_html(tmp_path: Path, zero_map: LiquidationMap) -> None:
    with np.errstate(all="raise"):
        fig = map_figure(zero_map)
    assert len(_side_bars(fig, "long")) == len(zero_map.leverages)
    hover = next(t for t in fig.data if t.name == HOVER_TRACE_NAME)
    assert len(hover.x) == 0
    _offline(render_map_html(zero_map, tmp_path / "zero.html").read_text(encoding="utf-8"))


def test_heatmap_figure(heatmap: LiquidationHeatmap) -> None:
    fig = heatmap_figure(heatmap)
    heat = fig.data[0]
    assert heat.type == "heatmap" and heat.name == HEATMAP_TRACE_NAME
    assert np.asarray(heat.z).shape == (len(heatmap.edges) - 1, len(heatmap.ts_ms))
    assert np.asarray(heat.customdata).shape == (len(heatmap.edges) - 1, len(heatmap.ts_ms), 2)
    for part in ("UTC", "customdata[0]", "customdata[1]", "$%{z"):
        assert part in heat.hovertemplate
    assert fig.layout.xaxis.type == "date"
    names = [t.name for t in fig.data]
    assert "Long liquidations (observed)" in names and "Short liquidations (observed)" in names
    assert names[1] in ("Price", "Price (close)")  # the path is drawn above the heatmap


@pytest.mark.parametrize(("mode", "kind"), [("line", "scatter"), ("candles", "candlestick")])
def test_heatmap_path_modes(heatmap: LiquidationHeatmap, mode: Any, kind: str) -> None:
    assert heatmap_figure(heatmap, price_path=mode).data[1].type == kind


def test_heatmap_without_events(
    heatmap_no_events: LiquidationHeatmap, heatmap: LiquidationHeatmap
) -> None:
    for fig in (heatmap_figure(heatmap_no_events), heatmap_figure(heatmap, events=False)):
        assert [t.type for t in fig.data] == ["heatmap", "scatter"]


def test_heatmap_html_file(tmp_path: Path, heatmap: LiquidationHeatmap) -> None:
    text = render_heatmap_html(heatmap, tmp_path / "heat.html").read_text(encoding="utf-8")
    _offline(text)
    assert '"type":"heatmap"' in text
    assert "Long liquidations (observed)" in text


def test_large_heatmap_hover_falls_back_to_mid_price(
    heatmap_factory: Callable[..., LiquidationHeatmap], monkeypatch: pytest.MonkeyPatch
) -> None:
    from liqmap.render import html_heatmap

    monkeypatch.setattr(html_heatmap, "HOVER_CELL_LIMIT", 100)
    heat = heatmap_figure(heatmap_factory(n_times=20, n_bins=50)).data[0]
    assert heat.customdata is None
    assert "Price %{y" in heat.hovertemplate


def test_failed_html_write_leaves_no_temp_file(
    tmp_path: Path, liq_map: LiquidationMap, monkeypatch: pytest.MonkeyPatch
) -> None:
    from liqmap.io import atomic

    def no_space(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "fsync", no_space)
    with pytest.raises(OSError, match="disk full"):
        render_map_html(liq_map, tmp_path / "map.html")
    assert list(tmp_path.iterdir()) == []


def test_price_off_chart_is_pinned_to_the_edge(liq_map: LiquidationMap) -> None:
    from dataclasses import replace

    moved = replace(liq_map, price=70_000.0)
    notes = map_figure(moved).layout.annotations
    tag = next(a for a in notes if "Current price" in a.text)
    assert tag.x == pytest.approx(float(liq_map.edges[-1]))
    assert tag.xanchor == "right" and "▶" in tag.text
