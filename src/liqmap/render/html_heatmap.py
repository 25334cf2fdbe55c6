"""Liquidation heatmap as interactive plotly: zoom/pan, hover with time, price bin and USD.

The colour scale is linear in USD but its colours are spaced like the PNG's power norm
(``colour = cmap((usd / vmax) ** gamma)``), so hover and colour bar show plain dollars. The price
path (close line or candles) and observed liquidation events are drawn on top.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import plotly.colors as pcolors
import plotly.graph_objects as go

from liqmap.core.results import LiquidationHeatmap, PricePath
from liqmap.render._heat import (
    PathMode,
    color_scale_max,
    colorbar_ticks,
    path_close_times,
    time_step_ms,
    use_candles,
)
from liqmap.render._plotly import base_layout, title_block, write_html
from liqmap.render.formatting import format_usd, heatmap_subtitle, heatmap_title, price_decimals
from liqmap.render.style import DARK, Style

__all__ = ["HOVER_CELL_LIMIT", "heatmap_figure", "render_heatmap_html"]

HOVER_CELL_LIMIT = 400_000
"""Above this many cells the hover shows the bin's mid price instead of low–high (file size)."""

HEATMAP_TRACE_NAME = "Liquidation levels"


def render_heatmap_html(
    h: LiquidationHeatmap,
    path: str | os.PathLike[str],
    *,
    style: Style | None = None,
    price_path: PathMode = "auto",
    events: bool = True,
) -> Path:
    """Write ``h`` as a self-contained interactive HTML file (plotly.js inline, offline)."""
    st = style or DARK
    fig = heatmap_figure(h, style=st, price_path=price_path, events=events)
    return write_html(fig, path, title=heatmap_title(h), st=st)


def heatmap_figure(
    h: LiquidationHeatmap,
    *,
    style: Style | None = None,
    price_path: PathMode = "auto",
    events: bool = True,
) -> go.Figure:
    """The liquidation heatmap as a plotly figure (reused by the web dashboard)."""
    st = style or DARK
    usd = np.nan_to_num(h.total_usd, nan=0.0, posinf=0.0, neginf=0.0).clip(min=0.0)
    vmax = color_scale_max(usd, st.heatmap_clip_quantile)
    step = float(np.median(np.diff(h.edges))) if len(h.edges) > 1 else None
    dec = price_decimals(float(np.median(h.edges)), step)

    traces: list[Any] = [_heat_trace(h, usd, vmax, st, dec)]
    traces += _path_traces(h.price_path, st, price_path, dec)
    if events and len(h.events_usd):
        traces += _event_traces(h, st, dec)
    fig = go.Figure(data=traces)
    layout = base_layout(st)
    layout.update(
        title=title_block(heatmap_title(h), heatmap_subtitle(h, vmax), st),
        xaxis={
            "type": "date",
            "range": _time_range(h.ts_ms),
            "title": {"text": "Time (UTC)", "font": {"color": st.muted, "size": 12}},
            "showgrid": False,
            "linecolor": st.grid,
            "rangeslider": {"visible": False},
        },
        yaxis={
            "title": {"text": "Price", "font": {"color": st.muted, "size": 12}},
            "range": [float(h.edges[0]), float(h.edges[-1])],
            "tickformat": f",.{dec}f",
            "showgrid": False,
            "linecolor": st.grid,
        },
        plot_bgcolor=_colorscale(st)[0][1],
    )
    fig.update_layout(layout)
    return fig


def _time_range(ts_ms: np.ndarray) -> list[str] | None:
    """The columns' full extent (markers would otherwise pad the axis with empty space)."""
    if len(ts_ms) == 0:
        return None
    half = time_step_ms(ts_ms) / 2.0
    ends = np.array([ts_ms[0] - half, ts_ms[-1] + half]).astype("datetime64[ms]")
    return [str(t) for t in ends]


def _colorscale(st: Style, n: int = 48) -> list[list[Any]]:
    """Stops placed so that linear ``z`` gets the colour of the power norm (or log norm)."""
    u = np.linspace(0.0, 1.0, n)
    if st.heatmap_norm == "log":
        pos = np.concatenate([[0.0], 10.0 ** (3.0 * (u[1:] - 1.0))])  # three decades below vmax
    else:
        pos = u ** (1.0 / st.heatmap_gamma)
    colors = pcolors.sample_colorscale(st.heatmap_cmap, list(u))
    return [[float(p), c] for p, c in zip(pos, colors, strict=True)]


