"""JSON text of large numeric matrices, written by a compiled loop (no Python object per number).

A 720 x 2,000 heatmap matrix is 1.44 million numbers; turning each into a Python object
(``tolist``) and encoding those costs more than estimating the heatmap. :func:`usd_rows_json`
writes the digits straight into one byte buffer. Compiled ahead of time like the estimator's kernel
(:mod:`liqmap._aot`); :func:`liqmap.core.jsonnum.usd_rows_json` is the entry point.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numpy.typing import NDArray

__all__ = ["usd_rows_json"]

_ZERO, _COMMA, _OPEN, _CLOSE, _MINUS = 48, 44, 91, 93, 45
_LIMIT = 9.2e18  # largest magnitude written (int64); larger values are clipped


@nb.njit(cache=True, nogil=True, inline="always")
def _whole(x: float) -> int:
    """``x`` rounded half to even to a whole number; non-finite -> 0; clipped to +-_LIMIT."""
    if not math.isfinite(x):
        return 0
    r = np.rint(x)
    if r > _LIMIT:
        r = _LIMIT
    elif r < -_LIMIT:
        r = -_LIMIT
    return int(r)


_PAIRS = np.frombuffer("".join(f"{k:02d}" for k in range(100)).encode(), dtype=np.uint8).copy()
_POW10 = np.array([10**k for k in range(19)], dtype=np.int64)


@nb.njit(cache=True, nogil=True, inline="always")
def _n_chars(v: int) -> int:
    """Characters of ``v`` in decimal (sign included), by comparisons only."""
    n = 1 if v < 0 else 0
    v = abs(v)
    d = 1
    while d < 19 and v >= _POW10[d]:
        d += 1
    return n + d


@nb.njit(cache=True, nogil=True)
def usd_rows_json(a: NDArray[np.float64]) -> NDArray[np.uint8]:
    """``a`` (2-D) rounded to whole numbers as a JSON list of rows, e.g. ``[[1,0,-3],[4,5,6]]``."""
    n_rows, n_cols = a.shape
    # one pass into a buffer of the largest possible size (20 characters and a comma a number,
    # brackets and a comma a row);
    # only the pages written are ever touched, and the result is the written part
    out = np.empty(2 + n_rows * (3 + 21 * n_cols), dtype=np.uint8)
    p = 0
    out[p] = _OPEN
    p += 1
    for i in range(n_rows):
        if i > 0:
            out[p] = _COMMA
            p += 1
        out[p] = _OPEN
        p += 1
        for j in range(n_cols):
            if j > 0:
                out[p] = _COMMA
                p += 1
            x = a[i, j]
            if -0.5 <= x <= 0.5:  # rounds to 0 (half to even): most cells of a heatmap
                out[p] = _ZERO
                p += 1
                continue
            v = _whole(x)
            if v == 0:  # non-finite
                out[p] = _ZERO
                p += 1
                continue
            n = _n_chars(v)
            if v < 0:
                out[p] = _MINUS
                v = -v
            q = p + n
            while v >= 100:  # two digits per step from the pair table
                w = v // 100
                r = 2 * (v - w * 100)
                q -= 2
                out[q] = _PAIRS[r]
                out[q + 1] = _PAIRS[r + 1]
                v = w
            if v >= 10:
                q -= 2
                out[q] = _PAIRS[2 * v]
                out[q + 1] = _PAIRS[2 * v + 1]
            else:
                out[q - 1] = _ZERO + v
            p += n
        out[p] = _CLOSE
        p += 1
    out[p] = _CLOSE
    return out[: p + 1]
