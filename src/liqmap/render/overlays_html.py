"""Cascade path and plan levels over the interactive (plotly) map.

See :mod:`liqmap.render.overlays` for what is drawn and why.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from liqmap.core.cascade import CascadeResult
from liqmap.core.cascade_dist import CascadeOutcomes
from liqmap.core.plan import Plan
from liqmap.core.results import LiquidationMap
from liqmap.render._declutter import slots
from liqmap.render._overlay_data import (
    AMBER,
    absorption,
    kind_color,
    outcome_text,
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


def _label(x: float, text: str, color: str, y: float, anchor: str = "right") -> dict[str, Any]:
    return {
        "x": x,
        "y": y,
        "xref": "x",
        "yref": "paper",
        "text": text,
        "showarrow": False,
        "textangle": -90,
        "xanchor": anchor,
        "yanchor": "bottom",
        "font": {"color": color, "size": _FONT},
    }


_FONT = 11
_REF_W, _REF_H = 1100.0, 420.0  # plot area (px) the placement is estimated for


def _place(m: LiquidationMap, marks: list[tuple[float, str]]) -> list[tuple[str, float]]:
    """(xanchor, paper y) per vertical label so none overlaps another (see ``_declutter``)."""
    lo, hi = float(m.edges[0]), float(m.edges[-1])
    span = hi - lo if hi > lo else 1.0
    xs = [(x - lo) / span for x, _ in marks]
    lengths = [len(t) * _FONT * 0.62 / _REF_H + 0.02 for _, t in marks]
    return slots(xs, lengths, _FONT * 1.5 / _REF_W)


def cascade_figure(
    m: LiquidationMap, r: CascadeResult, *, style: Style | None = None,
    outcomes: CascadeOutcomes | None = None,
) -> go.Figure:  # fmt: skip
    """The map with the cascade drawn over it (plotly figure); ``outcomes`` shade the wick's
    p10-p90 range."""
    st = style or DARK
    fig = map_figure(m, style=st, clusters=False)
    accent = st.long_color if r.direction < 0 else st.short_color
    _add_paths(fig, m, r, st)
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
    texts = [f"{text} {format_price(price)}" for price, text, _ in marks]
    where = _place(m, [(x, t) for (x, _, _), t in zip(marks, texts, strict=True)])
    for (price, _, dash), text, (anchor, y) in zip(marks, texts, where, strict=True):
        shapes.append(_shape_line(price, accent, dash))
        notes.append(_label(price, text, st.text, y, anchor))
    if outcomes is not None:
        q = outcomes.pin_move_pct
        a, b = sorted(r.start_price * (1 + q[k] / 100) for k in (0.1, 0.9))
        shapes.append({
            "type": "rect", "xref": "x", "yref": "paper", "x0": a, "x1": b, "y0": 0, "y1": 1,
            "fillcolor": rgba(accent, 0.25), "line": {"width": 0}, "layer": "below",
        })  # fmt: skip
    head = summary(r) + ("" if outcomes is None else "<br>" + outcome_text(outcomes))
    notes.append(_headline(head, st, accent))
    fig.update_layout(
        shapes=[*fig.layout.shapes, *shapes], annotations=[*fig.layout.annotations, *notes]
    )
    return fig


def _add_paths(fig: go.Figure, m: LiquidationMap, r: CascadeResult, st: Style) -> None:
    """The absorption curve and the cascade's staircase, on the cumulative axis."""
    sx, sy = staircase(r)
    bx, by = absorption(r, m)
    fig.add_trace(
        go.Scatter(
            x=bx,
            y=by,
            yaxis="y2",
            mode="lines",
            name="Absorption: forced USD the market takes",
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


def _headline(text: str, st: Style, accent: str) -> dict[str, Any]:
    """The cascade's summary box, below the current-price tag."""
    return {
        "x": 0.5,
        "y": 0.86,  # below the current-price tag (paper 0.99 down)
        "yanchor": "top",
        "xref": "paper",
        "yref": "paper",
        "text": text,
        "showarrow": False,
        "bgcolor": st.panel,
        "bordercolor": accent,
        "font": {"color": st.text, "size": 12},
    }


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
    where = _place(m, [(x, t) for x, t, _ in lines])
    for (price, label, kind), (anchor, y) in zip(lines, where, strict=True):
        color = kind_color(kind, st)
        shapes.append(_shape_line(price, color, "dot" if kind == "entry" else "solid"))
        notes.append(_label(price, label, color, y, anchor))
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
