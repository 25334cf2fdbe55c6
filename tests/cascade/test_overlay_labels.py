"""Rendered PNG charts: the cascade and plan labels overlap neither each other nor the current
price label (measured on the drawn figure's text boxes)."""

from __future__ import annotations

import pytest
from _cascade_maps import cluster, flat_bars, ladder_map
from matplotlib.figure import Figure
from matplotlib.text import Text

from liqmap.core.cascade import simulate_cascade
from liqmap.core.depth import power_profile
from liqmap.core.impact import ImpactFit, ImpactModel
from liqmap.core.plan import PlanConfig, make_plan
from liqmap.render._declutter import boxes_overlap
from liqmap.render.overlays import cascade_matplotlib, plan_matplotlib

CLUSTERS = (
    cluster("long", 96.0, 97.0, 30e6),
    cluster("short", 100.5, 101.0, 20e6),
    cluster("short", 101.2, 101.6, 25e6),
    cluster("short", 101.8, 102.2, 30e6),
)
MAP = ladder_map({96: 30e6, 99: 1e6}, {100: 20e6, 101: 55e6}, clusters=CLUSTERS)
LAW = ImpactModel(0.01, 1e10, fit=ImpactFit(1.0, 0.5, 0.1, 0.0, 0.0, 5.0, 0, "test"))


def _labels(fig: Figure) -> tuple[list[Text], Text]:
    fig.canvas.draw()
    texts = [t for ax in fig.axes for t in ax.texts if t.get_text().strip()]
    lines = [t for t in texts if t.get_rotation() == 90 or "→ pin" in t.get_text()]
    price = next(t for t in texts if "Current price" in t.get_text())
    return lines, price


def _overlaps(fig: Figure) -> list[tuple[str, str]]:
    lines, price = _labels(fig)
    r = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [(t.get_text(), t.get_window_extent(r)) for t in [*lines, price]]
    return [
        (a, b)
        for i, (a, ba) in enumerate(boxes)
        for b, bb in boxes[i + 1 :]
        if boxes_overlap(ba, bb)
    ]


@pytest.mark.parametrize("shock", [-0.2, -1.0, -3.5, 0.4])
def test_cascade_labels_do_not_overlap(shock: float) -> None:
    for model in (LAW, power_profile(20e6, 1.0)):
        r = simulate_cascade(MAP, model, shock_pct=shock)
        fig = cascade_matplotlib(MAP, r)
        lines, _ = _labels(fig)
        assert {t.get_text().split()[0] for t in lines} == {"shock", "pin", "final"}  # + summary
        assert _overlaps(fig) == []


def test_plan_labels_do_not_overlap_with_close_targets() -> None:
    p = make_plan(MAP, flat_bars(), side="long", config=PlanConfig(min_reward_risk=0.0))
    assert len(p.take_profits) == 3  # three targets within 1.7% of each other
    fig = plan_matplotlib(MAP, p)
    lines, _ = _labels(fig)
    assert len(lines) == 5 and _overlaps(fig) == []


def test_without_placement_the_labels_would_collide(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: with placement switched off the close labels overlap."""
    import liqmap.render.overlays as ov

    monkeypatch.setattr(ov, "declutter", lambda fig, labels: None)
    r = simulate_cascade(MAP, LAW, shock_pct=-0.2)
    assert _overlaps(ov.cascade_matplotlib(MAP, r)) != []
