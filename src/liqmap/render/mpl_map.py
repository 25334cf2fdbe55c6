"""Liquidation map as a PNG (matplotlib, Agg): stacked tier bars, cumulative curves, price line.

Layout, in the style traders know from Coinglass: price on x; long liquidations left of the
current price, short liquidations right of it, one colour per leverage tier stacked in each bin;
the cumulative long curve rises toward lower prices and the cumulative short curve toward higher
prices on a secondary axis; the largest clusters are labelled with price and USD.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from liqmap.core.results import LiquidationMap, tier_label
from liqmap.render import _mpl
from liqmap.render._declutter import lift_annotations
from liqmap.render._labels import cluster_labels, price_tag
from liqmap.render._mpl import (
    new_figure,
    price_formatter,
    save_png,
    style_axes,
    usd_formatter,
)
from liqmap.render.formatting import (
    MapKind,
    format_price,
    format_usd,
    map_caveat,
    map_footer,
    map_subtitle,
    map_title,
    price_decimals,
)
from liqmap.render.style import DARK, Style, tier_colors

__all__ = ["map_matplotlib", "render_map_png"]

_LEFT, _RIGHT, _BOTTOM, _TOP = 0.065, 0.935, 0.095, 0.835
_TITLE_Y = (0.968, 0.925)
_BAR_GAP = 0.14  # share of a bin left empty between bars when bins are wide enough to see it


def render_map_png(
    m: LiquidationMap,
    path: str | os.PathLike[str],
    *,
    style: Style | None = None,
    width_px: int = 1600,
    height_px: int = 900,
    clusters: bool = True,
    kind: MapKind = "estimate",
) -> Path:
    """Draw ``m`` and write it as a ``width_px`` x ``height_px`` PNG to ``path`` (atomically);
    ``kind="truth"`` labels it as the simulator's true map."""
    fig = map_matplotlib(
        m, style=style, width_px=width_px, height_px=height_px, clusters=clusters, kind=kind
    )
    return save_png(fig, path)


def map_matplotlib(
    m: LiquidationMap,
    *,
    style: Style | None = None,
    width_px: int = 1600,
    height_px: int = 900,
    clusters: bool = True,
    kind: MapKind = "estimate",
) -> Figure:
    """The liquidation map as a matplotlib figure (Agg canvas, no pyplot state)."""
    st = style or DARK
    fig = new_figure(st, width_px, height_px)
    extra_lines = bool(m.venues) + bool(map_caveat(m, kind))
    bottom = _BOTTOM + 0.02 * extra_lines  # room for the per-venue and caveat footer lines
    ax = fig.add_axes((_LEFT, bottom, _RIGHT - _LEFT, _TOP - bottom))
    style_axes(ax, st)
    cum_ax = ax.twinx()
    style_axes(cum_ax, st, grid_axis="none")

    colors = tier_colors(st, len(m.leverages))
    px_per_bin = width_px * (_RIGHT - _LEFT) / max(m.n_bins, 1)
    gap = _BAR_GAP if px_per_bin >= 4.0 else 0.0
    zero = np.zeros(m.n_bins)
    _draw_band(ax, m, st)
    long_top = _draw_stack(ax, m.edges, m.long_usd, zero, colors=colors, gap=gap)
    stack_top = _draw_stack(ax, m.edges, m.short_usd, long_top, colors=colors, gap=gap)

    lo, hi = float(m.edges[0]), float(m.edges[-1])
    ax.axvspan(lo, m.price, color=st.long_color, alpha=st.side_tint_alpha, lw=0, zorder=0)
    ax.axvspan(m.price, hi, color=st.short_color, alpha=st.side_tint_alpha, lw=0, zorder=0)
    peak = float(stack_top.max()) if m.n_bins else 0.0
    ax.set_xlim(lo, hi)
    ax.set_ylim(0.0, peak * 1.34 if peak > 0 else 1.0)

    _draw_cumulative(cum_ax, m, st)
    _draw_price_line(cum_ax, m, st)
    if peak <= 0:
        _empty_note(ax, cum_ax, st)
    _axis_labels(ax, cum_ax, m, st)
    if clusters and m.clusters:
        _annotate_clusters(ax, cum_ax, m, stack_top, st)
    _header(fig, m, st, colors, kind)
    return fig


def _draw_band(ax: Axes, m: LiquidationMap, st: Style) -> None:
    """The 80% band of the USD per bin (long + short), shaded behind the stacked bars."""
    if not m.band_usd.size:
        return
    lo = m.band_usd[0] + m.band_usd[2]
    hi = m.band_usd[1] + m.band_usd[3]
    x = np.repeat(m.edges, 2)[1:-1]
    upper = np.column_stack([x, np.repeat(hi, 2)])
    lower = np.column_stack([x[::-1], np.repeat(lo, 2)[::-1]])
    poly = PolyCollection([np.vstack([upper, lower])], facecolors=st.muted, alpha=0.18,
                          edgecolors="none", lw=0, label="80% band")  # fmt: skip
    ax.add_collection(poly, autolim=False)


