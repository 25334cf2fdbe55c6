"""Per-interval liquidation truth: aggregator exports read from a file, or event tapes summed.

An aggregated file holds one row per interval (e.g. an hour) with the USD of longs and shorts
liquidated in it, the layout of common aggregator exports (Coinglass and similar)::

    timestamp,liquidation_long_usd,liquidation_short_usd
    2026-02-05T12:00:00Z,18500000,2100000

* ``timestamp`` is the interval's START, in epoch milliseconds, epoch seconds or ISO-8601
  (naive = UTC). Aliases: ``ts_ms``, ``time``, ``t``, ``date``.
* long/short columns: ``liquidation_long_usd`` / ``liquidation_short_usd``; aliases
  ``long_usd`` / ``short_usd``, ``longLiquidationUsd`` / ``shortLiquidationUsd``.
* the interval is the most common step between rows (or ``interval_ms`` when given); rows
  must be sorted, unique, on that step. A missing row is a MISSING observation, never a zero:
  the backtest skips every horizon that needs it and counts it.

Every bad cell raises :class:`~liqmap.errors.DataFileError` naming the file, the line and the
field.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from liqmap.domain.market import LiquidationEvents
from liqmap.errors import DataFileError, ParameterError
from liqmap.timeutil import parse_time_ms

__all__ = ["IntervalTruth", "aggregate_events", "read_interval_truth"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_TS = ("timestamp", "ts_ms", "time", "t", "date")
_LONG = ("liquidation_long_usd", "long_usd", "longliquidationusd", "long_liquidation_usd")
_SHORT = ("liquidation_short_usd", "short_usd", "shortliquidationusd", "short_liquidation_usd")


@dataclass(frozen=True, slots=True)
class IntervalTruth:
    """Liquidated USD per interval ``[ts_ms[i], ts_ms[i] + interval_ms)``; NaN = not observed.

    ``ts_ms`` is a regular grid (step ``interval_ms``), as both constructors build it.
    """

    ts_ms: IntArray
    long_usd: FloatArray
    short_usd: FloatArray
    interval_ms: int
    source: str = ""

    def __post_init__(self) -> None:
        n = len(self.ts_ms)
        if len(self.long_usd) != n or len(self.short_usd) != n:
            raise ValueError("IntervalTruth: columns differ in length")
        if self.interval_ms <= 0:
            raise ValueError(f"IntervalTruth: interval_ms must be positive, got {self.interval_ms}")

    def __len__(self) -> int:
        return len(self.ts_ms)

    def over(self, start_ms: int, span_ms: int) -> tuple[float, float] | None:
        """``(long, short)`` USD liquidated in ``[start_ms, start_ms + span_ms)``, or ``None`` if
        any interval of it is not observed or the span does not fall on interval boundaries."""
        if len(self) == 0:
            return None
        k, rem = divmod(span_ms, self.interval_ms)
        i, off = divmod(start_ms - int(self.ts_ms[0]), self.interval_ms)
        if rem or off or k <= 0 or i < 0 or i + k > len(self):
            return None
        lo, sh = self.long_usd[i : i + k], self.short_usd[i : i + k]
        if not (np.isfinite(lo).all() and np.isfinite(sh).all()):
            return None
        return float(lo.sum()), float(sh.sum())


def aggregate_events(
    events: LiquidationEvents,
    interval_ms: int,
    start_ms: int,
    end_ms: int,
    outages: tuple[tuple[int, int], ...] = (),
) -> IntervalTruth:
    """Sum a tape into intervals on the UTC grid of ``interval_ms`` covering ``[start, end)``.

    Intervals overlapping an outage (a period the tape was not recording) are NaN, never 0.
    """
    if interval_ms <= 0:
        raise ParameterError(f"interval must be positive, got {interval_ms} ms")
    first = (start_ms // interval_ms) * interval_ms
    ts = np.arange(first, end_ms, interval_ms, dtype=np.int64)
    k = (events.ts_ms - first) // interval_ms
    ok = (k >= 0) & (k < len(ts))
    lo = np.bincount(
        k[ok & (events.side > 0)], events.notional_usd[ok & (events.side > 0)], len(ts)
    )
    sh = np.bincount(
        k[ok & (events.side < 0)], events.notional_usd[ok & (events.side < 0)], len(ts)
    )
    for a, b in outages:
        bad = (ts < b) & (ts + interval_ms > a)
        lo[bad] = np.nan
        sh[bad] = np.nan
    return IntervalTruth(
        ts, lo.astype(np.float64), sh.astype(np.float64), interval_ms, events.source
    )


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFileError(
            f"cannot read the truth file ({exc.strerror})", path=str(path)
        ) from None
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8-sig", errors="strict")
    for i, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if row and any(c.strip() for c in row):
            yield i, row


def _column(header: list[str], names: tuple[str, ...], path: Path, what: str) -> int:
    low = [h.strip().lower() for h in header]
    for n in names:
        if n in low:
            return low.index(n)
    raise DataFileError(
        f"no {what} column; expected one of {', '.join(names)} (found: {', '.join(header)})",
        path=str(path),
        row=None,
    )


def _usd(text: str, path: Path, line: int, name: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not math.isfinite(v) or v < 0:
        raise DataFileError(
            f"line {line}: {text!r} is not a non-negative USD amount; leave no blank cells "
            "(write 0 for an interval without liquidations)",
            path=str(path),
            field=name,
        )
    return v


def read_interval_truth(path: Path, interval_ms: int | None = None) -> IntervalTruth:
    """Read an aggregated per-interval truth file (CSV, optionally gzip); see the module doc."""
    rows = _rows(Path(path))
    try:
        _, header = next(rows)
    except StopIteration:
        raise DataFileError("the truth file is empty", path=str(path)) from None
    it = _column(header, _TS, path, "timestamp")
    il = _column(header, _LONG, path, "long liquidation USD")
    ish = _column(header, _SHORT, path, "short liquidation USD")
    ts: list[int] = []
    lo: list[float] = []
    sh: list[float] = []
    for line, row in rows:
        if len(row) < len(header):
            raise DataFileError(
                f"line {line}: {len(row)} fields, the header has {len(header)}", path=str(path)
            )
        try:
            t = parse_time_ms(row[it], name=header[it])
        except ParameterError as exc:
            raise DataFileError(f"line {line}: {exc}", path=str(path), field=header[it]) from None
        if ts and t <= ts[-1]:
            raise DataFileError(
                f"line {line}: timestamp {row[it].strip()} is not after the previous row's; "
                "sort the file oldest first and remove duplicates",
                path=str(path),
                field=header[it],
            )
        ts.append(t)
        lo.append(_usd(row[il], path, line, header[il]))
        sh.append(_usd(row[ish], path, line, header[ish]))
    if not ts:
        raise DataFileError("the truth file has a header but no rows", path=str(path))
    return _on_grid(np.array(ts, np.int64), np.array(lo), np.array(sh), interval_ms, Path(path))


def _on_grid(
    ts: IntArray, lo: FloatArray, sh: FloatArray, interval_ms: int | None, path: Path
) -> IntervalTruth:
    """Place rows on a regular grid (missing intervals NaN); reject rows off the grid."""
    if interval_ms is None:
        if len(ts) < 2:
            raise DataFileError(
                "one row cannot tell the interval; pass interval_ms (--truth-interval)",
                path=str(path),
            )
        steps, counts = np.unique(np.diff(ts), return_counts=True)
        interval_ms = int(steps[np.argmax(counts)])
        if 2 * int(counts.max()) < len(ts) - 1:
            raise DataFileError(
                f"cannot tell the interval: the steps between rows vary ({len(steps)} different "
                "ones); pass interval_ms (--interval)",
                path=str(path),
            )
    off = (ts - ts[0]) % interval_ms
    if off.any():
        bad = int(np.flatnonzero(off)[0])
        raise DataFileError(
            f"line {bad + 2}: timestamp is not on the {interval_ms} ms interval grid of the "
            "first row; every row must start an interval",
            path=str(path),
        )
    grid = np.arange(ts[0], ts[-1] + 1, interval_ms, dtype=np.int64)
    k = (ts - ts[0]) // interval_ms
    glo, gsh = np.full(len(grid), np.nan), np.full(len(grid), np.nan)
    glo[k], gsh[k] = lo, sh
    return IntervalTruth(grid, glo, gsh, interval_ms, path.name)
