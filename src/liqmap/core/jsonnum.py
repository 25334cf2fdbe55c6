"""JSON text of large USD matrices without a Python object per number.

:func:`usd_rows_json` rounds to whole USD (a liquidation level is not known to the cent) and writes
the digits with a compiled loop (:mod:`liqmap.core._json_kernel`, ahead of time when built): for a
720 x 2,000 heatmap that is milliseconds, against hundreds through ``tolist`` and an encoder.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from liqmap._aot import load

__all__ = ["usd_rows_buffer", "usd_rows_json"]


def usd_rows_json(a: NDArray[np.float64]) -> bytes:
    """``a`` (2-D) as a JSON list of rows of whole numbers (half to even; NaN/inf -> 0).

    Equals ``json.dumps(np.rint(a).astype(int).tolist(), separators=(",", ":"))`` for finite
    ``a`` (the tests check it).

    Examples
    --------
    >>> usd_rows_json(np.array([[1.4, 0.0, -30.5], [4.0, 511.5, 6.0]]))
    b'[[1,0,-30],[4,512,6]]'
    """
    return usd_rows_buffer(a).tobytes()


def usd_rows_buffer(a: NDArray[np.float64]) -> NDArray[np.uint8]:
    """The text of :func:`usd_rows_json` in a byte array (no copy into ``bytes``: a writer can
    take its buffer as it is)."""
    m = np.ascontiguousarray(a, dtype=np.float64)
    if m.ndim != 2:
        raise ValueError(f"usd_rows_json needs a 2-D array, got {m.ndim}-D")
    kern = load("liqmap.core._json_kernel")  # on first use: compiled ahead of time, else numba
    out: NDArray[np.uint8] = kern.usd_rows_json(m)
    return out