def _draw_stack(
    ax: Axes,
    edges: np.ndarray,
    usd: np.ndarray,
    base: np.ndarray,
    *,
    colors: list[str],
    gap: float,
) -> np.ndarray:
    """Stack the tiers of one side on ``base``; return the new top of the stack per bin."""
    top = base.copy()
    for tier in range(usd.shape[0]):
        height = np.nan_to_num(usd[tier], nan=0.0, posinf=0.0, neginf=0.0).clip(min=0.0)
        if height.any():
            if gap > 0:
                _bars(ax, edges, top, height, color=colors[tier], gap=gap)
            else:  # narrow bins: one filled step outline per tier, fast and free of seams
                _steps(ax, edges, top, height, color=colors[tier])
        top = top + height
    return top


def _bars(
    ax: Axes, edges: np.ndarray, bottom: np.ndarray, height: np.ndarray, *, color: str, gap: float
) -> None:
    keep = height > 0
    x0, x1 = edges[:-1][keep], edges[1:][keep]
    pad = (x1 - x0) * gap / 2.0
    x0, x1 = x0 + pad, x1 - pad
    y0 = bottom[keep]
    y1 = y0 + height[keep]
    corners = [(x0, y0), (x0, y1), (x1, y1), (x1, y0)]
    verts = np.stack([np.column_stack(c) for c in corners], axis=1)
    ax.add_collection(PolyCollection(list(verts), facecolors=color, edgecolors="none", lw=0))


def _steps(
    ax: Axes, edges: np.ndarray, bottom: np.ndarray, height: np.ndarray, *, color: str
) -> None:
    """One polygon tracing the bins' tops left to right and their bottoms back.

    (``Axes.stairs`` draws the same but spends most of a 2,000-bin render computing data limits,
    which are set explicitly here.)
    """
    x = np.repeat(edges, 2)[1:-1]
    upper = np.column_stack([x, np.repeat(bottom + height, 2)])
    lower = np.column_stack([x[::-1], np.repeat(bottom, 2)[::-1]])
    poly = PolyCollection([np.vstack([upper, lower])], facecolors=color, edgecolors="none", lw=0)
    ax.add_collection(poly, autolim=False)


def _draw_cumulative(ax: Axes, m: LiquidationMap, st: Style) -> None:
    centers = m.centers
    below, above = centers < m.price, centers > m.price
    xl = np.append(centers[below], m.price)
    yl = np.nan_to_num(np.append(m.cum_long[below], 0.0))
    xs = np.insert(centers[above], 0, m.price)
    ys = np.nan_to_num(np.insert(m.cum_short[above], 0, 0.0))
    for x, y, color in ((xl, yl, st.long_color), (xs, ys, st.short_color)):
        if len(x) > 1:
            ax.fill_between(x, y, 0.0, color=color, alpha=0.05, lw=0)
            ax.plot(x, y, color=color, lw=2.0, solid_capstyle="round")
    top = max(float(yl.max()), float(ys.max()))
    ax.set_ylim(0.0, top * 1.12 if top > 0 else 1.0)
    ax.set_xlim(float(m.edges[0]), float(m.edges[-1]))


def _draw_price_line(ax: Axes, m: LiquidationMap, st: Style) -> None:
    ax.axvline(m.price, color=st.price_line, lw=1.3, ls=(0, (5, 3)), alpha=0.95, zorder=5)
    tag = price_tag(m)
    ax.text(
        tag.x,
        0.985 if tag.inside else 0.925,  # below the side labels when pinned to an edge
        tag.text,
        transform=ax.get_xaxis_transform(),
        ha=tag.anchor,
        va="top",
        fontsize=st.label_size,
        fontweight="bold",
        color=st.background,
        parse_math=False,
        bbox={"boxstyle": "round,pad=0.35", "fc": st.price_line, "ec": "none"},
        zorder=6,
    )
    for x, ha, text, color in (
        (0.008, "left", "◀  LONG LIQUIDATIONS", st.long_color),
        (0.992, "right", "SHORT LIQUIDATIONS  ▶", st.short_color),
    ):
        ax.text(
            x,
            0.985,
            text,
            transform=ax.transAxes,
            ha=ha,
            va="top",
            fontsize=st.label_size,
            fontweight="bold",
            color=color,
            alpha=0.9,
            parse_math=False,
        )


