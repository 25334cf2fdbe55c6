"""Estimate vs truth as one PNG: the model's map above the simulator's true map, same scales.

Both panels share the price axis and the USD-per-bin axis (the larger peak of the two sets it),
so the eye compares heights directly; the title names both and the subtitle carries the measured
similarity. Only the demo has a truth (the simulator knows every position).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from liqmap.core.results import LiquidationMap, tier_label
from liqmap.render import _mpl
from liqmap.render._mpl import new_figure, price_formatter, save_png, style_axes, usd_formatter
from liqmap.render.formatting import exchange_name, map_totals, utc_text
from liqmap.render.mpl_map import _draw_stack
from liqmap.render.style import DARK, Style, tier_colors

__all__ = ["compare_matplotlib", "render_compare_png"]

_LEFT, _RIGHT = 0.065, 0.975
_PANELS = ((0.505, 0.335), (0.095, 0.335))  # (bottom, height) of estimate and truth panels


def render_compare_png(
    estimate: LiquidationMap,
    truth: LiquidationMap,
    path: str | os.PathLike[str],
    *,
    truth_label: str = "all open positions",
    similarity: str = "",
    style: Style | None = None,
    width_px: int = 1600,
    height_px: int = 1000,
) -> Path:
    """Write the estimate-vs-truth figure to ``path`` (atomically)."""
    fig = compare_matplotlib(
        estimate, truth, truth_label=truth_label, similarity=similarity, style=style,
        width_px=width_px, height_px=height_px,
    )  # fmt: skip
    return save_png(fig, path)


def compare_matplotlib(
    estimate: LiquidationMap,
    truth: LiquidationMap,
    *,
    truth_label: str = "all open positions",
    similarity: str = "",
    style: Style | None = None,
    width_px: int = 1600,
    height_px: int = 1000,
) -> Figure:
    """Two panels on one price axis and one USD scale: estimate (top), truth (bottom)."""
    if estimate.edges.shape != truth.edges.shape or not np.allclose(estimate.edges, truth.edges):
        raise ValueError("estimate and truth must share one price grid (use api.true_map)")
    st = style or DARK
    fig = new_figure(st, width_px, height_px)
    colors = tier_colors(st, len(estimate.leverages))
    tops = [_stack_top(m) for m in (estimate, truth)]
    y_max = max(float(t.max(initial=0.0)) for t in tops) * 1.15 or 1.0
    panels = (
        (estimate, f"ESTIMATE · liqmap model ({estimate.window_label} window)"),
        (truth, f"TRUTH · simulator, {truth_label}"),
    )
    axes: list[Axes] = []
    for (m, label), (bottom, height) in zip(panels, _PANELS, strict=True):
        ax = fig.add_axes((_LEFT, bottom, _RIGHT - _LEFT, height))
        style_axes(ax, st)
        zero = np.zeros(m.n_bins)
        long_top = _draw_stack(ax, m.edges, m.long_usd, zero, colors=colors, gap=0.0)
        _draw_stack(ax, m.edges, m.short_usd, long_top, colors=colors, gap=0.0)
        ax.axvline(m.price, color=st.price_line, lw=1.2, ls=(0, (5, 3)), zorder=5)
        ax.set_xlim(float(m.edges[0]), float(m.edges[-1]))
        ax.set_ylim(0.0, y_max)
        ax.yaxis.set_major_formatter(usd_formatter())
        ax.xaxis.set_major_formatter(price_formatter())
        ax.set_ylabel("USD per bin", color=st.muted, fontsize=st.label_size)
        ax.text(
            0.008, 0.96, f"{label}  ·  {map_totals(m)}", transform=ax.transAxes, ha="left",
            va="top", fontsize=st.label_size, fontweight="bold", color=st.text, parse_math=False,
            bbox={"boxstyle": "round,pad=0.3", "fc": st.panel, "ec": "none"}, zorder=8,
        )  # fmt: skip
        axes.append(ax)
    axes[1].set_xlabel("Price (same scale in both panels)", color=st.muted, fontsize=st.label_size)
    _header(fig, estimate, st, colors, similarity)
    return fig


def _stack_top(m: LiquidationMap) -> np.ndarray:
    usd = np.nan_to_num(m.long_usd).clip(min=0.0) + np.nan_to_num(m.short_usd).clip(min=0.0)
    return np.asarray(usd.sum(axis=0), dtype=np.float64)


def _header(fig: Figure, m: LiquidationMap, st: Style, colors: list[str], similarity: str) -> None:
    title = (
        f"{m.symbol} · {exchange_name(m.exchange)} rules — estimate vs simulator truth · "
        f"as of {utc_text(m.as_of_ms)}"
    )
    sub = similarity or "same price axis and the same USD scale in both panels"
    _mpl.titles(fig, st, _LEFT, title, sub, y=(0.975, 0.935))
    handles = [
        Patch(color=c, label=tier_label(lv)) for c, lv in zip(colors, m.leverages, strict=True)
    ]
    _mpl.legend_row(fig, st, handles, _LEFT, 0.875, handlelength=1.4, columnspacing=1.4)
    fig.text(
        _LEFT, 0.015, "Known only in the demo: the simulator holds every position; dashed line: "
        "current price", ha="left", va="bottom", fontsize=st.tick_size, color=st.muted,
        parse_math=False,
    )  # fmt: skip
