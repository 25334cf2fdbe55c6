"""How close an estimated map is to a reference (the simulator's true positions, or another map).

Pure numerics. Both profiles must be on the same price grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["ProfileSimilarity", "emd_pct", "profile_similarity"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ProfileSimilarity:
    """Per side (long, short): bin-level Pearson correlation, earth mover's distance between the
    normalised distributions (in % of price) and the estimated/true total USD ratio."""

    corr_long: float
    corr_short: float
    emd_long_pct: float
    emd_short_pct: float
    mass_ratio_long: float
    mass_ratio_short: float

    def to_dict(self) -> dict[str, float]:
        """JSON-ready form."""
        return {k: getattr(self, k) for k in self.__slots__}


def _corr(a: FloatArray, b: FloatArray) -> float:
    if a.std() == 0.0 or b.std() == 0.0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def emd_pct(a: FloatArray, b: FloatArray, edges: FloatArray, price: float) -> float:
    """Earth mover's distance between two USD profiles on ``edges``, as % of ``price``.

    Each profile is normalised to a distribution; for 1-D distributions the EMD is the integral of
    the absolute difference of their cumulative distributions. NaN when either profile is empty.
    """
    sa, sb = float(a.sum()), float(b.sum())
    if sa <= 0.0 or sb <= 0.0:
        return float("nan")
    cdf_gap = np.abs(np.cumsum(a / sa) - np.cumsum(b / sb))
    return float((cdf_gap * np.diff(edges)).sum() / price * 100.0)


def profile_similarity(
    edges: FloatArray,
    price: float,
    est_long: FloatArray,
    est_short: FloatArray,
    true_long: FloatArray,
    true_short: FloatArray,
) -> ProfileSimilarity:
    """Compare per-bin long/short USD profiles (summed over tiers) of an estimate and a truth."""
    tl, ts = float(true_long.sum()), float(true_short.sum())
    return ProfileSimilarity(
        corr_long=_corr(est_long, true_long),
        corr_short=_corr(est_short, true_short),
        emd_long_pct=emd_pct(est_long, true_long, edges, price),
        emd_short_pct=emd_pct(est_short, true_short, edges, price),
        mass_ratio_long=float(est_long.sum()) / tl if tl > 0 else float("nan"),
        mass_ratio_short=float(est_short.sum()) / ts if ts > 0 else float("nan"),
    )
