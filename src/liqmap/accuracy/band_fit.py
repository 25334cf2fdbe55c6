"""Split-conformal calibration of the maps' 80% bands (docs/model.md 2.14).

The walk is run with bands that carry the parameter draws only (``band_log_q10 = band_log_q90
= 0``); on its scored intervals ``q10`` is the 10% quantile of ``log(observed / p10)`` and
``q90`` the 90% quantile of ``log(observed / p90)``, pooled over both sides. Bands
``p10 * exp(q10)`` and ``p90 * exp(q90)`` then hold 80% of the calibration outcomes (10% fall
below, 10% above); out of sample the coverage is measured, not assumed.

Where the map has no level the draws' p90 is 0 and no factor can cover an outcome there, so
the p90 band first gets a floor: ``band_floor_share`` of the side's total USD spread evenly
over its side of the grid (``liqmap.core.bands.floor_profile``, the rows' ``uniform``
prediction). The share is chosen on the calibration data from :data:`FLOOR_GRID` as the one
whose conformal upper band is tightest (smallest median ``log(1 + p90 USD)``).

**Robust to regime shifts** (``blocks > 1``): the rows are split into ``blocks`` consecutive
time blocks of equal size and the quantiles are taken per block; ``q10`` is the lowest and
``q90`` the highest over the blocks, so the band holds at least 80% in *every* block of the
calibration window, not only pooled (conformal coverage assumes exchangeable hours, and
liquidation regimes are not: a calm week and a crash week need different factors). The floor
share is chosen on the pooled rows as before.

``observed = 0`` gives ``log = -inf`` and ``p = 0`` with an observation gives ``+inf``: both are
ranks like any other (order-statistic quantiles, no interpolation), and a quantile that is
infinite is clipped to ``-/+ LOG_CLIP`` (``exp(-30)`` is a band of zero for any USD figure).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from liqmap.accuracy.interval_result import ScoreRow

__all__ = ["BLOCKS", "FLOOR_GRID", "LOG_CLIP", "BandFit", "fit_band_quantiles"]

LOG_CLIP = 30.0
#: time blocks of the shipped fit: the 20-day development window in blocks of 5 days
BLOCKS = 4
FLOOR_GRID = (0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class BandFit:
    """The fitted quantiles and what they rest on."""

    q10: float
    q90: float
    floor_share: float
    n: int  # side-intervals used (long and short rows with finite bands)
    below: float  # in-sample share of outcomes below p10 * exp(q10)
    above: float  # in-sample share above p90 * exp(q90)

    @property
    def coverage(self) -> float:
        """In-sample share inside the calibrated band (about 0.80 by construction)."""
        return 1.0 - self.below - self.above


def _log_ratio(actual: FloatArray, pred: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.log(actual) - np.log(pred)
    # 0 / 0 (nothing predicted, nothing happened) is inside any band: neither tail
    return np.where((actual == 0) & (pred == 0), 0.0, r)


def fit_band_quantiles(
    rows: Sequence[ScoreRow], h_ms: int, *, level: float = 0.8, blocks: int = 1
) -> BandFit:
    """Conformal ``(q10, q90)`` from the rows of horizon ``h_ms`` (bands without residual factor);
    with ``blocks > 1`` the widest over that many consecutive time blocks.

    Raises
    ------
    ValueError
        When no row of that horizon carries finite bands.
    """
    if blocks < 1:
        raise ValueError(f"blocks must be >= 1, got {blocks}")
    act, p10, p90, flat = [], [], [], []
    for r in sorted((r for r in rows if r.h == h_ms), key=lambda r: r.t):
        sides = (
            (r.actual_long, r.bands[0], r.bands[1], r.pred_long["uniform"]),
            (r.actual_short, r.bands[2], r.bands[3], r.pred_short["uniform"]),
        )
        for x, x10, x90, xu in sides:
            if all(math.isfinite(v) for v in (x, x10, x90, xu)):
                act.append(x)
                p10.append(x10)
                p90.append(x90)
                flat.append(xu)
    if not act:
        raise ValueError(f"no scored interval of {h_ms} ms carries bands: nothing to calibrate")
    a = np.asarray(act, dtype=np.float64)
    lo = np.asarray(p10, dtype=np.float64)
    hi = np.asarray(p90, dtype=np.float64)
    u = np.asarray(flat, dtype=np.float64)
    tail = (1.0 - level) / 2.0
    parts = np.array_split(np.arange(len(a)), min(blocks, len(a)))  # time order: rows are sorted
    q10 = min(float(np.quantile(_log_ratio(a[i], lo[i]), tail, method="lower")) for i in parts)
    q10 = float(np.clip(q10, -LOG_CLIP, LOG_CLIP))
    best: tuple[float, float, float] | None = None  # (score, share, q90)
    for share in FLOOR_GRID:
        upper = hi + share * u
        q90 = max(
            float(np.quantile(_log_ratio(a[i], upper[i]), 1.0 - tail, method="higher"))
            for i in parts
        )
        q90 = float(np.clip(max(q90, q10), -LOG_CLIP, LOG_CLIP))
        score = float(np.median(np.log1p(upper * math.exp(q90))))
        if best is None or score < best[0]:
            best = (score, share, q90)
    assert best is not None
    _, share, q90 = best
    below = float(np.mean(a < lo * math.exp(q10)))
    above = float(np.mean(a > (hi + share * u) * math.exp(q90)))
    return BandFit(q10, q90, share, len(a), below, above)
