"""Cascade paths and plan levels drawn over the liquidation map (PNG and interactive HTML).

Each chart is the map of :mod:`liqmap.render.mpl_map` / :mod:`liqmap.render.html_map` with an
overlay on the cumulative-USD axis, whose units the cascade shares:

* **cascade**: the rounds as a staircase (price moves along x; each round's forced orders raise the
  cumulative liquidated USD, which ends on the map's cumulative curve), the book-absorption curve
  :math:`D(d) - X_0` (the forced USD the book can take before price gets there; the cascade stops
  where the cumulative curve falls below it), the shaded wick from the start to the pin, and lines
  at the shock, pin and final prices;
* **plan**: entry, stop, take-profit lines with their numbers, thin breakout zones shaded, and
  forced-flow levels of the execution marked.

The plotly figures live in :mod:`liqmap.render.overlays_html` (re-exported here), the data both
draw in :mod:`liqmap.render._overlay_data`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

from liqmap.core.cascade import CascadeResult
from liqmap.core.cascade_dist import CascadeOutcomes
from liqmap.core.plan import Plan
from liqmap.core.results import LiquidationMap
from liqmap.errors import ParameterError
from liqmap.render._declutter import declutter
from liqmap.render._mpl import save_png
from liqmap.render._overlay_data import (
    AMBER,
    absorption,
    kind_color,
    outcome_text,
    plan_lines,
    staircase,
    summary,
)
from liqmap.render._plotly import write_html
from liqmap.render.formatting import format_price, format_usd, map_title
from liqmap.render.mpl_map import map_matplotlib
from liqmap.render.overlays_html import cascade_figure, plan_figure
from liqmap.render.style import DARK, Style

__all__ = [
    "cascade_figure",
    "cascade_matplotlib",
    "plan_figure",
    "plan_matplotlib",
    "render_cascade",
    "render_plan",
]


def _window(m: LiquidationMap, prices: list[float], min_pct: float = 4.0) -> tuple[float, float]:
    """An x range around the map's price wide enough for ``prices`` (>= ``min_pct`` each side)."""
    far = max([abs(p / m.price - 1.0) * 100 for p in prices] + [0.0])
    half = max(min_pct, 1.3 * far) / 100 * m.price
    return max(float(m.edges[0]), m.price - half), min(float(m.edges[-1]), m.price + half)


def _zoom(fig: Figure, m: LiquidationMap, lo: float, hi: float) -> None:
    """Show ``[lo, hi]`` only, with both y axes scaled to what is visible."""
    ax, cum_ax = fig.axes[0], fig.axes[1]
    ax.set_xlim(lo, hi)
    cum_ax.set_xlim(lo, hi)
    seen = (m.edges[1:] > lo) & (m.edges[:-1] < hi)
    peak = float((m.long_total + m.short_total)[seen].max(initial=0.0))
    if peak > 0:
        ax.set_ylim(0.0, peak * 1.34)
    c = m.centers
    inside = (c >= lo) & (c <= hi)
    cum = float(np.nan_to_num(np.r_[m.cum_long[inside], m.cum_short[inside]]).max(initial=0.0))
    if cum > 0:
        cum_ax.set_ylim(0.0, cum * 1.12)


def cascade_matplotlib(
    m: LiquidationMap, r: CascadeResult, *, style: Style | None = None, zoom: bool = True,
    outcomes: CascadeOutcomes | None = None,
) -> Figure:  # fmt: skip
    """The map with the cascade drawn over it (matplotlib figure); ``zoom`` frames the cascade;
    ``outcomes`` shade the wick's p10-p90 range and add the distribution to the summary."""
    st = style or DARK
    fig = map_matplotlib(m, style=st, clusters=False)
    if zoom:
        _zoom(fig, m, *_window(m, [r.pin_price]))
    ax, cum_ax = fig.axes[0], fig.axes[1]
    accent = st.long_color if r.direction < 0 else st.short_color
    lo, hi = sorted((r.start_price, r.pin_price))
    ax.axvspan(lo, hi, color=accent, alpha=0.10, lw=0, zorder=0.5)
    top = cum_ax.get_ylim()[1]
    bx, by = absorption(r, m)
    cum_ax.plot(bx, np.minimum(by, top), color=AMBER, lw=1.6, ls=(0, (4, 2)), zorder=7)
    sx, sy = staircase(r)
    cum_ax.plot(sx, sy, color=st.text, lw=2.0, zorder=8, solid_joinstyle="miter")
    if outcomes is not None:
        lo_q = r.start_price * (1 + outcomes.pin_move_pct[0.1] / 100)
        hi_q = r.start_price * (1 + outcomes.pin_move_pct[0.9] / 100)
        ax.axvspan(min(lo_q, hi_q), max(lo_q, hi_q), color=accent, alpha=0.22, lw=0, zorder=0.6)
    labels = [
        _vline(cum_ax, price, f"{text} {format_price(price)}", accent, ls, st)
        for price, text, ls in (
            (r.shock_price, "shock", (0, (2, 2))),
            (r.pin_price, "pin", "-"),
            (r.final_price, "final", (0, (6, 2))),
        )
    ]
    head = (
        summary(r)
        + "\namber: absorption (forced USD the market takes); white: cascade path"
        + (f"\n{outcome_text(outcomes)}" if outcomes is not None else "")
    )
    _headline(cum_ax, head, accent, st)
    declutter(fig, labels)
    return fig


