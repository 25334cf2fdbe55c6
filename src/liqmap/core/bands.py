"""Per-bin uncertainty bands of a map (docs/model.md 2.14).

Two sources, combined multiplicatively:

* **parameter uncertainty**: the leverage law's ``(median, sigma)`` are drawn from normals in log
  space whose 95% intervals are the fit's bootstrap intervals (``leverage_median_ci``,
  ``leverage_sigma_ci``); each draw reweights the map's cells (``sum_k w_k(draw) / w_k * M_k``,
  first order: the cells' positions are kept), and the per-bin 10th/90th percentiles over the
  draws are taken;
* **sizing and residual dispersion**, split-conformal: ``band_log_q10`` is the 10% quantile of
  ``log(observed / p10)`` and ``band_log_q90`` the 90% quantile of ``log(observed / p90)``
  hourly liquidated USD on the calibration data (the development window), so the bands are
  ``p10 * exp(q10)`` and ``p90 * exp(q90)`` and cover 80% of the calibration outcomes by
  construction (whether they do out of sample is what docs/accuracy.md measures). Without
  them, ``band_log_sigma`` widens the draws' band by ``exp(-/+ 1.2816 * band_log_sigma)``.

Fast: ``DRAWS`` draws x cells x bins multiply-adds (about 0.2 ms for 6 cells and 2,000 bins).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray

from liqmap.model_config import EstimatorParams, lognormal_cells

__all__ = ["DRAWS", "Z80", "band_factors", "floor_profile", "map_bands"]

FloatArray = NDArray[np.float64]
DRAWS = 24
Z80 = 1.2815515655446004  # the 90% quantile of the standard normal


@functools.lru_cache(maxsize=64)
def _draws(p: EstimatorParams) -> FloatArray:
    """``(DRAWS, n_cells)`` cell weights under parameter draws (deterministic, stratified;
    cached per parameter set, read-only)."""
    med_ci, sig_ci = p.leverage_median_ci, p.leverage_sigma_ci
    if not p.derived or (med_ci is None and sig_ci is None):
        one = np.asarray([p.weights], dtype=np.float64)
        one.flags.writeable = False
        return one
    from statistics import NormalDist  # with fractions and decimal: only where bands are drawn

    nd = NormalDist()
    z1 = np.array([nd.inv_cdf((k + 0.5) / DRAWS) for k in range(DRAWS)])
    z2 = z1[(np.arange(DRAWS) * 7) % DRAWS]  # a fixed permutation: a Latin-hypercube pairing
    sd_m = 0.0 if med_ci is None else math.log(med_ci[1] / med_ci[0]) / (2 * 1.96)
    sd_s = 0.0 if sig_ci is None else math.log(sig_ci[1] / sig_ci[0]) / (2 * 1.96)
    rows = []
    for a, b in zip(z1, z2, strict=True):
        m = float(np.clip(p.leverage_median * math.exp(a * sd_m), 1.01, 500.0))
        s = float(np.clip(p.leverage_sigma * math.exp(b * sd_s), 0.01, 5.0))
        rows.append(lognormal_cells(m, s)[1])
    out = np.asarray(rows, dtype=np.float64)
    out.flags.writeable = False
    return out


def floor_profile(
    edges: FloatArray, price: float, long_total: float, short_total: float
) -> tuple[FloatArray, FloatArray]:
    """The side totals in equal parts over the bins on their side of ``price`` (longs: bins
    starting below it; shorts: bins ending above it): the density of a map that knows nothing
    about where its levels sit."""
    tol = 1e-6 * float(edges[1] - edges[0])
    below = edges[:-1] < price - tol
    above = edges[1:] > price + tol
    lo = np.where(below, long_total / max(int(below.sum()), 1), 0.0)
    hi = np.where(above, short_total / max(int(above.sum()), 1), 0.0)
    return lo, hi


def map_bands(
    long_usd: FloatArray,
    short_usd: FloatArray,
    p: EstimatorParams,
    *,
    edges: FloatArray | None = None,
    price: float | None = None,
) -> FloatArray:
    """``(4, n)``: long p10, long p90, short p10, short p90 USD per bin of a per-cell map.

    With ``edges`` and ``price`` the p90 band also holds ``band_floor_share`` of the
    :func:`floor_profile` before the conformal factor (where the map has no level, a level may
    still sit: the placement is uncertain)."""
    w = np.asarray(p.weights, dtype=np.float64)
    draws = _draws(p)
    ratio = np.where(w > 0, draws / np.where(w > 0, w, 1.0), 0.0)  # (D, K)
    out = np.empty((4, long_usd.shape[1]))
    down, up = band_factors(p)
    floor: tuple[FloatArray, FloatArray] | None = None
    if edges is not None and price is not None and p.band_floor_share > 0:
        fl, fs = floor_profile(edges, price, float(long_usd.sum()), float(short_usd.sum()))
        floor = (fl * p.band_floor_share, fs * p.band_floor_share)
    for j, arr in enumerate((long_usd, short_usd)):
        totals = ratio @ arr  # (D, n)
        lo, hi = np.percentile(totals, [10.0, 90.0], axis=0)
        out[2 * j] = np.maximum(lo, 0.0) * down
        out[2 * j + 1] = (hi if floor is None else hi + floor[j]) * up
    return out


def band_factors(p: EstimatorParams) -> tuple[float, float]:
    """The factors applied to the parameter-draw p10 and p90: ``exp(q10), exp(q90)`` with the
    conformal quantiles, else ``exp(-/+ Z80 * band_log_sigma)``."""
    if p.band_log_q10 is not None and p.band_log_q90 is not None:
        return math.exp(p.band_log_q10), math.exp(p.band_log_q90)
    widen = math.exp(Z80 * p.band_log_sigma)
    return 1.0 / widen, widen
