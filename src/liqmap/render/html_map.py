"""Liquidation map as interactive plotly: one bar trace per tier and side, cumulative curves.

Bars are stacked explicitly (``base``) in overlay mode, and one transparent bar per bin on top
carries the hover text: the price bin (low–high), its distance from price, and the USD of every
leverage tier on each side present. Legend entries are per tier; clicking one hides both sides.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go

from liqmap.core.results import LiquidationMap, tier_label
from liqmap.render._plotly import (
    JsMode,
    axis_decimals,
    base_layout,
    rgba,
    title_block,
    usd_axis,
    write_html,
)
from liqmap.render.formatting import (
    MapKind,
    format_pct,
    format_price,
    format_usd,
    map_caveat,
    map_subtitle,
    map_title,
    price_decimals,
)
from liqmap.render.html_annotations import map_annotations
from liqmap.render.style import DARK, Style, tier_colors

__all__ = ["map_figure", "render_map_html"]

HOVER_TRACE_NAME = "Bin detail"


def render_map_html(
    m: LiquidationMap,
    path: str | os.PathLike[str],
    *,
    style: Style | None = None,
    clusters: bool = True,
    kind: MapKind = "estimate",
    js: JsMode = "inline",
) -> Path:
    """Write ``m`` as an interactive HTML file that works offline (``js``: see ``write_html``)."""
    st = style or DARK
    fig = map_figure(m, style=st, clusters=clusters, kind=kind)
    return write_html(fig, path, title=map_title(m, kind), st=st, js=js)


def map_figure(
    m: LiquidationMap,
    *,
    style: Style | None = None,
    clusters: bool = True,
    kind: MapKind = "estimate",
) -> go.Figure:
    """The liquidation map as a plotly figure (reused by the web dashboard)."""
    st = style or DARK
    labels = [tier_label(lv) for lv in m.leverages]
    colors = tier_colors(st, len(labels))
    long_usd = np.nan_to_num(m.long_usd).clip(min=0.0)
    short_usd = np.nan_to_num(m.short_usd).clip(min=0.0)
    long_top = long_usd.sum(axis=0)
    top = long_top + short_usd.sum(axis=0)
    dec = price_decimals(m.price, float(np.median(np.diff(m.edges))) if m.n_bins else None)

    traces: list[Any] = band_traces(m, st)
    traces += _side_traces(
        m, long_usd, np.zeros(m.n_bins), side="long", labels=labels, colors=colors
    )
    traces += _side_traces(m, short_usd, long_top, side="short", labels=labels, colors=colors)
    traces.append(_hover_trace(m, long_usd, short_usd, top=top, labels=labels, dec=dec))
    traces.extend(venue_legend_traces(m))
    traces += _cumulative_traces(m, st, dec)
    peak = float(top.max()) if m.n_bins else 0.0
    y_top = peak * 1.32 if peak > 0 else 1.0
    traces.append(_price_trace(m, st, y_top, dec))

    fig = go.Figure(data=traces)
    layout = base_layout(st)
    cum_top = float(np.nan_to_num(np.concatenate([m.cum_long, m.cum_short])).max(initial=0.0))
    layout.update(
        title=title_block(map_title(m, kind), map_subtitle(m, kind), st),
        barmode="overlay",
        bargap=0.0,
        xaxis={
            "title": {"text": "Price", "font": {"color": st.muted, "size": 12}},
            "range": [float(m.edges[0]), float(m.edges[-1])],
            "tickformat": f",.{axis_decimals(float(m.edges[0]), float(m.edges[-1]))}f",
            "gridcolor": st.grid,
            "showgrid": False,
            "linecolor": st.grid,
        },
        yaxis={**usd_axis(st, "Liquidation USD per bin", y_top), "range": [0.0, y_top]},
        yaxis2={
            **usd_axis(st, "Cumulative liquidation USD", cum_top * 1.12 if cum_top > 0 else 1.0),
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "range": [0.0, cum_top * 1.12 if cum_top > 0 else 1.0],
        },
        shapes=_side_shapes(m, st),
        annotations=map_annotations(m, st, top, clusters, y_top) + _caveat(map_caveat(m, kind), st),
    )
    if map_caveat(m, kind):
        layout["margin"] = {**layout["margin"], "b": 64}
    fig.update_layout(layout)
    return fig


def band_traces(m: LiquidationMap, st: Style) -> list[go.Scatter]:
    """The 80% band of USD per bin (long + short) as a shaded step area behind the bars."""
    if not m.band_usd.size:
        return []
    x = np.repeat(m.edges, 2)[1:-1].tolist()
    lo = np.repeat(m.band_usd[0] + m.band_usd[2], 2).tolist()
    hi = np.repeat(m.band_usd[1] + m.band_usd[3], 2).tolist()
    common = {"mode": "lines", "line": {"width": 0}, "hoverinfo": "skip", "legendgroup": "band"}
    return [
        go.Scatter(x=x, y=lo, showlegend=False, name="80% band low", **common),
        go.Scatter(
            x=x,
            y=hi,
            fill="tonexty",
            fillcolor=_rgba(st.muted, 0.18),
            name="80% band (tape scale)",
            **common,
        ),
    ]


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[k : k + 2], 16) for k in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _caveat(text: str, st: Style) -> list[dict[str, Any]]:
    """What the map could not see, under the chart (issue 14 item 3)."""
    if not text:
        return []
    return [
        {
            "xref": "paper", "yref": "paper", "x": 0.0, "y": 0.0, "xanchor": "left",
            "yanchor": "top", "yshift": -34, "showarrow": False, "text": f"⚠ {html.escape(text)}",
            "font": {"color": st.caveat_color, "size": 12}, "name": "caveat",
        }
    ]  # fmt: skip


def _side_traces(
    m: LiquidationMap,
    usd: np.ndarray,
    base: np.ndarray,
    *,
    side: str,
    labels: list[str],
    colors: list[str],
) -> list[go.Bar]:
    """One stacked bar trace per tier for one side (bins where the side holds nothing omitted)."""
    keep = usd.sum(axis=0) > 0
    x, width = m.centers[keep], np.diff(m.edges)[keep]
    stack = base[keep].copy()
    out = []
    for t, label in enumerate(labels):
        y = usd[t, keep]
        out.append(
            go.Bar(
                x=x,
                y=y,
                base=stack.copy(),
                width=width,
                name=label,
                legendgroup=label,
                showlegend=side == "long",
                marker={"color": colors[t], "line": {"width": 0}},
                hoverinfo="skip",
                meta={"side": side, "tier": label},
            )
        )
        stack += y
    return out


def _side_lines(usd: np.ndarray, labels: list[str], i: int, name: str, cum: float) -> str:
    tiers = "<br>".join(  # tiers holding nothing in this bin are left out
        f"  {label}: {format_usd(float(usd[t, i]))}"
        for t, label in reversed(list(enumerate(labels)))
        if usd[t, i] >= 0.5
    )
    total = format_usd(float(usd[:, i].sum()))
    return f"<b>{name} {total}</b> (cumulative {format_usd(cum)})<br>{tiers}"


def _venue_lines(m: LiquidationMap, i: int) -> str:
    """Per-venue USD of one bin (combined multi-venue maps)."""
    rows = [
        f"  {v}: {format_usd(float(m.long_usd_by_venue[k, i] + m.short_usd_by_venue[k, i]))}"
        for k, v in enumerate(m.venues)
    ]
    return "<b>By venue</b><br>" + "<br>".join(rows)


def venue_legend_traces(m: LiquidationMap) -> list[go.Scatter]:
    """Legend-only entries with each venue's totals (combined multi-venue maps)."""
    return [
        go.Scatter(
            x=[None], y=[None], mode="markers", marker={"size": 0, "opacity": 0},
            name=f"{v}: longs {format_usd(float(m.long_usd_by_venue[k].sum()))} · "
            f"shorts {format_usd(float(m.short_usd_by_venue[k].sum()))}",
            hoverinfo="skip", legendgroup="venues",
        )
        for k, v in enumerate(m.venues)
    ]  # fmt: skip


