"""Charts from result objects only: matplotlib PNG and self-contained interactive plotly HTML.

Every renderer takes a :class:`~liqmap.core.results.LiquidationMap` or
:class:`~liqmap.core.results.LiquidationHeatmap` and an output path, writes the file atomically
(a temporary file in the same folder, then ``os.replace``) and returns the path. Styles are data
(:mod:`liqmap.render.style`); PNGs are drawn on an Agg canvas without touching pyplot state;
HTML files embed plotly.js, so they work offline.

>>> render(liq_map, "btc.png")                # doctest: +SKIP
>>> render(heatmap, "btc-heatmap.html")      # doctest: +SKIP
"""

from liqmap.render.dispatch import SUFFIXES, render
from liqmap.render.html_heatmap import heatmap_figure, render_heatmap_html
from liqmap.render.html_map import map_figure, render_map_html
from liqmap.render.mpl_heatmap import heatmap_matplotlib, render_heatmap_png
from liqmap.render.mpl_map import map_matplotlib, render_map_png
from liqmap.render.style import DARK, LIGHT, STYLES, Style, get_style

__all__ = [
    "DARK",
    "LIGHT",
    "STYLES",
    "SUFFIXES",
    "Style",
    "get_style",
    "heatmap_figure",
    "heatmap_matplotlib",
    "map_figure",
    "map_matplotlib",
    "render",
    "render_heatmap_html",
    "render_heatmap_png",
    "render_map_html",
    "render_map_png",
]
