"""Cascade path and plan levels drawn over the map (PNG and HTML)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _cascade_maps import cluster, flat_bars, ladder_map

from liqmap.core.cascade import simulate_cascade
from liqmap.core.depth import power_profile
from liqmap.core.plan import PlanConfig, make_plan
from liqmap.errors import ParameterError
from liqmap.render._overlay_data import staircase
from liqmap.render.overlays import cascade_figure, plan_figure, render_cascade, render_plan

CLUSTERS = (cluster("long", 96.0, 97.0, 30e6), cluster("short", 103.0, 104.0, 20e6))
MAP = ladder_map({98: 10e6, 96: 30e6}, {103: 20e6}, clusters=CLUSTERS)
DEPTH = power_profile(20e6, 1.0)


def test_staircase_walks_the_rounds() -> None:
    r = simulate_cascade(MAP, DEPTH, shock_pct=-3.5)  # 96.5 -> 95.25 (25M) -> 94.5 (15M)
    x, y = staircase(r)
    np.testing.assert_allclose(x, [100, 96.5, 96.5, 96.5, 95.25, 95.25, 95.25, 94.5, 94.5, 94.5])
    np.testing.assert_allclose(y, [0, 0, 0, 25e6, 25e6, 25e6, 40e6, 40e6, 40e6, 40e6])
    assert y[-1] == pytest.approx(r.total_liquidated_usd)


def test_cascade_charts(tmp_path: Path) -> None:
    r = simulate_cascade(MAP, DEPTH, shock_pct=-3.5)
    png = render_cascade(MAP, r, tmp_path / "c.png")
    assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 20_000
    html = render_cascade(MAP, r, tmp_path / "c.html").read_text()
    assert "Cascade path" in html and "Absorption" in html
    names = [t.name for t in cascade_figure(MAP, r).data]
    assert {"Cascade path", "Absorption: forced USD the market takes"} <= set(names)
    with pytest.raises(ParameterError):
        render_cascade(MAP, r, tmp_path / "c.svg")


def test_plan_charts(tmp_path: Path) -> None:
    cfg = PlanConfig(min_reward_risk=0.0)  # keep the 0.47R target: its label is drawn too
    p = make_plan(MAP, flat_bars(), side="long", size_usd=10e6, depth=DEPTH, config=cfg)
    assert render_plan(MAP, p, tmp_path / "p.png").stat().st_size > 20_000
    html = render_plan(MAP, p, tmp_path / "p.html").read_text()
    assert f"stop {p.stop.price:,.2f}" in html and "TP1" in html
    fig = plan_figure(MAP, p)
    assert any(t.name == "Forced-flow liquidity" for t in fig.data)
    labels = [a.text for a in fig.layout.annotations]
    assert any(str(a).startswith("entry") for a in labels)


def test_close_labels_take_different_slots() -> None:
    r = simulate_cascade(MAP, DEPTH, shock_pct=-0.2)  # shock, pin and final within 3% of the span
    notes = {
        str(a.text).split()[0]: (a.y, a.xanchor) for a in cascade_figure(MAP, r).layout.annotations
    }
    assert len({notes["shock"], notes["pin"], notes["final"]}) == 3


def test_plot_draws_cascades_and_plans_over_their_map(tmp_path: Path) -> None:
    import liqmap

    r = simulate_cascade(MAP, DEPTH, shock_pct=-3.5)
    p = make_plan(MAP, flat_bars(), side="long", size_usd=10e6, depth=DEPTH)
    png = liqmap.plot(r, tmp_path / "c.png", on=MAP)
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert "Cascade path" in liqmap.plot(r, tmp_path / "c.html", on=MAP).read_text()
    assert liqmap.plot(p, tmp_path / "p.png", on=MAP).stat().st_size > 20_000
    with pytest.raises(ParameterError, match="on=liq_map") as info:
        liqmap.plot(p, tmp_path / "p2.png")
    assert info.value.field == "on"
    with pytest.raises(TypeError, match="a CascadeResult or Plan"):
        liqmap.plot(DEPTH, tmp_path / "x.png")  # type: ignore[arg-type]
