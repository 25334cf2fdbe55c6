"""Write a result object to a file; the format follows the suffix (.png .html .json .csv).

The one place that maps a suffix to a writer: charts through :func:`liqmap.render.render` (the
``charts`` extra), JSON and CSV through :mod:`liqmap.io.export`. It sits above both, so
:mod:`liqmap.io` never imports the renderers. Every write is atomic (temp file, then rename).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from liqmap.core.results import LiquidationHeatmap, LiquidationMap
from liqmap.errors import ParameterError
from liqmap.io.atomic import atomic_writer, write_atomic
from liqmap.io.export import heatmap_csv, json_chunks, map_csv

__all__ = ["write_result"]


def write_result(
    result: LiquidationMap | LiquidationHeatmap,
    path: Path,
    *,
    view_pct: float | None = 12.0,
    price_path: Literal["auto", "line", "candles"] = "auto",
    js: Literal["inline", "shared"] = "inline",
    full_path: bool = False,
) -> Path:
    """Write ``result`` to ``path``; the format follows the suffix (.png .html .json .csv).

    ``view_pct``, ``price_path`` and ``js`` go to the chart renderer (``liqmap.render.render``);
    ``full_path``: a heatmap's JSON carries every bar of the price path (see :func:`to_json`).
    """
    suffix = path.suffix.lower()
    if suffix in (".png", ".html"):
        from liqmap.extras import require

        require("charts", f"writing {path.name}")
        from liqmap.render import render

        return render(result, path, view_pct=view_pct, price_path=price_path, js=js)
    if suffix == ".json":
        with atomic_writer(path, "wb") as f:
            for chunk in json_chunks(result, full_path=full_path):
                f.write(chunk)
        return path
    if suffix == ".csv":
        text = map_csv(result) if isinstance(result, LiquidationMap) else heatmap_csv(result)
        write_atomic(path, text)
        return path
    raise ParameterError(f"cannot write {path.name!r}: use .png, .html, .json or .csv")
