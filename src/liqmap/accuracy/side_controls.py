"""What a side's score owes to the other side's move: partial Spearman per side given its own
excursion, and given both its own excursion and the two-sided range (docs/model.md 2.17).

The interval tables score a side against its own excursion (long: ``(P - L) / P``). The fresh
positions spread their entries over the whole range ``[L, H]``, so a side's prediction also
carries the other side's move, which that control leaves out; :func:`side_controls` measures it,
plus the levels' and the fresh part's own share of the two-sided total's score.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from liqmap.accuracy import interval_metrics as im
from liqmap.accuracy.interval_result import ScoreRow

__all__ = ["SIDE_CONTROLS", "side_controls"]

FloatArray = NDArray[np.float64]

#: The statistics :func:`side_controls` reports, in order.
SIDE_CONTROLS = (
    "long | own excursion",
    "short | own excursion",
    "long | own excursion + two-sided range",
    "short | own excursion + two-sided range",
    "long+short | two-sided range",
    "long+short, levels only | two-sided range",
    "long+short, fresh only | two-sided range",
)


def _columns(rows: Sequence[ScoreRow]) -> dict[str, FloatArray]:
    def col(f: Callable[[ScoreRow], float]) -> FloatArray:
        return np.array([f(r) for r in rows], dtype=np.float64)

    c = {
        "pl": col(lambda r: r.pred_long["model"]), "ps": col(lambda r: r.pred_short["model"]),
        "fl": col(lambda r: r.pred_long["fresh"]), "fs": col(lambda r: r.pred_short["fresh"]),
        "yl": col(lambda r: r.actual_long), "ys": col(lambda r: r.actual_short),
        "rl": col(lambda r: r.pred_long["range"]), "rs": col(lambda r: r.pred_short["range"]),
    }  # fmt: skip
    c["ra"] = c["rl"] + c["rs"]
    return c


def _stats(c: dict[str, FloatArray], i: NDArray[np.int64]) -> list[float]:
    g = {k: v[i] for k, v in c.items()}
    total, actual = g["pl"] + g["ps"], g["yl"] + g["ys"]
    fresh = g["fl"] + g["fs"]
    return [
        im.partial_spearman(g["pl"], g["yl"], g["rl"]),
        im.partial_spearman(g["ps"], g["ys"], g["rs"]),
        im.partial_spearman_given(g["pl"], g["yl"], g["rl"], g["ra"]),
        im.partial_spearman_given(g["ps"], g["ys"], g["rs"], g["ra"]),
        im.partial_spearman(total, actual, g["ra"]),
        im.partial_spearman(total - fresh, actual, g["ra"]),
        im.partial_spearman(fresh, actual, g["ra"]),
    ]


def side_controls(
    rows: Sequence[ScoreRow], horizon_ms: int, n_boot: int = 500
) -> dict[str, tuple[float, float, float]]:
    """``{statistic: (value, lo, hi)}`` over the rows of ``horizon_ms`` with both sides' truth
    known (day-block bootstrap 95% intervals, the harness's seed)."""
    keep = [
        r for r in rows
        if r.h == horizon_ms and np.isfinite(r.actual_long) and np.isfinite(r.actual_short)
    ]  # fmt: skip
    c = _columns(keep)
    blocks = im.day_blocks(np.array([r.t for r in keep], dtype=np.int64))
    value = _stats(c, np.arange(len(keep), dtype=np.int64))
    boot = im.bootstrap(lambda i: _stats(c, i), blocks, n_boot=n_boot)
    out = {}
    for k, name in enumerate(SIDE_CONTROLS):
        lo, hi = im.percentile_interval(boot[:, k]) if boot.size else (np.nan, np.nan)
        out[name] = (value[k], lo, hi)
    return out
