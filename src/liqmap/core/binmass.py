"""Exact USD of a binned density between two prices (entries uniform within a bin).

Pure numerics, no I/O; used by :meth:`liqmap.core.results.LiquidationMap.usd_between` and by the
backtest on any per-bin array (totals or band arrays).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["usd_between_edges"]


def usd_between_edges(
    edges: NDArray[np.float64], usd: NDArray[np.float64], low: float, high: float
) -> float:
    """USD of a binned density between two prices, integrating partial bins exactly.

    Entries are taken as spread uniformly within each bin, so the mass of bin
    ``[e_i, e_{i+1})`` that lies inside ``[low, high]`` is ``usd_i * overlap / (e_{i+1} - e_i)``.
    Equivalently, the cumulative mass is the piecewise-linear interpolation of
    ``[0, cumsum(usd)]`` at the edges, and the result is its difference at ``high`` and ``low``.
    Prices outside the edges add nothing.

    Parameters
    ----------
    edges
        ``n + 1`` increasing bin edges.
    usd
        ``n`` non-negative USD per bin (any per-bin array on these edges, e.g. a band).
    low, high
        Finite prices with ``low <= high``.

    Returns
    -------
    float
        USD inside ``[low, high]`` (``0.0`` when ``low == high``).

    Raises
    ------
    ValueError
        If ``low`` or ``high`` is not finite, ``low > high``, or the shapes disagree.

    Examples
    --------
    >>> usd_between_edges(np.array([0.0, 10.0, 20.0]), np.array([100.0, 50.0]), 5.0, 15.0)
    75.0
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"usd_between: low and high must be finite prices, got {low!r}, {high!r}")
    if low > high:
        raise ValueError(f"usd_between: low {low!r} is above high {high!r}; pass low <= high")
    e = np.asarray(edges, dtype=np.float64)
    u = np.asarray(usd, dtype=np.float64)
    if e.ndim != 1 or u.shape != (len(e) - 1,):
        raise ValueError(f"usd_between: {len(e)} edges need {len(e) - 1} bins, got {u.shape}")
    if len(u) == 0 or low == high:
        return 0.0
    cdf = np.concatenate(([0.0], np.cumsum(u)))
    lo_mass, hi_mass = np.interp([low, high], e, cdf)
    return max(0.0, float(hi_mass - lo_mass))
