"""Cascade path and plan levels over the interactive (plotly) map.

See :mod:`liqmap.render.overlays` for what is drawn and why.
"""

from __future__ import annotations

import math
from typing import Any

import plotly.graph_objects as go

from liqmap.core.cascade import CascadeResult
from liqmap.core.plan import Plan
from liqmap.core.results import LiquidationMap
from liqmap.render._overlay_data import (
    AMBER,
    absorption,
    kind_color,
    plan_lines,
    staircase,
    summary,
)
from liqmap.render._plotly import rgba
from liqmap.render.formatting import format_price, format_usd
from liqmap.render.html_map import map_figure
from liqmap.render.style import DARK, Style

__all__ = ["cascade_figure", "plan_figure"]


def _shape_line(x: float, color: str, dash: str) -> dict[str, Any]:
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": color, "width": 1.5, "dash": dash},
        "layer": "above",
    }


def _label(x: float, text: str, color: str, y: float) -> dict[str, Any]:
    return {
        "x": x,
        "y": y,
        "xref": "x",
        "yref": "paper",
        "text": text,
        "showarrow": False,
        "textangle": -90,
        "xanchor": "right",
        "yanchor": "bottom",
        "font": {"color": color, "size": 11},
    }


def _stagger(prices: list[float], span: float, levels: tuple[float, ...]) -> list[float]:
    """Heights (paper y) for vertical labels at ``prices``: a label closer than 3% of the axis
    ``span`` to one already on a level moves up to the next free level, so none overlap."""
    last: list[float | None] = [None] * len(levels)
    out = [0.0] * len(prices)
    for i in sorted(range(len(prices)), key=lambda k: prices[k]):
        gaps = [math.inf if x is None else abs(prices[i] - x) for x in last]
        free = [j for j, g in enumerate(gaps) if g > 0.03 * span]
        j = free[0] if free else max(range(len(levels)), key=lambda k: gaps[k])
        last[j] = prices[i]
        out[i] = levels[j]
    return out


def _span(m: LiquidationMap) -> float:
    return float(m.edges[-1] - m.edges[0]) if len(m.edges) > 1 else abs(m.price)


def cascade_figure(m: LiquidationMap, r: CascadeResult, *, style: Style | None = None) -> go.Figure:
    """The map with the cascade drawn over it (plotly figure)."""
    st = style or DARK
    fig = map_figure(m, style=st, clusters=False)
    accent = st.long_color if r.direction < 0 else st.short_color
    sx, sy = staircase(r)
    bx, by = absorption(r, m)
    fig.add_trace(
        go.Scatter(
            x=bx,
            y=by,
            yaxis="y2",
            mode="lines",
            name="Book absorption D(d) − shock",
            line={"color": AMBER, "width": 2, "dash": "dash"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=sx,
            y=sy,
            yaxis="y2",
            mode="lines",
            name="Cascade path",
            line={"color": st.text, "width": 2.5},
        )
    )
    lo, hi = sorted((r.start_price, r.pin_price))
    shapes: list[dict[str, Any]] = [
        {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "x0": lo,
            "x1": hi,
            "y0": 0,
            "y1": 1,
            "fillcolor": rgba(accent, 0.12),
            "line": {"width": 0},
            "layer": "below",
        },
    ]
    notes = []
    marks = ((r.shock_price, "shock", "dot"), (r.pin_price, "pin", "solid"),
             (r.final_price, "final", "dash"))  # fmt: skip
    heights = _stagger([x for x, _, _ in marks], _span(m), (0.02, 0.32, 0.62))
    for (price, text, dash), y in zip(marks, heights, strict=True):
        shapes.append(_shape_line(price, accent, dash))
        notes.append(_label(price, f"{text} {format_price(price)}", st.text, y))
    notes.append(
        {
            "x": 0.5,
            "y": 0.9,
            "xref": "paper",
            "yref": "paper",
            "text": summary(r),
            "showarrow": False,
            "bgcolor": st.panel,
            "bordercolor": accent,
            "font": {"color": st.text, "size": 12},
        }
    )
    fig.update_layout(
        shapes=[*fig.layout.shapes, *shapes], annotations=[*fig.layout.annotations, *notes]
    )
    return fig


def plan_figure(m: LiquidationMap, p: Plan, *, style: Style | None = None) -> go.Figure:
    """The map with the plan's levels drawn on it (plotly figure)."""
    st = style or DARK
    fig = map_figure(m, style=st, clusters=False)
    shapes: list[dict[str, Any]] = [
        {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "x0": z.price_low,
            "x1": z.price_high,
            "y0": 0,
            "y1": 1,
            "fillcolor": rgba(st.muted, 0.12),
            "line": {"width": 0},
            "layer": "below",
        }
        for z in p.breakout_zones
    ]
    notes = []
    lines = plan_lines(p)
    heights = _stagger([x for x, _, _ in lines], _span(m), (0.02, 0.5))
    for (price, label, kind), y in zip(lines, heights, strict=True):
        color = kind_color(kind, st)
        shapes.append(_shape_line(price, color, "dot" if kind == "entry" else "solid"))
        notes.append(_label(price, label, color, y))
    if p.execution is not None and p.execution.forced_levels:
        xs = [c.price for c, _ in p.execution.forced_levels]
        text = [
            f"forced-flow fill {format_usd(u)} of {format_usd(c.usd)}"
            for c, u in p.execution.forced_levels
        ]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[0.0] * len(xs),
                mode="markers",
                name="Forced-flow liquidity",
                marker={"symbol": "triangle-up", "size": 14, "color": AMBER},
                hovertext=text,
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    fig.update_layout(
        shapes=[*fig.layout.shapes, *shapes], annotations=[*fig.layout.annotations, *notes]
    )
    return fig
