"""Plotly plumbing shared by the HTML renderers: layout from a :class:`Style`, offline HTML files."""

from __future__ import annotations

import html
import math
import os
from pathlib import Path
from typing import Any, Literal

import plotly.graph_objects as go
from matplotlib.ticker import MaxNLocator

from liqmap.core.formatting import format_usd_ticks
from liqmap.io.atomic import write_atomic
from liqmap.render.style import Style

__all__ = [
    "PLOTLY_CONFIG",
    "PLOTLY_JS",
    "JsMode",
    "axis_decimals",
    "base_layout",
    "rgba",
    "title_block",
    "usd_axis",
    "usd_ticks",
    "write_html",
]

PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "scrollZoom": True,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}


def rgba(color: str, alpha: float) -> str:
    """``'#ff4d5e', 0.1 -> 'rgba(255,77,94,0.1)'``."""
    c = color.lstrip("#")
    r, g, b = (int(c[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha:g})"


def title_block(title: str, subtitle: str, st: Style) -> dict[str, Any]:
    """A two-line figure title: bold title, muted subtitle."""
    return {
        "text": f"<b>{html.escape(title)}</b>",
        "subtitle": {"text": html.escape(subtitle), "font": {"size": 12, "color": st.muted}},
        "x": 0.0,
        "xref": "paper",
        "xanchor": "left",
        "y": 0.985,
        "yref": "container",
        "yanchor": "top",
        "font": {"size": 19, "color": st.text},
    }


def axis_decimals(lo: float, hi: float) -> int:
    """Decimals of price-axis ticks: those of a tick step of about a tenth of ``[lo, hi]``
    (``1,800`` on an ETH axis, never ``1,800.0``)."""
    span = hi - lo
    return (
        0 if not (span > 0 and math.isfinite(span)) else max(0, -math.floor(math.log10(span / 10)))
    )


def usd_ticks(top: float, n: int = 6) -> tuple[list[float], list[str]]:
    """Round tick values in ``[0, top]`` and their labels (one unit, one decimal count)."""
    if not (top > 0 and math.isfinite(top)):
        return [0.0], ["$0"]
    vals = [float(v) for v in MaxNLocator(nbins=n, steps=[1, 2, 2.5, 5, 10]).tick_values(0, top)]
    vals = [v for v in vals if 0 <= v <= top * (1 + 1e-9)]
    return vals, format_usd_ticks(vals)


def usd_axis(st: Style, title: str, top: float | None = None) -> dict[str, Any]:
    """A y axis labelled ``$0 $50k $100k`` (one unit per axis); with ``top``, explicit ticks over
    ``[0, top]`` formatted by :func:`liqmap.core.formatting.format_usd_ticks`."""
    axis: dict[str, Any] = {
        "title": {"text": title, "font": {"color": st.muted, "size": 12}},
        "tickprefix": "$",
        "exponentformat": "B",
        "tickmode": "auto",
        "rangemode": "tozero",
        "gridcolor": st.grid,
        "zeroline": False,
        "linecolor": st.grid,
        "tickfont": {"color": st.text},
    }
    if top is not None:
        vals, text = usd_ticks(top)
        axis.update(tickmode="array", tickvals=vals, ticktext=text, tickprefix="")
    return axis


def base_layout(st: Style) -> dict[str, Any]:
    """Colours, fonts, legend and hover label of every figure."""
    return {
        "template": "plotly_dark" if st.dark else "plotly_white",
        "paper_bgcolor": st.background,
        "plot_bgcolor": st.panel,
        "font": {"family": st.web_font_family, "color": st.text, "size": 13},
        "margin": {"l": 80, "r": 90, "t": 108, "b": 40},
        "legend": {
            "orientation": "h",
            "x": 0.0,
            "xanchor": "left",
            "y": 1.01,
            "yanchor": "bottom",
            "bgcolor": "rgba(0,0,0,0)",
            "font": {"color": st.text},
        },
        "hoverlabel": {
            "bgcolor": st.panel,
            "bordercolor": st.grid,
            "font": {"family": st.web_font_family, "color": st.text, "size": 12},
            "align": "left",
        },
        "hovermode": "closest",
        "dragmode": "zoom",
    }


PLOTLY_JS = Path(__file__).resolve().parent / "vendor" / "plotly-cartesian.min.js"
"""The partial plotly.js bundle every chart uses (npm ``plotly.js-cartesian-dist-min``, the
version of the installed plotly package, MIT): bar, scatter and heatmap traces, 1.5 MB instead of
the full bundle's 4.8 MB. Charts therefore use only those trace types (candles are bars)."""

JsMode = Literal["inline", "shared"]


def write_html(
    fig: go.Figure,
    path: str | os.PathLike[str],
    *,
    title: str,
    st: Style,
    js: JsMode = "inline",
) -> Path:
    """Write ``fig`` as one HTML file that works offline.

    ``js="inline"`` embeds the partial plotly.js bundle (:data:`PLOTLY_JS`, one file to share);
    ``"shared"`` writes the bundle once as ``plotly-cartesian.min.js`` next to the file and links
    it (several charts in one folder share it).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    body = fig.to_html(
        include_plotlyjs=False,
        full_html=False,
        config=PLOTLY_CONFIG,
        default_width="100%",
        default_height="100vh",
    )
    if js == "shared":
        shared = target.parent / PLOTLY_JS.name
        if not shared.exists() or shared.stat().st_size != PLOTLY_JS.stat().st_size:
            write_atomic(shared, PLOTLY_JS.read_text(encoding="utf-8"))
        script = f'<script src="{PLOTLY_JS.name}"></script>'
    else:
        script = f"<script>{PLOTLY_JS.read_text(encoding='utf-8')}</script>"
    text = (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8" />\n'
        f"<title>{html.escape(title)}</title>\n{script}\n</head>\n"
        f'<body style="margin:0;background:{st.background};overflow:hidden">\n{body}\n'
        "</body>\n</html>\n"
    )
    write_atomic(target, text)
    return target
