"""Liquidation heatmap as a PNG (matplotlib, Agg): price x time, colour = USD of liquidation levels.

Column ``j`` is the estimator's state as of ``ts_ms[j]`` and is drawn centred on that time. The
view spans the traded range +/- ``DEFAULT_VIEW_PCT`` % of price (where the liquidity is). The
price path goes on top (bar closes as a line, or candles: few bars, or asked for), and observed
liquidation events as markers sized by USD, long and short liquidations in their side colours.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib import colormaps, patheffects
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import Colormap, ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from liqmap.core.formatting import display_tz, tz_name
from liqmap.core.results import LiquidationHeatmap, PricePath
from liqmap.render import _mpl
from liqmap.render._mpl import new_figure, price_formatter, save_png, style_axes, usd_formatter
from liqmap.render.formatting import heatmap_subtitle, heatmap_title, price_decimals
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

__all__ = ["heatmap_matplotlib", "render_heatmap_png"]

_LEFT, _RIGHT, _BOTTOM, _TOP = 0.06, 0.905, 0.085, 0.835
_TITLE_Y = (0.968, 0.925)
_MS_PER_DAY = 86_400_000.0


def render_heatmap_png(
    h: LiquidationHeatmap,
    path: str | os.PathLike[str],
    *,
    style: Style | None = None,
    width_px: int = 1600,
    height_px: int = 900,
    price_path: PathMode = "auto",
    events: bool = True,
    view_pct: float | None = DEFAULT_VIEW_PCT,
) -> Path:
    """Draw ``h`` and write it as a ``width_px`` x ``height_px`` PNG to ``path`` (atomically).

    ``view_pct``: the price view, the traded range widened by this % of price (``None``: the
    whole grid); ``price_path``: ``"line"`` (closes), ``"candles"`` (merged to at most
    ``MAX_CANDLES``) or ``"auto"``.
    """
    fig = heatmap_matplotlib(
        h, style=style, width_px=width_px, height_px=height_px, price_path=price_path,
        events=events, view_pct=view_pct,
    )  # fmt: skip
    return save_png(fig, path)


def heatmap_matplotlib(
    h: LiquidationHeatmap,
    *,
    style: Style | None = None,
    width_px: int = 1600,
    height_px: int = 900,
    price_path: PathMode = "auto",
    events: bool = True,
    view_pct: float | None = DEFAULT_VIEW_PCT,
) -> Figure:
    """The liquidation heatmap as a matplotlib figure (Agg canvas, no pyplot state)."""
    st = style or DARK
    fig = new_figure(st, width_px, height_px)
    ax = fig.add_axes((_LEFT, _BOTTOM, _RIGHT - _LEFT, _TOP - _BOTTOM))
    style_axes(ax, st, grid_axis="none")
    cax = fig.add_axes((_RIGHT + 0.012, _BOTTOM, 0.011, _TOP - _BOTTOM))

    rows = view_rows(h.edges, h.price_path, view_pct)
    vmax = _draw_cells(fig, ax, cax, h, st, rows)
    handles = _draw_path(ax, h.price_path, st, price_path)
    if events and len(h.events_usd):
        handles += _draw_events(ax, h, st)
    _axes_format(ax, h, st, rows)
    if handles:  # above the chart, never over the cells (issue 14 item 6)
        _mpl.legend_row(fig, st, handles, _LEFT, 0.872)
    _mpl.titles(
        fig, st, _LEFT, heatmap_title(h), heatmap_subtitle(h, vmax, scale_text(st)), y=_TITLE_Y
    )
    return fig


def _date_num(ts_ms: np.ndarray) -> np.ndarray:
    """Epoch milliseconds -> matplotlib date numbers (days since matplotlib's epoch)."""
    # matplotlib.dates ships no type annotations, hence the narrow ignores in this module
    offset = mdates.date2num(np.datetime64("1970-01-01T00:00:00"))  # type: ignore[no-untyped-call]
    return np.asarray(ts_ms, dtype=np.float64) / _MS_PER_DAY + float(offset)


def _draw_cells(
    fig: Figure, ax: Axes, cax: Axes, h: LiquidationHeatmap, st: Style, rows: tuple[int, int]
) -> float:
    """Draw the USD matrix of the viewed rows; return the colour-scale maximum (cells above it
    saturate). The colour bar is linear in USD with colours placed by ``color_ramp``, exactly
    as in the HTML heatmap."""
    i0, i1 = rows
    usd = np.nan_to_num(h.total_usd[:, i0:i1], nan=0.0, posinf=0.0, neginf=0.0).clip(min=0.0)
    vmax = color_scale_max(usd, st.heatmap_clip_quantile)
    step = time_step_ms(h.ts_ms)
    t_edges = np.append(h.ts_ms - step / 2.0, h.ts_ms[-1] + step / 2.0) if len(h.ts_ms) else None
    base = _cmap(st)
    cmap = ListedColormap(base(color_ramp(st, np.linspace(0.0, 1.0, 256))))
    ax.set_facecolor(base(0.0))
    if t_edges is not None:
        mesh = ax.pcolormesh(
            _date_num(t_edges),
            h.edges[i0 : i1 + 1],
            usd.T,
            cmap=cmap,
            norm=Normalize(vmin=0.0, vmax=vmax, clip=True),
            shading="flat",
            antialiased=False,
            rasterized=True,
        )
        cb = fig.colorbar(mesh, cax=cax, extend="max")
        cb.set_ticks(colorbar_ticks(vmax, low=False))
        cb.ax.yaxis.set_major_formatter(usd_formatter())
        cb.ax.tick_params(colors=st.muted, labelcolor=st.text, labelsize=st.tick_size)
        cb.outline.set_edgecolor(st.grid)
        cb.set_label("Liquidation USD per bin", color=st.muted, fontsize=st.label_size)
    return vmax


def _cmap(st: Style) -> Colormap:
    return colormaps[st.heatmap_cmap]


def _draw_path(ax: Axes, pp: PricePath, st: Style, mode: PathMode) -> list[Line2D]:
    if len(pp.ts_ms) == 0:
        return []
    if use_candles(len(pp.ts_ms), mode):
        _draw_candles(ax, resample_path(pp), st)
        return [Line2D([], [], color=st.candle_up, lw=4, label="Price (candles)")]
    outline = [
        patheffects.Stroke(linewidth=3.2, foreground="#000000", alpha=0.55),
        patheffects.Normal(),
    ]
    ax.plot(
        _date_num(path_close_times(pp.ts_ms)),
        pp.close,
        color=st.path_color,
        lw=1.4,
        path_effects=outline,
        zorder=4,
    )
    return [Line2D([], [], color=st.path_color, lw=1.4, label="Price (close)")]


def _draw_candles(ax: Axes, pp: PricePath, st: Style) -> None:
    step = time_step_ms(pp.ts_ms)
    mid = _date_num(pp.ts_ms + step / 2.0)
    half = 0.34 * step / _MS_PER_DAY
    up = pp.close >= pp.open
    colors = np.where(up, st.candle_up, st.candle_down)
    wicks = np.stack([np.column_stack([mid, pp.low]), np.column_stack([mid, pp.high])], axis=1)
    ax.add_collection(LineCollection(list(wicks), colors=list(colors), linewidths=1.0, zorder=4))
    lo, hi = np.minimum(pp.open, pp.close), np.maximum(pp.open, pp.close)
    corners = [(mid - half, lo), (mid - half, hi), (mid + half, hi), (mid + half, lo)]
    bodies = np.stack([np.column_stack(c) for c in corners], axis=1)
    ax.add_collection(
        PolyCollection(
            list(bodies), facecolors=list(colors), edgecolors="#000000", linewidths=0.4, zorder=5
        )
    )


def _draw_events(ax: Axes, h: LiquidationHeatmap, st: Style) -> list[Line2D]:
    usd = np.nan_to_num(h.events_usd, nan=0.0).clip(min=0.0)
    top = float(usd.max()) if len(usd) else 0.0
    sizes = 14.0 + 420.0 * np.sqrt(usd / top) if top > 0 else np.full(len(usd), 14.0)
    x = _date_num(h.events_ts_ms)
    handles: list[Line2D] = []
    for is_long, color, label in (
        (True, st.long_color, "Long liquidations (observed)"),
        (False, st.short_color, "Short liquidations (observed)"),
    ):
        sel = (h.events_side > 0) == is_long
        if sel.any():
            ax.scatter(
                x[sel],
                h.events_price[sel],
                s=sizes[sel],
                c=color,
                alpha=0.85,
                edgecolors="#ffffff",
                linewidths=0.7,
                zorder=6,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    ls="none",
                    marker="o",
                    markersize=8,
                    color=color,
                    markeredgecolor="#ffffff",
                    label=label,
                )
            )
    return handles


def _axes_format(ax: Axes, h: LiquidationHeatmap, st: Style, rows: tuple[int, int]) -> None:
    if len(h.ts_ms):
        step = time_step_ms(h.ts_ms)
        ax.set_xlim(*_date_num(np.array([h.ts_ms[0] - step / 2.0, h.ts_ms[-1] + step / 2.0])))
    ax.set_ylim(float(h.edges[rows[0]]), float(h.edges[rows[1]]))
    tz = display_tz()
    locator = mdates.AutoDateLocator(tz=tz, minticks=5, maxticks=10)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    concise = mdates.ConciseDateFormatter(locator, tz=tz)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_formatter(concise)
    ref = float(np.median(h.edges))
    step_p = float(np.median(np.diff(h.edges))) if len(h.edges) > 1 else None
    ax.yaxis.set_major_formatter(price_formatter(price_decimals(ref, step_p)))
    zone = tz_name(tz, int(h.ts_ms[-1]) if len(h.ts_ms) else None)
    ax.set_xlabel(f"Time ({zone})", color=st.muted, fontsize=st.label_size)
    ax.set_ylabel("Price", color=st.muted, fontsize=st.label_size)
