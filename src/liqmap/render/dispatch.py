"""``render(result, path)``: pick the renderer from the result type and the file suffix.

The one place that maps a result type to its chart: a new chart type adds its branch here (and
its renderer module beside this one); the CLI, ``liqmap.plot()`` and ``liqmap.output`` call this.
"""

from __future__ import annotations

import os
from pathlib import Path

from liqmap.core.cascade import CascadeResult
from liqmap.core.cascade_dist import CascadeOutcomes
from liqmap.core.plan import Plan
from liqmap.core.results import LiquidationHeatmap, LiquidationMap
from liqmap.errors import ParameterError
from liqmap.render._plotly import JsMode
from liqmap.render.heatmap_scale import DEFAULT_VIEW_PCT, PathMode
from liqmap.render.html_heatmap import render_heatmap_html
from liqmap.render.html_map import render_map_html
from liqmap.render.mpl_heatmap import render_heatmap_png
from liqmap.render.mpl_map import render_map_png
from liqmap.render.overlays import render_cascade, render_plan
from liqmap.render.style import Style

__all__ = ["SUFFIXES", "Drawable", "render"]

SUFFIXES = (".png", ".html", ".htm")

#: What :func:`render` draws (a cascade or a plan over the map it was computed from).
Drawable = LiquidationMap | LiquidationHeatmap | CascadeResult | Plan


def render(
    result: Drawable,
    path: str | os.PathLike[str],
    *,
    style: Style | None = None,
    view_pct: float | None = DEFAULT_VIEW_PCT,
    price_path: PathMode = "auto",
    js: JsMode = "inline",
    on: LiquidationMap | None = None,
    outcomes: CascadeOutcomes | None = None,
) -> Path:
    """Write ``result`` to ``path`` as a PNG (``.png``) or interactive HTML (``.html``).

    Heatmaps take ``view_pct`` (price view: the traded range +/- this % of price; ``None`` =
    the whole grid) and ``price_path`` (``line``, ``candles`` or ``auto``); HTML files take
    ``js`` (``inline``: one self-contained file; ``shared``: one script file next to them).
    A :class:`CascadeResult` or :class:`Plan` is drawn over ``on``, the map it was computed from
    (a cascade with its ``outcomes`` distribution when given).

    Raises
    ------
    ParameterError
        When the suffix of ``path`` is neither ``.png`` nor ``.html``.
        When a cascade or plan comes without ``on`` (its map).
    TypeError
        When ``result`` is none of the drawable results.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise ParameterError(
            f"cannot tell the chart format of '{os.fspath(path)}' from its suffix "
            f"({suffix or 'none'}); end the file name in .png (picture) or .html (interactive)"
        )
    png = suffix == ".png"
    if isinstance(result, CascadeResult | Plan):
        return _overlay(result, path, on, style, outcomes)
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
        "render() draws a LiquidationMap or a LiquidationHeatmap (or a CascadeResult or Plan "
        f"over its map), got {type(result).__name__}"
    )


def _overlay(
    result: CascadeResult | Plan,
    path: str | os.PathLike[str],
    on: LiquidationMap | None,
    style: Style | None,
    outcomes: CascadeOutcomes | None,
) -> Path:
    kind = "cascade" if isinstance(result, CascadeResult) else "plan"
    if on is None:
        raise ParameterError(
            f"a {kind} is drawn over the map it was computed from: pass it as on=liq_map",
            field="on",
        )
    if isinstance(result, CascadeResult):
        return render_cascade(on, result, path, style=style, outcomes=outcomes)
    return render_plan(on, result, path, style=style)