def _empty_note(ax: Axes, cum_ax: Axes, st: Style) -> None:
    """Say so when the map holds no USD at all (rather than show an empty frame)."""
    ax.set_yticks([0.0])
    cum_ax.set_yticks([0.0])
    cum_ax.text(
        0.5,
        0.5,
        "No estimated liquidation levels in this price range",
        transform=cum_ax.transAxes,
        ha="center",
        va="center",
        fontsize=st.title_size * 0.8,
        color=st.muted,
        bbox={"boxstyle": "round,pad=0.6", "fc": st.panel, "ec": st.grid},
        zorder=8,
    )


def _axis_labels(ax: Axes, cum_ax: Axes, m: LiquidationMap, st: Style) -> None:
    step = float(np.median(np.diff(m.edges))) if m.n_bins else None
    ax.xaxis.set_major_formatter(price_formatter(price_decimals(m.price, step)))
    ax.yaxis.set_major_formatter(usd_formatter())
    cum_ax.yaxis.set_major_formatter(usd_formatter())
    ax.set_xlabel("Price", color=st.muted, fontsize=st.label_size)
    ax.set_ylabel("Liquidation USD per bin", color=st.muted, fontsize=st.label_size)
    cum_ax.set_ylabel("Cumulative liquidation USD", color=st.muted, fontsize=st.label_size)


def _annotate_clusters(
    ax: Axes, cum_ax: Axes, m: LiquidationMap, stack_top: np.ndarray, st: Style
) -> None:
    """Label the top clusters (price and USD) above their bars, staggered when crowded and
    lifted, as rendered, until no label covers another or the price tag."""
    drawn = []
    for label in cluster_labels(m, stack_top):
        c = label.cluster
        color = st.long_color if c.side == "long" else st.short_color
        # drawn on the top axes (so curves never hide a label) but placed in bar coordinates
        a = cum_ax.annotate(
            f"{format_price(c.price)}\n{format_usd(c.usd)}",
            xy=(c.price, label.y),
            xycoords=ax.transData,
            xytext=(0, 12 + 30 * label.level),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=st.annotation_size,
            fontweight="bold",
            color=st.text,
            linespacing=1.15,
            parse_math=False,
            bbox={"boxstyle": "round,pad=0.3", "fc": st.panel, "ec": color, "lw": 0.9},
            arrowprops={"arrowstyle": "-", "color": color, "lw": 0.9, "shrinkA": 0, "shrinkB": 1},
            zorder=7,
        )
        drawn.append(a)
    lift_annotations(ax.figure, drawn)  # type: ignore[arg-type]


def _header(fig: Figure, m: LiquidationMap, st: Style, colors: list[str], kind: MapKind) -> None:
    _mpl.titles(fig, st, _LEFT, map_title(m, kind), map_subtitle(m, kind), y=_TITLE_Y)
    _legend(fig, m, st, colors)
    footer = map_footer(m, kind)
    if m.venues:
        footer += "\nBy venue: " + " · ".join(
            f"{v} longs {format_usd(float(m.long_usd_by_venue[k].sum()))} / shorts "
            f"{format_usd(float(m.short_usd_by_venue[k].sum()))}"
            for k, v in enumerate(m.venues)
        )
    fig.text(
        _LEFT,
        0.018,
        footer,
        ha="left",
        va="bottom",
        fontsize=st.tick_size,
        color=st.muted,
        parse_math=False,
    )
    caveat = map_caveat(m, kind)
    if caveat:  # what the map could not see, on the chart itself (issue 14 item 3)
        fig.text(
            _LEFT,
            0.018 + 0.022 * (1 + bool(m.venues)),
            f"⚠ {caveat}",
            ha="left",
            va="bottom",
            fontsize=st.tick_size,
            color=st.caveat_color,
            parse_math=False,
            gid="caveat",
        )


def _legend(fig: Figure, m: LiquidationMap, st: Style, colors: list[str]) -> None:
    """One row under the titles: the tiers, the cumulative curves, the price line, the band."""
    handles: list[Patch | Line2D] = [
        Patch(color=c, label=tier_label(lv)) for c, lv in zip(colors, m.leverages, strict=True)
    ]
    handles += [
        Line2D([], [], color=st.long_color, lw=2.0, label="Cumulative longs (price falls)"),
        Line2D([], [], color=st.short_color, lw=2.0, label="Cumulative shorts (price rises)"),
        Line2D([], [], color=st.price_line, lw=1.3, ls=(0, (5, 3)), label="Current price"),
    ]
    if m.band_usd.size:  # the shaded area behind the bars (see _draw_band)
        handles.append(Patch(color=st.muted, alpha=0.35, label="80% band (tape scale)"))
    _mpl.legend_row(
        fig, st, handles, _LEFT, 0.872, handlelength=1.4, handleheight=0.9, columnspacing=1.4
    )
