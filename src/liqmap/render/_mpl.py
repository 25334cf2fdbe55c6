"""Matplotlib plumbing shared by the PNG renderers: no pyplot, no global rcParams changes.

Figures are plain :class:`matplotlib.figure.Figure` objects bound to an Agg canvas, so rendering
works headless and in threads, and never switches the caller's pyplot backend.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import Formatter

from liqmap.core.formatting import format_price_ticks, format_usd_ticks
from liqmap.io.atomic import atomic_writer
from liqmap.render.style import Style

__all__ = [
    "fit_width",
    "legend_row",
    "new_figure",
    "price_formatter",
    "save_png",
    "style_axes",
    "titles",
    "usd_formatter",
]

# The figure is always 16 inches wide; dpi scales with the requested pixel width so that text
# keeps the same share of the picture at any size.
_FIG_WIDTH_IN = 16.0


def new_figure(style: Style, width_px: int, height_px: int) -> Figure:
    """An Agg-backed figure of exactly ``width_px`` x ``height_px`` pixels."""
    if width_px < 200 or height_px < 150:
        raise ValueError(f"image too small: {width_px}x{height_px} px (minimum 200x150)")
    dpi = width_px / _FIG_WIDTH_IN
    fig = Figure(figsize=(_FIG_WIDTH_IN, height_px / dpi), dpi=dpi, facecolor=style.background)
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """Write ``fig`` as PNG to ``path`` atomically (parent folders are created)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(target, "wb") as f:
        fig.savefig(f, format="png", dpi=fig.dpi, facecolor=fig.get_facecolor())
    return target


class _TickFormatter(Formatter):
    """Labels all ticks of an axis together, so they share one unit and one decimal count."""

    def __init__(self, fmt: Callable[[Sequence[float]], list[str]], *, escape: bool) -> None:
        self._fmt = fmt
        self._escape = escape

    def format_ticks(self, values: Any) -> list[str]:
        labels = self._fmt([float(v) for v in values])
        # escaped: two "$" in one label would otherwise start matplotlib mathtext
        return [t.replace("$", r"\$") for t in labels] if self._escape else labels

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self.format_ticks([x])[0]


def usd_formatter() -> Formatter:
    """Axis tick labels ``$0 $50k $100k`` / ``$0.8B $1.0B``: one unit and decimals per axis."""
    return _TickFormatter(format_usd_ticks, escape=True)


def price_formatter(decimals: int | None = None) -> Formatter:
    """Axis tick labels ``58,000``: the decimals the tick step needs (``decimals`` is ignored,
    kept for callers that passed the price's own decimals)."""
    del decimals
    return _TickFormatter(format_price_ticks, escape=False)


def style_axes(
    ax: Axes, style: Style, *, grid_axis: Literal["x", "y", "both", "none"] = "y"
) -> None:
    """Panel colour, quiet spines, grid and tick colours of ``style``."""
    ax.set_facecolor(style.panel)
    for name, spine in ax.spines.items():
        spine.set_color(style.grid)
        spine.set_visible(name in ("bottom", "left", "right"))
    ax.tick_params(
        colors=style.muted,
        labelcolor=style.text,
        labelsize=style.tick_size,
        length=3,
        width=0.8,
    )
    if grid_axis != "none":
        ax.grid(True, axis=grid_axis, color=style.grid, linewidth=0.7, alpha=0.9)
        ax.set_axisbelow(True)


def titles(
    fig: Figure, style: Style, left: float, title: str, subtitle: str, *, y: tuple[float, float]
) -> None:
    """The chart's bold title and muted subtitle, top-left aligned at ``left`` and heights ``y``
    (figure coordinates); a line wider than the figure (less the same margin on the right) is
    set in a smaller size that fits, never cut at the edge."""
    head = fig.text(
        left,
        y[0],
        title,
        ha="left",
        va="top",
        fontsize=style.title_size,
        fontweight="bold",
        color=style.text,
        parse_math=False,
    )
    sub = fig.text(
        left,
        y[1],
        subtitle,
        ha="left",
        va="top",
        fontsize=style.subtitle_size,
        color=style.muted,
        parse_math=False,
    )
    for t in (head, sub):
        fit_width(fig, t, 1.0 - 2.0 * left)


def fit_width(fig: Figure, t: Text, width: float, smallest: float = 0.6) -> None:
    """Shrink ``t``'s font until it spans at most ``width`` (a fraction of the figure's width),
    down to ``smallest`` of its size; measured on the figure's renderer, no full draw."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    room = width * fig.bbox.width
    wide = t.get_window_extent(renderer).width
    if wide > room > 0:
        t.set_fontsize(float(t.get_fontsize()) * max(smallest, room / wide * 0.99))


def legend_row(
    fig: Figure,
    style: Style,
    handles: Sequence[Artist],
    left: float,
    y: float,
    *,
    handlelength: float | None = None,
    handleheight: float | None = None,
    columnspacing: float | None = None,
) -> None:
    """One frameless legend row under the titles, starting at ``left``, centred on height ``y``
    (``None`` spacings: matplotlib's defaults)."""
    fig.legend(
        handles=handles,
        loc="center left",
        bbox_to_anchor=(left - 0.006, y),
        ncol=len(handles),
        frameon=False,
        fontsize=style.label_size,
        labelcolor=style.text,
        handlelength=handlelength,
        handleheight=handleheight,
        columnspacing=columnspacing,
    )
