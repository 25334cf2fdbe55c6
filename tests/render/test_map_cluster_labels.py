"""The PNG map's cluster labels overlap neither each other nor the current-price tag (measured on
the drawn figure), on the demo market where close clusters used to collide."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text

import liqmap
from liqmap.render._declutter import boxes_overlap
from liqmap.render.mpl_map import map_matplotlib


def _boxes(fig: Figure) -> list[tuple[str, object]]:
    fig.canvas.draw()
    r = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    texts = [t for ax in fig.axes for t in ax.texts if t.get_text().strip()]
    labels = [t for t in texts if isinstance(t, Annotation)]
    price = [t for t in texts if "Current price" in t.get_text()]
    assert len(labels) >= 4 and len(price) == 1
    return [(t.get_text(), Text.get_window_extent(t, r)) for t in [*labels, *price]]


def _overlaps(fig: Figure) -> list[tuple[str, str]]:
    boxes = _boxes(fig)
    return [
        (a, b)
        for i, (a, ba) in enumerate(boxes)
        for b, bb in boxes[i + 1 :]
        if boxes_overlap(ba, bb, pad=1.0)  # type: ignore[arg-type]
    ]


@pytest.fixture(scope="module")
def demo_map() -> liqmap.LiquidationMap:
    return liqmap.estimate_map(liqmap.load_market("BTCUSDT", "demo", demo_days=7.0), window="24h")


def test_cluster_labels_do_not_overlap(demo_map: liqmap.LiquidationMap) -> None:
    assert _overlaps(map_matplotlib(demo_map)) == []


def test_without_the_lift_the_demo_labels_collide(
    demo_map: liqmap.LiquidationMap, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check can fail: with the measured lift switched off two labels overlap."""
    import liqmap.render.mpl_map as mm

    monkeypatch.setattr(mm, "lift_annotations", lambda fig, labels: None)
    assert _overlaps(map_matplotlib(demo_map)) != []


def test_titles_fit_the_figure(demo_map: liqmap.LiquidationMap) -> None:
    """No header line runs off the chart's right edge (the demo heatmap's subtitle did)."""
    from liqmap.render.mpl_heatmap import heatmap_matplotlib

    data = liqmap.load_market("BTCUSDT", "demo", demo_days=7.0)
    for fig in (map_matplotlib(demo_map), heatmap_matplotlib(liqmap.estimate_heatmap(data, window="3d"))):  # fmt: skip
        fig.canvas.draw()
        r = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        for t in fig.texts:
            box = t.get_window_extent(r)
            assert box.x0 >= 0 and box.x1 <= fig.bbox.width, t.get_text()
