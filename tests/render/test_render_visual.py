"""Rendered-figure checks of the visual defects of issue 14 (bounding boxes, labels, scales), so
they cannot come back. PNG figures are drawn on their Agg canvas and measured in pixels."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from liqmap.core.results import Coverage, LiquidationHeatmap, LiquidationMap
from liqmap.render import heatmap_figure, map_figure
from liqmap.render.heatmap_scale import color_ramp
from liqmap.render.html_heatmap import _colorscale
from liqmap.render.mpl_compare import compare_matplotlib
from liqmap.render.mpl_heatmap import heatmap_matplotlib
from liqmap.render.mpl_map import map_matplotlib
from liqmap.render.style import DARK


def _boxes(fig: Figure) -> tuple[Any, list[Bbox]]:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    return renderer, [ax.get_window_extent(renderer) for ax in fig.axes]


def _texts(fig: Figure) -> dict[str, Any]:
    return {t.get_text(): t for t in fig.texts}


def test_heatmap_legend_is_off_the_cells(heatmap: LiquidationHeatmap) -> None:
    fig = heatmap_matplotlib(heatmap)
    renderer, boxes = _boxes(fig)
    cells = boxes[0]
    assert fig.legends, "the heatmap has a legend"
    for leg in fig.legends:
        assert not leg.get_window_extent(renderer).overlaps(cells)
    assert not fig.axes[0].get_legend()  # no legend inside the axes


def test_map_texts_do_not_overlap(map_factory: Any) -> None:
    m = map_factory()
    bare = replace(m, coverage=Coverage(bars=100, expected_bars=100))  # no OI, no taker flow
    fig = map_matplotlib(bare)
    renderer, boxes = _boxes(fig)
    texts = [t for t in fig.texts if t.get_text()]
    caveat = [t for t in texts if t.get_text().startswith("⚠ No OI or taker flow")]
    assert len(caveat) == 1  # the caveat is on the chart (item 3)
    extents = [t.get_window_extent(renderer) for t in texts]
    for i, a in enumerate(extents):
        for b in extents[i + 1 :]:
            assert not a.overlaps(b)
        for ax_box in boxes:
            assert not a.overlaps(ax_box) or texts[i].get_text() == ""
    xlabel = fig.axes[0].xaxis.label.get_window_extent(renderer)
    assert not caveat[0].get_window_extent(renderer).overlaps(xlabel)


def test_truth_map_is_labelled_as_truth(liq_map: LiquidationMap) -> None:
    texts = _texts(map_matplotlib(liq_map, kind="truth"))
    joined = " ".join(texts)
    assert "TRUE Liquidation Map" in joined and "simulator" in joined
    assert "Model estimate" not in joined and "coverage" not in joined


def test_estimate_vs_truth_share_one_scale(liq_map: LiquidationMap) -> None:
    truth = replace(liq_map, long_usd=liq_map.long_usd * 8.0)  # a much taller truth
    fig = compare_matplotlib(liq_map, truth)
    est_ax, truth_ax = fig.axes[:2]
    assert est_ax.get_ylim() == truth_ax.get_ylim()
    assert est_ax.get_xlim() == truth_ax.get_xlim()
    assert est_ax.get_ylim()[1] >= float((truth.long_total + truth.short_total).max())


def _tick_labels(fig: Figure, axis: Any) -> list[str]:
    fig.canvas.draw()
    return [t.get_text() for t in axis.get_ticklabels() if t.get_text()]


def test_png_ticks_share_unit_and_decimals(map_factory: Any) -> None:
    for price in (60_000.0, 2_160.0):
        m = map_factory(price=price)
        fig = map_matplotlib(m)
        usd = _tick_labels(fig, fig.axes[0].yaxis)
        units = {t.rstrip("0123456789.,")[-1:] for t in usd if t not in ("\\$0", "$0")}
        assert len({t[-1] for t in usd if t[-1] in "kMB"}) <= 1, usd
        decimals = {
            len(t.split(".")[1].rstrip("kMB")) if "." in t else 0 for t in usd if t[-1] in "kMB"
        }
        assert len(decimals) <= 1, usd
        assert units or usd
        prices = _tick_labels(fig, fig.axes[0].xaxis)
        assert not any(p.endswith(".0") for p in prices), prices  # ETH axes: 1,800 not 1,800.0


def test_html_map_price_axis_decimals(map_factory: Any) -> None:
    assert map_figure(map_factory(price=2_160.0)).layout.xaxis.tickformat == ",.0f"


def test_png_and_html_colour_scales_match() -> None:
    """Item 7: one scale in both: the HTML stops are the PNG's colours at the same USD."""
    u = np.linspace(0.0, 1.0, 48)
    png = colormaps[DARK.heatmap_cmap](color_ramp(DARK, u))
    stops = _colorscale(DARK)
    np.testing.assert_allclose([p for p, _ in stops], u)  # stops linear in USD, like the PNG bar
    for (_, color), want in zip(stops, png, strict=True):
        got = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
        np.testing.assert_allclose(got, want[:3], atol=0.5 / 255 + 1e-9)


def test_heatmap_view_is_where_the_liquidity_is(heatmap: LiquidationHeatmap) -> None:
    fig = heatmap_figure(heatmap)
    lo, hi = fig.layout.yaxis.range
    last = float(heatmap.price_path.close[-1])
    assert lo >= float(heatmap.price_path.low.min()) - 0.125 * last
    assert hi <= float(heatmap.price_path.high.max()) + 0.125 * last
    assert "square-root ramp" in fig.layout.title.subtitle.text
