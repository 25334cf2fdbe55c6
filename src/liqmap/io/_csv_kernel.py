"""A compiled parser for plain numeric CSV bodies (numba; compiled ahead of time, :mod:`liqmap._aot`).

It takes only what it can parse *exactly as numpy's parser does*, and gives up (returns -1) on
anything else, so the caller falls back to :func:`numpy.loadtxt`:

* the time column: digits only (no sign, no point), at most 18 of them, parsed as int64;
* every other field: ``[+-]digits[.digits]`` (at least one digit, no exponent) whose digits, read
  as one integer, give ``m <= 2**53``, with at most 22 of them after the point. Then
  ``m / 10**k`` is the correctly rounded value of the decimal (both operands are exact doubles
  and IEEE division rounds correctly: Clinger's fast path), the same double as ``float(text)``
  and numpy's parser give;
* exactly ``n_cols`` fields on each of ``n_rows`` lines (the last line may lack its newline).
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numpy.typing import NDArray

__all__ = ["parse_numeric_csv"]

_NL, _DOT, _MINUS, _PLUS, _ZERO = 10, 46, 45, 43, 48
_EXACT = 2**53  # largest integer below which every integer is a double
_POW10 = np.array([10.0**k for k in range(23)])  # 10**0 .. 10**22, all exact doubles


@nb.njit(cache=True, nogil=True, inline="always")
def _field(body: NDArray[np.uint8], p: int, is_ts: bool) -> tuple[int, int, int, bool]:
    """One token from ``p``: ``(end, m, frac, negative)``, ``m = -1`` when it is not exact."""
    size = body.shape[0]
    neg = False
    if not is_ts and p < size and (body[p] == _MINUS or body[p] == _PLUS):
        neg = body[p] == _MINUS
        p += 1
    m = 0
    digits = 0
    frac = -1  # digits after the point; -1: no point
    while p < size:
        b = body[p]
        if _ZERO <= b <= _ZERO + 9:
            if m >= _EXACT:
                return p, -1, 0, neg
            m = m * 10 + (b - _ZERO)
            digits += 1
            frac += frac >= 0
        elif b == _DOT and frac < 0 and not is_ts:
            frac = 0
        else:
            break
        p += 1
    if digits == 0 or m > _EXACT or frac > 22:
        return p, -1, 0, neg
    return p, m, frac, neg


@nb.njit(cache=True, nogil=True)
def parse_numeric_csv(
    body: NDArray[np.uint8],
    sep: int,
    ts_col: int,
    out: NDArray[np.float64],
    ts: NDArray[np.int64],
) -> int:
    """Parse ``body`` into ``out[col, row]`` (float64; the time column's row is left as is) and
    ``ts[row]``; returns the rows parsed (``out.shape[1]``), or -1 where a token falls outside
    the exact fast path or the shape is not ``out.shape``."""
    n_cols, n_rows = out.shape
    size = body.shape[0]
    p = 0
    for r in range(n_rows):
        for c in range(n_cols):
            p, m, frac, neg = _field(body, p, c == ts_col)
            last = c == n_cols - 1
            if m < 0 or (p < size and body[p] != (_NL if last else sep)):
                return -1
            if p >= size and not (last and r == n_rows - 1):
                return -1
            p += 1
            if c == ts_col:
                ts[r] = m
            else:
                v = m / _POW10[frac] if frac > 0 else float(m)
                out[c, r] = -v if neg else v
    return n_rows if p >= size else -1