def _hover_trace(
    m: LiquidationMap,
    long_usd: np.ndarray,
    short_usd: np.ndarray,
    *,
    top: np.ndarray,
    labels: list[str],
    dec: int,
) -> go.Bar:
    """A transparent full-height bar per non-empty bin whose hover shows the bin in detail."""
    keep = np.flatnonzero(top > 0)
    lo, hi, centers = m.edges[:-1], m.edges[1:], m.centers
    cum_l, cum_s = m.cum_long, m.cum_short
    texts = []
    for i in keep:
        head = (
            f"<b>Price {format_price(float(lo[i]), dec)} – {format_price(float(hi[i]), dec)}</b>"
            f" ({format_pct((float(centers[i]) / m.price - 1.0) * 100.0)})"
        )
        parts = [head]
        if long_usd[:, i].any():
            parts.append(_side_lines(long_usd, labels, int(i), "Longs", float(cum_l[i])))
        if short_usd[:, i].any():
            parts.append(_side_lines(short_usd, labels, int(i), "Shorts", float(cum_s[i])))
        if m.venues:
            parts.append(_venue_lines(m, int(i)))
        texts.append("<br>".join(parts))
    return go.Bar(
        x=centers[keep],
        y=top[keep],
        base=np.zeros(len(keep)),
        width=np.diff(m.edges)[keep],
        name=HOVER_TRACE_NAME,
        showlegend=False,
        marker={"color": "rgba(0,0,0,0)", "line": {"width": 0}},
        hovertext=texts,
        hovertemplate="%{hovertext}<extra></extra>",
    )


