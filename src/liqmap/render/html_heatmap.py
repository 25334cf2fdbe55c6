"""Liquidation heatmap as interactive plotly: zoom/pan, hover with time, price bin and USD.

The colour bar is linear in USD with colours placed by ``heatmap_scale.color_ramp`` (the same scale as
the PNG, stated in the subtitle), so hover and colour bar show plain dollars. The view is the
traded range +/- ``view_pct`` % of price; only those rows are written (file size). The price
path (close line, or candles drawn as bars: the partial plotly bundle has no candlestick trace)
and observed liquidation events are drawn on top.
"""

from __future__ import annotations

import os
from datetime import UTC
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from matplotlib import colormaps
from matplotlib.colors import to_hex

from liqmap.core.formatting import display_tz, format_usd_ticks, tz_name, utc_offset_ms
from liqmap.core.results import LiquidationHeatmap, PricePath
from liqmap.render._plotly import JsMode, axis_decimals, base_layout, title_block, write_html
from liqmap.render.formatting import (
    format_price,
    format_usd,
    heatmap_subtitle,
    heatmap_title,
    price_decimals,
)
from liqmap.render.heatmap_scale import (
    DEFAULT_VIEW_PCT,
    PathMode,
    color_ramp,
    color_scale_max,
    colorbar_ticks,
    path_close_times,
    resample_path,
    scale_text,
    time_step_ms,
    use_candles,
    view_rows,
)
from liqmap.render.style import DARK, Style

__all__ = ["heatmap_figure", "render_heatmap_html"]

HEATMAP_TRACE_NAME = "Liquidation levels"


def render_heatmap_html(
    h: LiquidationHeatmap,
    path: str | os.PathLike[str],
    *,
    style: Style | None = None,
    price_path: PathMode = "auto",
    events: bool = True,
    view_pct: float | None = DEFAULT_VIEW_PCT,
    js: JsMode = "inline",
) -> Path:
    """Write ``h`` as an interactive HTML file that works offline (``js``: see ``write_html``)."""
    st = style or DARK
    fig = heatmap_figure(h, style=st, price_path=price_path, events=events, view_pct=view_pct)
    return write_html(fig, path, title=heatmap_title(h), st=st, js=js)


def heatmap_figure(
    h: LiquidationHeatmap,
    *,
    style: Style | None = None,
    price_path: PathMode = "auto",
    events: bool = True,
    view_pct: float | None = DEFAULT_VIEW_PCT,
) -> go.Figure:
    """The liquidation heatmap as a plotly figure (reused by the web dashboard)."""
    st = style or DARK
    i0, i1 = view_rows(h.edges, h.price_path, view_pct)
    edges = h.edges[i0 : i1 + 1]
    usd = np.nan_to_num(h.total_usd[:, i0:i1], nan=0.0, posinf=0.0, neginf=0.0).clip(min=0.0)
    vmax = color_scale_max(usd, st.heatmap_clip_quantile)
    step = float(np.median(np.diff(edges))) if len(edges) > 1 else None
    dec = price_decimals(float(np.median(edges)), step)

    traces: list[Any] = [_heat_trace(h, edges, usd, vmax, st, dec)]
    traces += _path_traces(h.price_path, st, price_path, dec)
    if events and len(h.events_usd):
        traces += _event_traces(h, st, dec)
    fig = go.Figure(data=traces)
    layout = base_layout(st)
    layout.update(
        title=title_block(heatmap_title(h), heatmap_subtitle(h, vmax, scale_text(st)), st),
        xaxis={
            "type": "date",
            "range": _time_range(h.ts_ms),
            "title": {"text": f"Time ({_zone()})", "font": {"color": st.muted, "size": 12}},
            "showgrid": False,
            "linecolor": st.grid,
            "rangeslider": {"visible": False},
        },
        yaxis={
            "title": {"text": "Price", "font": {"color": st.muted, "size": 12}},
            "range": [float(edges[0]), float(edges[-1])],
            "tickformat": f",.{axis_decimals(float(edges[0]), float(edges[-1]))}f",
            "showgrid": False,
            "linecolor": st.grid,
        },
        plot_bgcolor=_colorscale(st)[0][1],
    )
    fig.update_layout(layout)
    return fig


def _wall(ts_ms: Any) -> np.ndarray:
    """Epoch ms -> wall-clock datetime64 of the display zone (plotly dates carry no zone)."""
    ts = np.asarray(ts_ms, dtype=np.float64)
    tz = display_tz()
    if tz is UTC or len(ts) == 0:
        return ts.astype("datetime64[ms]")
    offsets = np.array([utc_offset_ms(int(t), tz) for t in ts], dtype=np.float64)
    return (ts + offsets).astype("datetime64[ms]")


def _zone() -> str:
    return tz_name(display_tz())


def _time_range(ts_ms: np.ndarray) -> list[str] | None:
    """The columns' full extent (markers would otherwise pad the axis with empty space)."""
    if len(ts_ms) == 0:
        return None
    half = time_step_ms(ts_ms) / 2.0
    ends = _wall(np.array([ts_ms[0] - half, ts_ms[-1] + half]))
    return [str(t) for t in ends]