def _heat_trace(
    h: LiquidationHeatmap, usd: np.ndarray, vmax: float, st: Style, dec: int
) -> go.Heatmap:
    z = usd.T.astype(np.float32)  # (n_bins, n_times): rows are price bins
    times = np.asarray(h.ts_ms, dtype="datetime64[ms]")
    ticks = colorbar_ticks(vmax, low=False)  # the plotly bar is linear in USD
    extra: dict[str, Any] = {}
    price_text = "Price %{y:,." + str(dec) + "f}"
    if z.size <= HOVER_CELL_LIMIT:
        lo = np.broadcast_to(h.edges[:-1, None], z.shape)
        hi = np.broadcast_to(h.edges[1:, None], z.shape)
        extra["customdata"] = np.dstack([lo, hi]).astype(np.float32)
        price_text = f"Price %{{customdata[0]:,.{dec}f}} – %{{customdata[1]:,.{dec}f}}"
    return go.Heatmap(
        z=z,
        x=times,
        y=h.centers,
        name=HEATMAP_TRACE_NAME,
        zmin=0.0,
        zmax=vmax,
        colorscale=_colorscale(st),
        colorbar={
            "title": {"text": "USD per bin", "side": "right", "font": {"color": st.muted}},
            "tickvals": ticks,
            "ticktext": [format_usd(t) if t > 0 else "$0" for t in ticks],
            "tickfont": {"color": st.text},
            "outlinewidth": 0,
            "thickness": 14,
            "x": 1.01,
        },
        hovertemplate=(
            "<b>%{x|%Y-%m-%d %H:%M} UTC</b><br>"
            + price_text
            + "<br>Liquidation levels $%{z:,.0f}<extra></extra>"
        ),
        hoverongaps=False,
        **extra,
    )


def _path_traces(pp: PricePath, st: Style, mode: PathMode, dec: int) -> list[Any]:
    if len(pp.ts_ms) == 0:
        return []
    if use_candles(len(pp.ts_ms), mode):
        mid = np.asarray(pp.ts_ms + time_step_ms(pp.ts_ms) / 2.0, dtype="datetime64[ms]")
        return [
            go.Candlestick(
                x=mid,
                open=pp.open,
                high=pp.high,
                low=pp.low,
                close=pp.close,
                name="Price",
                increasing={"line": {"color": st.candle_up, "width": 1}},
                decreasing={"line": {"color": st.candle_down, "width": 1}},
                yhoverformat=f",.{dec}f",
            )
        ]
    return [
        go.Scatter(
            x=np.asarray(path_close_times(pp.ts_ms), dtype="datetime64[ms]"),
            y=pp.close,
            mode="lines",
            name="Price (close)",
            line={"color": st.path_color, "width": 1.6},
            hovertemplate=f"%{{x|%Y-%m-%d %H:%M}} UTC<br>Close %{{y:,.{dec}f}}<extra></extra>",
        )
    ]


def _event_traces(h: LiquidationHeatmap, st: Style, dec: int) -> list[go.Scatter]:
    usd = np.nan_to_num(h.events_usd, nan=0.0).clip(min=0.0)
    top = float(usd.max())
    sizes = 7.0 + 26.0 * np.sqrt(usd / top) if top > 0 else np.full(len(usd), 7.0)
    times = np.asarray(h.events_ts_ms, dtype="datetime64[ms]")
    out = []
    for is_long, color, name in (
        (True, st.long_color, "Long liquidations (observed)"),
        (False, st.short_color, "Short liquidations (observed)"),
    ):
        sel = (h.events_side > 0) == is_long
        if not sel.any():
            continue
        out.append(
            go.Scatter(
                x=times[sel],
                y=h.events_price[sel],
                mode="markers",
                name=name,
                marker={
                    "size": sizes[sel],
                    "color": color,
                    "opacity": 0.85,
                    "line": {"color": "#ffffff", "width": 1},
                },
                text=[format_usd(float(v)) for v in usd[sel]],
                hovertemplate=(
                    f"<b>{name}</b><br>%{{x|%Y-%m-%d %H:%M:%S}} UTC<br>"
                    f"Price %{{y:,.{dec}f}}<br>%{{text}}<extra></extra>"
                ),
            )
        )
    return out
