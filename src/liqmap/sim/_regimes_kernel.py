"""The exogenous price process's numba loops (see :mod:`liqmap.sim.regimes`, ``docs/simulator.md``)."""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numpy.typing import NDArray

__all__ = ["log_vol", "path"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@nb.njit(cache=True)
def log_vol(z: FloatArray, phi: float, vol_of_vol: float) -> FloatArray:
    """Stationary AR(1) of log volatility with standard deviation ``vol_of_vol``."""
    h = np.empty(len(z))
    prev = vol_of_vol * z[0]
    innov = vol_of_vol * math.sqrt(1.0 - phi * phi)
    for m in range(len(z)):
        if m > 0:
            prev = phi * prev + innov * z[m]
        h[m] = prev
    return h


@nb.njit(cache=True)
def path(
    z: FloatArray,
    sigma: FloatArray,
    sched: tuple[FloatArray, BoolArray, BoolArray, FloatArray],
    kappa: float,
    steps: int,
) -> FloatArray:
    """Exogenous log price after every step: drift + mean reversion + diffusion + shocks.

    ``sched`` is ``(drift, revert, new_segment, shock)`` per minute (see ``_Schedule``).
    """
    drift, revert, new_segment, shock = sched
    x = np.empty(len(z))
    level = 0.0
    anchor = 0.0
    root = math.sqrt(steps)
    for m in range(len(sigma)):
        if new_segment[m]:
            anchor = level
        for j in range(steps):
            k = m * steps + j
            pull = -kappa * (level - anchor) if revert[m] else 0.0
            level += (drift[m] + pull + shock[m]) / steps + sigma[m] / root * z[k]
            x[k] = level
    return x
