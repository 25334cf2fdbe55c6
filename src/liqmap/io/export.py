"""Result objects as JSON and CSV (charts are :mod:`liqmap.render`; :mod:`liqmap.output` picks
the writer from the file suffix).

Every write is atomic (temp file in the target folder, then rename): nothing half-written. JSON is
encoded by msgspec (compact, never ``NaN``); a heatmap's price path is one bar per column unless
the full per-bar path is asked for (``full_path=True``, ``liqmap heatmap --full-path``).
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import msgspec

from liqmap.core.results import LiquidationHeatmap, LiquidationMap, tier_label

__all__ = ["heatmap_csv", "json_chunks", "map_csv", "to_json"]


def _finite(value: Any) -> Any:
    """Raise on a non-finite float anywhere in ``value`` (the JSON layout has no NaN/Infinity)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"non-finite number {value!r} in a JSON result")
    elif isinstance(value, dict):
        for v in value.values():
            _finite(v)
    elif isinstance(value, list) and value and not isinstance(value, msgspec.Raw):
        _finite_list(value)
    return value


def _finite_list(value: list[Any]) -> None:
    if isinstance(value[0], dict):  # records (e.g. one per bin): flattened, summed in C
        flat = [v for d in value for v in d.values()]
        _floats_finite([v for v in flat if type(v) is float])
        nested: list[Any] = [v for v in flat if isinstance(v, dict | list)]
    elif isinstance(value[0], float):
        _floats_finite(value)
        return
    else:
        nested = value
    for v in nested:
        _finite(v)


def _floats_finite(values: list[float]) -> None:
    # a finite sum (one pass in C) proves every value finite; else look at each
    if not math.isfinite(sum(values)) and not all(map(math.isfinite, values)):
        raise ValueError("non-finite number in a JSON result")


def to_json(result: LiquidationMap | LiquidationHeatmap, *, full_path: bool = False) -> bytes:
    """The JSON of ``result`` (``docs/json.md``), compact.

    ``full_path`` (heatmaps only) writes every bar of the price path instead of one per column.
    """
    return b"".join(json_chunks(result, full_path=full_path))


#: The heatmap's two matrices, written last and straight from their buffers.
_MATRICES = ("long_usd", "short_usd")


def json_chunks(
    result: LiquidationMap | LiquidationHeatmap, *, full_path: bool = False
) -> list[bytes | memoryview]:
    """The JSON of :func:`to_json` as pieces whose concatenation is the document: a heatmap's
    two matrices (megabytes of digits) are passed on as their own buffers, never copied into
    one string, so a file writer writes them as they are."""
    if isinstance(result, LiquidationHeatmap):
        d = result.to_dict(price_path="bars" if full_path else "columns", raw_json=True)
        matrices = [(k, d.pop(k)) for k in _MATRICES]
        head = msgspec.json.encode(_finite(d))
        chunks: list[bytes | memoryview] = [head[:-1]]  # without its closing brace
        for key, raw in matrices:
            chunks += [b',"' + key.encode() + b'":', memoryview(raw)]
        return [*chunks, b"}"]
    d = result.to_dict()
    if not result.bins_finite():  # the bins are checked on their arrays, the rest walked
        raise ValueError("non-finite number in a JSON result (the map's bins)")
    _finite({k: v for k, v in d.items() if k != "bins"})
    return [msgspec.json.encode(d)]


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


def heatmap_csv(h: LiquidationHeatmap) -> str:
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
