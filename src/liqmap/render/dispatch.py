"""``render(result, path)``: pick the renderer from the result type and the file suffix."""

from __future__ import annotations

import os
from pathlib import Path

from liqmap.core.results import LiquidationHeatmap, LiquidationMap
from liqmap.errors import ParameterError
from liqmap.render._plotly import JsMode
from liqmap.render.heatmap_scale import DEFAULT_VIEW_PCT, PathMode
from liqmap.render.html_heatmap import render_heatmap_html
from liqmap.render.html_map import render_map_html
from liqmap.render.mpl_heatmap import render_heatmap_png
from liqmap.render.mpl_map import render_map_png
from liqmap.render.style import Style

__all__ = ["SUFFIXES", "render"]

SUFFIXES = (".png", ".html", ".htm")


def render(
    result: LiquidationMap | LiquidationHeatmap,
    path: str | os.PathLike[str],
    *,
    style: Style | None = None,
    view_pct: float | None = DEFAULT_VIEW_PCT,
    price_path: PathMode = "auto",
    js: JsMode = "inline",
) -> Path:
    """Write ``result`` to ``path`` as a PNG (``.png``) or interactive HTML (``.html``).

    Heatmaps take ``view_pct`` (price view: the traded range +/- this % of price; ``None`` =
    the whole grid) and ``price_path`` (``line``, ``candles`` or ``auto``); HTML files take
    ``js`` (``inline``: one self-contained file; ``shared``: one script file next to them).

    Raises
    ------
    ParameterError
        When the suffix of ``path`` is neither ``.png`` nor ``.html``.
    TypeError
        When ``result`` is not a :class:`LiquidationMap` or :class:`LiquidationHeatmap`.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise ParameterError(
            f"cannot tell the chart format of '{os.fspath(path)}' from its suffix "
            f"({suffix or 'none'}); end the file name in .png (picture) or .html (interactive)"
        )
    png = suffix == ".png"
    if isinstance(result, LiquidationMap):
        return (
            render_map_png(result, path, style=style)
            if png
            else render_map_html(result, path, style=style, js=js)
        )
    if isinstance(result, LiquidationHeatmap):
        if png:
            return render_heatmap_png(
                result, path, style=style, view_pct=view_pct, price_path=price_path
            )
        return render_heatmap_html(
            result, path, style=style, view_pct=view_pct, price_path=price_path, js=js
        )
    raise TypeError(
        f"render() draws a LiquidationMap or a LiquidationHeatmap, got {type(result).__name__}"
    )
