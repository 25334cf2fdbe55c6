"""The cascade rounds compiled with numba: the same steps as
:func:`liqmap.core.cascade.cascade_reference` (a test keeps the two equal). Stop codes index
``liqmap.core.cascade.STOP_REASONS``: 0 no_shock, 1 absorbed, 2 map_edge, 3 book_exhausted,
4 max_steps.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numpy.typing import NDArray

__all__ = ["impact_rounds", "rounds"]

FloatArray = NDArray[np.float64]


@nb.njit(cache=True, nogil=True, inline="always")
def _below_nb(edges: FloatArray, usd: FloatArray, prefix: FloatArray, x: float) -> float:
    if x <= edges[0]:
        return 0.0
    if x >= edges[-1]:
        return float(prefix[-1])
    j = np.searchsorted(edges, x, side="right") - 1
    return float(prefix[j] + usd[j] * (x - edges[j]) / (edges[j + 1] - edges[j]))


@nb.njit(cache=True, nogil=True, inline="always")
def _distance_nb(x: float, dist: FloatArray, cum: FloatArray, coef: float, expo: float) -> float:
    cn, dn = cum[-1], dist[-1]
    if x <= cn:
        return float(np.interp(x, cum, dist))
    return float(((x - cn) / coef + dn**expo) ** (1.0 / expo))


@nb.njit(cache=True, nogil=True, inline="always")
def _first_row(
    edges: FloatArray, usd: FloatArray, start: float, direction: int, shock: float, flow0: float,
    out: FloatArray,
) -> tuple[FloatArray, float]:  # fmt: skip
    """The rounds' common start: USD prefix sums, the USD below ``start``, and row 0 of ``out``
    (the shocked price, nothing liquidated yet, the initial flow)."""
    prefix = np.zeros(len(usd) + 1)
    prefix[1:] = np.cumsum(usd)
    out[0, 0], out[0, 1], out[0, 2] = start * (1 + direction * shock), 0.0, flow0
    return prefix, _below_nb(edges, usd, prefix, start)


@nb.njit(cache=True, nogil=True)
def rounds(
    edges: FloatArray, usd: FloatArray, start: float, direction: int, shock: float, flow0: float,
    dist: FloatArray, cum: FloatArray, coef: float, expo: float, tol: float, max_steps: int,
    out: FloatArray,
) -> tuple[int, int]:  # fmt: skip
    """Fill ``out[k] = (price, liquidated, flow)``; return (rows, stop code)."""
    prefix, base = _first_row(edges, usd, start, direction, shock, flow0, out)
    if shock <= 0.0 and flow0 <= 0.0:
        return 1, 0
    d, liq, n, code = shock, 0.0, 1, 4
    for _ in range(max_steps):
        p = start * (1 + direction * d)
        crossed = abs(_below_nb(edges, usd, prefix, p) - base)
        new = crossed - liq
        if new <= tol:
            out[n - 1, 1] += max(new, 0.0)
            off_map = p <= edges[0] if direction < 0 else p >= edges[-1]
            code = 2 if off_map else 1
            break
        liq = crossed
        d = _distance_nb(flow0 + liq, dist, cum, coef, expo)
        exhausted = direction < 0 and d >= 1.0
        if exhausted:
            d, code = 1.0, 3
        out[n, 0], out[n, 1], out[n, 2] = start * (1 + direction * d), new, flow0 + liq
        n += 1
        if exhausted:  # price reached 0: every level below the start is crossed
            out[n - 1, 1] += max(base - liq, 0.0)
            break
    return n, code


@nb.njit(cache=True, nogil=True)
def impact_rounds(
    edges: FloatArray, usd: FloatArray, start: float, direction: int, shock: float, flow0: float,
    joint: bool, scale: float, volume: float, delta: float, cap: float, tol: float,
    max_steps: int, out: FloatArray,
) -> tuple[int, int]:  # fmt: skip
    """The rounds with the impact law ``I(Q) = scale (Q / volume)^delta``: a price shock moves
    ``shock + I(L)``, a market order (``joint``) ``I(flow0 + L)``; forced USD ``L`` is capped at
    ``cap``. Codes as :func:`rounds`, plus 5 ``notional_cap``."""
    prefix, base = _first_row(edges, usd, start, direction, shock, flow0, out)
    if shock <= 0.0 and flow0 <= 0.0:
        return 1, 0
    d, liq, n, code = shock, 0.0, 1, 4
    for _ in range(max_steps):
        p = start * (1 + direction * d)
        crossed = min(abs(_below_nb(edges, usd, prefix, p) - base), cap)
        new = crossed - liq
        if new <= tol:
            out[n - 1, 1] += max(new, 0.0)
            off_map = p <= edges[0] if direction < 0 else p >= edges[-1]
            code = 2 if off_map else (5 if crossed >= cap else 1)
            break
        liq = crossed
        q = flow0 + liq if joint else liq
        d = (0.0 if joint else shock) + scale * (q / volume) ** delta
        exhausted = direction < 0 and d >= 1.0
        if exhausted:
            d, code = 1.0, 3
        out[n, 0], out[n, 1], out[n, 2] = start * (1 + direction * d), new, flow0 + liq
        n += 1
        if exhausted:
            out[n - 1, 1] += max(min(base, cap) - liq, 0.0)
            break
    return n, code
