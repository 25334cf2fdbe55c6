"""Plotly figures and self-contained HTML files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest

from liqmap.core.results import LiquidationHeatmap, LiquidationMap, tier_label
from liqmap.render import heatmap_figure, map_figure, render_heatmap_html, render_map_html
from liqmap.render.heatmap_scale import DEFAULT_VIEW_PCT, MAX_CANDLES, view_rows
from liqmap.render.html_heatmap import HEATMAP_TRACE_NAME
from liqmap.render.html_map import HOVER_TRACE_NAME


def _side_bars(fig: go.Figure, side: str) -> list[Any]:
    return [t for t in fig.data if t.type == "bar" and (t.meta or {}).get("side") == side]


def _offline(text: str) -> None:
    """The partial plotly.js bundle is inline and nothing is fetched from a CDN."""
    assert len(text) > 1_400_000
    assert "plotly.js (cartesian - minified) v" in text
    assert not re.search(r"<script[^>]+src=[\"']?https?:", text)
    assert "cdn.plot.ly" not in text.split("plotly.js (cartesian", 1)[0]  # nothing before it


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


def test_map_hover_shows_bin_range_and_the_tiers_holding_usd(liq_map: LiquidationMap) -> None:
    fig = map_figure(liq_map)
    hover = next(t for t in fig.data if t.name == HOVER_TRACE_NAME)
    labels = [tier_label(lv) for lv in liq_map.leverages]
    assert len(hover.hovertext) == int(((liq_map.long_total + liq_map.short_total) > 0).sum())
    both = liq_map.long_usd + liq_map.short_usd
    keep = np.flatnonzero(both.sum(axis=0) > 0)
    for i, text in zip(keep, hover.hovertext, strict=True):
        assert re.search(r"Price [\d,]+ – [\d,]+", text)
        for t, label in enumerate(labels):
            # a tier holding $0 in the bin is not listed (issue 14 item 10)
            assert (f"  {label}: $" in text) == bool(both[t, i] >= 0.5), (label, text)
        assert ": $0<" not in text + "<"
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
    i0, i1 = view_rows(heatmap.edges, heatmap.price_path, DEFAULT_VIEW_PCT)
    assert np.asarray(heat.z).shape == (i1 - i0, len(heatmap.ts_ms))  # only the viewed rows
    assert heat.customdata is None  # no per-cell copies of the bin edges (file size)
    for part in ("UTC", "Price %{y", " ± ", "$%{z"):
        assert part in heat.hovertemplate
    full = heatmap_figure(heatmap, view_pct=None).data[0]
    assert np.asarray(full.z).shape == (len(heatmap.edges) - 1, len(heatmap.ts_ms))
    assert fig.layout.xaxis.type == "date"
    names = [t.name for t in fig.data]
    assert "Long liquidations (observed)" in names and "Short liquidations (observed)" in names
    assert names[1] in ("Price", "Price (close)")  # the path is drawn above the heatmap


@pytest.mark.parametrize(
    ("mode", "kinds"), [("line", {"scatter"}), ("candles", {"scatter", "bar"})]
)
def test_heatmap_path_modes(heatmap: LiquidationHeatmap, mode: Any, kinds: set[str]) -> None:
    fig = heatmap_figure(heatmap, price_path=mode, events=False)
    assert {t.type for t in fig.data[1:]} == kinds  # candles: wick lines + body bars
    if mode == "candles":
        bodies = [t for t in fig.data if t.type == "bar"]
        assert sum(len(t.x) for t in bodies) <= MAX_CANDLES


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


def test_html_uses_only_trace_types_of_the_partial_bundle(
    liq_map: LiquidationMap, heatmap: LiquidationHeatmap
) -> None:
    """The charts ship plotly's cartesian bundle (issue 14 item 11): no other trace types."""
    allowed = {"bar", "scatter", "heatmap"}
    for fig in (
        map_figure(liq_map),
        *(heatmap_figure(heatmap, price_path=m) for m in ("line", "candles")),
    ):
        assert {t.type for t in fig.data} <= allowed


def test_shared_script_mode(
    tmp_path: Path, liq_map: LiquidationMap, heatmap: LiquidationHeatmap
) -> None:
    a = render_map_html(liq_map, tmp_path / "map.html", js="shared")
    b = render_heatmap_html(heatmap, tmp_path / "heat.html", js="shared")
    shared = tmp_path / "plotly-cartesian.min.js"
    assert shared.stat().st_size > 1_000_000
    for page in (a, b):
        text = page.read_text(encoding="utf-8")
        assert '<script src="plotly-cartesian.min.js"></script>' in text
        assert page.stat().st_size < 600_000


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
