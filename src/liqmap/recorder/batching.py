"""Batches of normalised rows and when to flush them (``--flush-every 1s`` or ``--flush-every N``).

A SIGKILL loses what has not been flushed yet: at most one flush interval of events (or at
most ``N`` rows), plus a batch being written at that instant (part files are atomic, so that
batch is either entirely on disk or entirely absent).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from liqmap.domain.enums import Venue
from liqmap.errors import ParameterError
from liqmap.exchanges.stream import LiqRow

__all__ = ["COLUMNS", "Batcher", "Columns", "FlushPolicy", "parse_seconds", "to_columns"]

COLUMNS = ("ts_ms", "side", "price", "qty", "notional_usd", "raw")
Columns = dict[str, NDArray[Any]]
HARD_MAX_ROWS = 50_000  # a batch never grows beyond this, whatever the policy
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DUR = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$", re.IGNORECASE)


def parse_seconds(text: str, *, name: str) -> float:
    """``'1s'`` -> 1.0, ``'500ms'`` -> 0.5, ``'10m'`` -> 600.0 (units ms, s, m, h, d)."""
    m = _DUR.match(text)
    if not m:
        raise ParameterError(
            f"{name}: cannot read {text!r}; use a number and a unit ms/s/m/h/d, e.g. 30s or 10m"
        )
    seconds = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if seconds <= 0:
        raise ParameterError(f"{name}: must be positive, got {text!r}")
    return seconds


@dataclass(frozen=True, slots=True)
class FlushPolicy:
    """Flush every ``interval_s`` seconds, or whenever ``max_rows`` rows are pending."""

    interval_s: float | None = 1.0
    max_rows: int | None = None

    def __post_init__(self) -> None:
        if self.interval_s is None and self.max_rows is None:
            raise ParameterError("--flush-every: give a time (1s) or a row count (N)")
        if self.interval_s is not None and not self.interval_s > 0:
            raise ParameterError(f"--flush-every: interval must be > 0, got {self.interval_s}")
        if self.max_rows is not None and not 1 <= self.max_rows <= HARD_MAX_ROWS:
            raise ParameterError(
                f"--flush-every: row count must be 1..{HARD_MAX_ROWS:,}, got {self.max_rows}"
            )

    @property
    def row_limit(self) -> int:
        """Pending rows that trigger a flush."""
        return self.max_rows if self.max_rows is not None else HARD_MAX_ROWS

    @classmethod
    def parse(cls, text: str) -> FlushPolicy:
        """``'1s'`` (a time: ms/s/m/h) or ``'500'`` (a row count)."""
        t = text.strip()
        if t.isdigit():
            return cls(interval_s=None, max_rows=int(t))
        return cls(interval_s=parse_seconds(t, name="--flush-every"))

    def describe(self) -> str:
        """Human form, e.g. ``every 1s`` or ``every 500 rows``."""
        if self.interval_s is not None:
            return f"every {self.interval_s:g}s"
        return f"every {self.max_rows:,} rows"


class Batcher:
    """Pending rows per (venue, symbol), handed out in one piece by :meth:`take`."""

    def __init__(self) -> None:
        self._rows: dict[tuple[Venue, str], list[LiqRow]] = {}
        self.pending = 0

    def add(self, venue: Venue, rows: Sequence[LiqRow]) -> None:
        """Queue rows of one venue."""
        for row in rows:
            key = (venue, row.symbol)
            bucket = self._rows.get(key)
            if bucket is None:
                self._rows[key] = [row]
            else:
                bucket.append(row)
        self.pending += len(rows)

    def take(self) -> dict[tuple[Venue, str], list[LiqRow]]:
        """Everything pending; the batcher is empty afterwards."""
        out, self._rows, self.pending = self._rows, {}, 0
        return out


def to_columns(rows: Sequence[LiqRow]) -> Columns:
    """Rows -> the segment columns (``ts_ms`` int64, ``side`` int8, ``price``, ``qty``,
    ``notional_usd`` float64, ``raw`` str)."""
    n = len(rows)
    return {
        "ts_ms": np.fromiter((r.ts_ms for r in rows), np.int64, n),
        "side": np.fromiter((r.side for r in rows), np.int8, n),
        "price": np.fromiter((r.price for r in rows), np.float64, n),
        "qty": np.fromiter((r.qty for r in rows), np.float64, n),
        "notional_usd": np.fromiter((r.notional_usd for r in rows), np.float64, n),
        "raw": np.array([r.raw for r in rows], dtype=object),
    }
