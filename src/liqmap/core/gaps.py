"""Gaps in a bar series: where bars are missing, reported and never filled (pure numpy, no I/O).

A series of bar open times ``ts_ms`` with bar length ``interval_ms`` has a gap wherever two
consecutive bars are more than one interval apart. Example: 1-minute bars at 00:00, 00:01 and
00:04 miss the bars at 00:02 and 00:03, so ``detect_gaps`` returns one
``Gap(start_ms=00:02, end_ms=00:04, missing=2)``: the half-open range ``[start_ms, end_ms)``
should hold ``missing`` bars and holds none.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from liqmap.domain.market import Gap, IntArray
from liqmap.errors import ParameterError

__all__ = ["coverage", "detect_gaps", "infer_interval_ms"]


def _as_times(ts_ms: ArrayLike) -> IntArray:
    ts = np.asarray(ts_ms, dtype=np.int64)
    if ts.ndim != 1:
        raise ParameterError(f"bar times must be a 1-d array, got shape {ts.shape}")
    return ts


def _check_increasing(ts: IntArray, diffs: IntArray) -> None:
    if (diffs <= 0).any():
        i = int(np.argmax(diffs <= 0)) + 1
        raise ParameterError(
            f"bar times must be strictly increasing, but bar {i} ({int(ts[i])}) is not after "
            f"bar {i - 1} ({int(ts[i - 1])}); sort the bars and drop duplicates first"
        )


def infer_interval_ms(ts_ms: ArrayLike) -> int:
    """The bar interval of a series: the (lower) median spacing of consecutive bar times.

    The median ignores gaps as long as fewer than half the spacings are gaps; the lower median
    is used so the result is always a spacing that occurs in the data.

    Raises
    ------
    ParameterError
        Fewer than two bars, or bars that are not strictly increasing in time.
    """
    ts = _as_times(ts_ms)
    if len(ts) < 2:
        raise ParameterError(
            f"cannot infer the bar interval from {len(ts)} bar(s): at least 2 are needed; "
            "pass the interval explicitly (interval_ms=60000 for 1-minute bars)"
        )
    diffs = np.diff(ts)
    _check_increasing(ts, diffs)
    k = (len(diffs) - 1) // 2
    return int(np.partition(diffs, k)[k])


def detect_gaps(ts_ms: ArrayLike, interval_ms: int) -> tuple[Gap, ...]:
    """Stretches of missing bars in strictly increasing bar open times.

    A spacing of ``d > interval_ms`` between two bars is a gap of ``ceil(d / interval_ms) - 1``
    missing bars, from one interval after the earlier bar up to the later bar.

    Raises
    ------
    ParameterError
        ``interval_ms <= 0`` or bar times that are not strictly increasing.
    """
    if interval_ms <= 0:
        raise ParameterError(f"interval_ms must be > 0, got {interval_ms}")
    ts = _as_times(ts_ms)
    if len(ts) < 2:
        return ()
    diffs = np.diff(ts)
    _check_increasing(ts, diffs)
    where = np.flatnonzero(diffs > interval_ms)
    missing = -(-diffs[where] // interval_ms) - 1
    starts = ts[where] + interval_ms
    ends = ts[where + 1]
    return tuple(
        Gap(start_ms=int(s), end_ms=int(e), missing=int(m))
        for s, e, m in zip(starts, ends, missing, strict=True)
    )


def coverage(n_bars: int, gaps: tuple[Gap, ...]) -> float:
    """Share of the bars between the first and the last that are present (1.0 = no gaps)."""
    if n_bars <= 0:
        return 0.0
    missing = sum(g.missing for g in gaps)
    return n_bars / (n_bars + missing)