def _colorscale(st: Style, n: int = 48) -> list[list[Any]]:
    """Stops along the linear USD bar in the PNG's colours: matplotlib's colormap at
    ``color_ramp`` (plotly's own copies of the colormaps differ by a few percent)."""
    u = np.linspace(0.0, 1.0, n)
    rgba = colormaps[st.heatmap_cmap](color_ramp(st, u))
    return [[float(p), to_hex(c)] for p, c in zip(u, rgba, strict=True)]


def _heat_trace(
    h: LiquidationHeatmap, edges: np.ndarray, usd: np.ndarray, vmax: float, st: Style, dec: int
) -> go.Heatmap:
    z = np.round(usd.T).astype(np.float32)  # (n_bins, n_times): whole dollars, rows = price bins
    times = _wall(h.ts_ms)
    ticks = colorbar_ticks(vmax, low=False)  # the same ticks as the PNG's bar
    half = float(np.median(np.diff(edges))) / 2.0 if len(edges) > 1 else 0.0
    return go.Heatmap(
        z=z,
        x=times,
        y=np.round((edges[:-1] + edges[1:]) / 2.0, dec),
        name=HEATMAP_TRACE_NAME,
        zmin=0.0,
        zmax=vmax,
        colorscale=_colorscale(st),
        colorbar={
            "title": {"text": "USD per bin", "side": "right", "font": {"color": st.muted}},
            "tickvals": ticks,
            "ticktext": format_usd_ticks(ticks),
            "tickfont": {"color": st.text},
            "outlinewidth": 0,
            "thickness": 14,
            "x": 1.01,
        },
        hovertemplate=(
            "<b>%{x|%Y-%m-%d %H:%M} "
            + _zone()
            + "</b><br>Price %{y:,."
            + str(dec)
            + "f}"
            + f" ± {format_price(half, dec)}"
            + "<br>Liquidation levels $%{z:,.0f}<extra></extra>"
        ),
        hoverongaps=False,
    )


def _path_traces(pp: PricePath, st: Style, mode: PathMode, dec: int) -> list[Any]:
    if len(pp.ts_ms) == 0:
        return []
    if use_candles(len(pp.ts_ms), mode):
        return _candle_traces(resample_path(pp), st, dec)
    return [
        go.Scatter(
            x=_wall(path_close_times(pp.ts_ms)),
            y=pp.close,
            mode="lines",
            name="Price (close)",
            line={"color": st.path_color, "width": 1.6},
            hovertemplate=f"%{{x|%Y-%m-%d %H:%M}} {_zone()}<br>Close %{{y:,.{dec}f}}<extra></extra>",
        )
    ]


def _candle_traces(pp: PricePath, st: Style, dec: int) -> list[Any]:
    """Candles as bars (bodies) and lines (wicks), up and down in their colours."""
    step = time_step_ms(pp.ts_ms)
    mid = _wall(pp.ts_ms + step / 2.0)
    up = pp.close >= pp.open
    out: list[Any] = []
    for sel, color, label in ((up, st.candle_up, "up"), (~up, st.candle_down, "down")):
        if not sel.any():
            continue
        n = int(sel.sum())
        wx = np.repeat(mid[sel], 3)
        wy = np.column_stack([pp.low[sel], pp.high[sel], np.full(n, np.nan)]).reshape(-1)
        out.append(
            go.Scatter(
                x=wx, y=wy, mode="lines", line={"color": color, "width": 1}, hoverinfo="skip",
                showlegend=False, legendgroup="price", connectgaps=False,
            )
        )  # fmt: skip
        lo = np.minimum(pp.open[sel], pp.close[sel])
        body = np.maximum(np.abs(pp.close[sel] - pp.open[sel]), 1e-9)
        text = [
            f"O {format_price(o, dec)} H {format_price(hh, dec)} L {format_price(ll, dec)} "
            f"C {format_price(c, dec)}"
            for o, hh, ll, c in zip(
                pp.open[sel], pp.high[sel], pp.low[sel], pp.close[sel], strict=True
            )
        ]
        out.append(
            go.Bar(
                x=mid[sel], y=body, base=lo, width=0.7 * step, name="Price (candles)",
                marker={"color": color, "line": {"width": 0}}, legendgroup="price",
                showlegend=label == "up" or not up.any(), hovertext=text,
                hovertemplate="%{x|%Y-%m-%d %H:%M} " + _zone() + "<br>%{hovertext}<extra></extra>",
            )
        )  # fmt: skip
    return out


def _event_traces(h: LiquidationHeatmap, st: Style, dec: int) -> list[go.Scatter]:
    usd = np.nan_to_num(h.events_usd, nan=0.0).clip(min=0.0)
    top = float(usd.max())
    sizes = 7.0 + 26.0 * np.sqrt(usd / top) if top > 0 else np.full(len(usd), 7.0)
    times = _wall(h.events_ts_ms)
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
                    f"<b>{name}</b><br>%{{x|%Y-%m-%d %H:%M:%S}} {_zone()}<br>"
                    f"Price %{{y:,.{dec}f}}<br>%{{text}}<extra></extra>"
                ),
            )
        )
    return out