def _cumulative_traces(m: LiquidationMap, st: Style, dec: int) -> list[go.Scatter]:
    c = m.centers
    below, above = c < m.price, c > m.price
    series = (
        (
            "Cumulative longs",
            np.append(c[below], m.price),
            np.append(m.cum_long[below], 0.0),
            st.long_color,
            "falls to",
        ),
        (
            "Cumulative shorts",
            np.insert(c[above], 0, m.price),
            np.insert(m.cum_short[above], 0, 0.0),
            st.short_color,
            "rises to",
        ),
    )
    return [
        go.Scatter(
            x=x,
            y=y,
            yaxis="y2",
            mode="lines",
            name=name,
            line={"color": color, "width": 2.2},
            fill="tozeroy",
            fillcolor=rgba(color, 0.06),
            text=[format_usd(float(v)) for v in y],
            hovertemplate=f"{name}: %{{text}}<br>if price {verb} %{{x:,.{dec}f}}<extra></extra>",
        )
        for name, x, y, color, verb in series
    ]


def _price_trace(m: LiquidationMap, st: Style, y_top: float, dec: int) -> go.Scatter:
    return go.Scatter(
        x=[m.price, m.price],
        y=[0.0, y_top],
        mode="lines",
        name=f"Current price {format_price(m.price, dec)}",
        line={"color": st.price_line, "width": 1.5, "dash": "dash"},
        hovertemplate=f"Current price {format_price(m.price, dec)}<extra></extra>",
    )


def _side_shapes(m: LiquidationMap, st: Style) -> list[dict[str, Any]]:
    lo, hi = float(m.edges[0]), float(m.edges[-1])
    return [
        {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "x0": x0,
            "x1": x1,
            "y0": 0,
            "y1": 1,
            "fillcolor": rgba(color, st.side_tint_alpha),
            "line": {"width": 0},
            "layer": "below",
        }
        for x0, x1, color in ((lo, m.price, st.long_color), (m.price, hi, st.short_color))
    ]
