"""Write result objects to files: PNG/HTML through the renderers, JSON and CSV here.

Every write is atomic (temp file in the target folder, then rename): nothing half-written.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from liqmap.core.results import LiquidationHeatmap, LiquidationMap, tier_label
from liqmap.errors import ParameterError
from liqmap.io.atomic import write_atomic

__all__ = ["map_csv", "write_result"]


def map_csv(m: LiquidationMap) -> str:
    """One row per price bin: edges, long/short USD, per-tier USD, cumulative curves, and the
    80% band (``long_usd_p10`` .. ``short_usd_p90``) when the map has one."""
    labels = [tier_label(lv) for lv in m.leverages]
    band = ["long_usd_p10", "long_usd_p90", "short_usd_p10", "short_usd_p90"]
    has_band = bool(m.band_usd.size)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        ["price_low", "price_high", "long_usd", "short_usd"]
        + [f"long_{x}" for x in labels]
        + [f"short_{x}" for x in labels]
        + ["cum_long_usd", "cum_short_usd"]
        + (band if has_band else [])
    )
    lt, st, cl, cs = m.long_total, m.short_total, m.cum_long, m.cum_short
    for i in range(m.n_bins):
        w.writerow(
            [f"{m.edges[i]:.10g}", f"{m.edges[i + 1]:.10g}", f"{lt[i]:.2f}", f"{st[i]:.2f}"]
            + [f"{m.long_usd[t, i]:.2f}" for t in range(len(labels))]
            + [f"{m.short_usd[t, i]:.2f}" for t in range(len(labels))]
            + [f"{cl[i]:.2f}", f"{cs[i]:.2f}"]
            + ([f"{m.band_usd[r, i]:.2f}" for r in range(4)] if has_band else [])
        )
    return buf.getvalue()


def _heatmap_csv(h: LiquidationHeatmap) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["ts_ms", "price_low", "price_high", "long_usd", "short_usd"])
    for j, ts in enumerate(h.ts_ms):
        for i in range(len(h.edges) - 1):
            lu, su = h.long_usd[j, i], h.short_usd[j, i]
            if lu > 0 or su > 0:
                w.writerow(
                    [
                        int(ts),
                        f"{h.edges[i]:.10g}",
                        f"{h.edges[i + 1]:.10g}",
                        f"{lu:.2f}",
                        f"{su:.2f}",
                    ]
                )
    return buf.getvalue()


def write_result(result: LiquidationMap | LiquidationHeatmap, path: Path) -> Path:
    """Write ``result`` to ``path``; the format follows the suffix (.png .html .json .csv)."""
    suffix = path.suffix.lower()
    if suffix in (".png", ".html"):
        from liqmap.render import render

        return render(result, path)
    if suffix == ".json":
        write_atomic(path, json.dumps(result.to_dict(), allow_nan=False))
        return path
    if suffix == ".csv":
        text = map_csv(result) if isinstance(result, LiquidationMap) else _heatmap_csv(result)
        write_atomic(path, text)
        return path
    raise ParameterError(f"cannot write {path.name!r}: use .png, .html, .json or .csv")