def _headline(ax: Axes, text: str, edge: str, st: Style) -> None:
    """The overlay's boxed headline, centred near the top of the chart, framed in ``edge``."""
    ax.text(
        0.5,
        0.90,
        text,
        transform=ax.transAxes,
        ha="center",
        va="top",
        fontsize=st.label_size,
        color=st.text,
        parse_math=False,
        bbox={"boxstyle": "round,pad=0.4", "fc": st.panel, "ec": edge},
        zorder=9,
    )


def _vline(ax: Axes, x: float, text: str, color: str, ls: Any, st: Style) -> Text:
    ax.axvline(x, color=color, lw=1.4, ls=ls, zorder=7)
    return ax.text(
        x,
        0.02,
        text,
        transform=ax.get_xaxis_transform(),
        rotation=90,
        ha="right",
        va="bottom",
        fontsize=st.annotation_size,
        color=st.text,
        parse_math=False,
        zorder=9,
        bbox={"boxstyle": "round,pad=0.2", "fc": st.panel, "ec": "none", "alpha": 0.75},
    )


def plan_matplotlib(
    m: LiquidationMap, p: Plan, *, style: Style | None = None, zoom: bool = True
) -> Figure:
    """The map with the plan's levels drawn on it (matplotlib figure); ``zoom`` frames them."""
    st = style or DARK
    fig = map_matplotlib(m, style=st, clusters=False)
    if zoom:
        _zoom(fig, m, *_window(m, [price for price, _, _ in plan_lines(p)]))
    ax, cum_ax = fig.axes[0], fig.axes[1]
    for z in p.breakout_zones:
        ax.axvspan(
            z.price_low,
            z.price_high,
            facecolor="none",
            edgecolor=st.muted,
            hatch="//",
            lw=0,
            alpha=0.5,
            zorder=0.6,
        )
    labels = [
        _vline(
            cum_ax, price, label, kind_color(kind, st), "-" if kind != "entry" else (0, (1, 2)), st
        )
        for price, label, kind in plan_lines(p)
    ]
    if p.execution is not None:
        for i, (c, usd) in enumerate(p.execution.forced_levels):
            cum_ax.plot([c.price], [0.0], marker="^", ms=11, color=AMBER, zorder=9, clip_on=False)
            cum_ax.annotate(
                f"forced {format_usd(usd)}",
                (c.price, 0.0),
                xytext=(0, 12 + 11 * i),
                textcoords="offset points",
                ha="center",
                fontsize=st.annotation_size,
                color=AMBER,
                parse_math=False,
                annotation_clip=True,
            )
    head = f"{p.side.upper()} plan · ATR {p.atr_pct:.2f}% · hatched: thin breakout zones"
    _headline(cum_ax, head, st.grid, st)
    declutter(fig, labels)
    return fig


def _check(path: str | os.PathLike[str]) -> bool:
    suffix = Path(path).suffix.lower()
    if suffix not in (".png", ".html", ".htm"):
        raise ParameterError(
            f"cannot tell the chart format of '{os.fspath(path)}'; end it in .png or .html"
        )
    return suffix == ".png"


def render_cascade(
    m: LiquidationMap, r: CascadeResult, path: str | os.PathLike[str], *,
    style: Style | None = None, outcomes: CascadeOutcomes | None = None,
) -> Path:  # fmt: skip
    """Write the cascade chart to ``path`` (``.png`` or ``.html``) atomically."""
    st = style or DARK
    if _check(path):
        return save_png(cascade_matplotlib(m, r, style=st, outcomes=outcomes), path)
    return write_html(
        cascade_figure(m, r, style=st, outcomes=outcomes), path,
        title=f"{map_title(m)} · cascade", st=st,
    )  # fmt: skip


def render_plan(
    m: LiquidationMap, p: Plan, path: str | os.PathLike[str], *, style: Style | None = None
) -> Path:
    """Write the plan chart to ``path`` (``.png`` or ``.html``) atomically."""
    st = style or DARK
    if _check(path):
        return save_png(plan_matplotlib(m, p, style=st), path)
    return write_html(plan_figure(m, p, style=st), path, title=f"{map_title(m)} · plan", st=st)
