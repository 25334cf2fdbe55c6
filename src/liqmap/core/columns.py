"""Bars merged per heatmap column (what a heatmap of ``columns`` time steps can show)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["bars_at_columns"]

Arrays = tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]  # fmt: skip


def bars_at_columns(
    ts_ms: NDArray[np.int64],
    ohlc: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
    col_ts_ms: NDArray[np.int64],
) -> Arrays:
    """Merge the bars up to each column time: first open, highest high, lowest low, last close.

    Column ``j`` takes the bars with ``col_ts_ms[j-1] < ts <= col_ts_ms[j]`` (the first column
    every bar up to its time); a column without bars is left out. Returns ``(ts_ms, open, high,
    low, close)`` with the column times as ``ts_ms``.

    Examples
    --------
    >>> t = np.array([1, 2, 3, 4], np.int64)
    >>> o = h = l = c = np.array([10.0, 12.0, 11.0, 9.0])
    >>> [a.tolist() for a in bars_at_columns(t, (o, h, l, c), np.array([2, 4], np.int64))]
    [[2, 4], [10.0, 11.0], [12.0, 11.0], [10.0, 9.0], [12.0, 9.0]]
    """
    open_, high, low, close = ohlc
    end = np.searchsorted(ts_ms, col_ts_ms, side="right")
    start = np.concatenate((np.zeros(1, end.dtype), end[:-1]))
    keep = end > start
    start, end = start[keep], end[keep]
    if len(start) == 0:
        empty = np.zeros(0)
        return np.zeros(0, np.int64), empty, empty, empty, empty
    return (
        np.asarray(col_ts_ms, dtype=np.int64)[keep],
        open_[start],
        np.maximum.reduceat(high, start),
        np.minimum.reduceat(low, start),
        close[end - 1],
    )
