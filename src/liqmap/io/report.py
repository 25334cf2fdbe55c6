"""What a load did: :class:`LoadReport` (counts of rows read, kept, dropped, excluded) and
:class:`Source` (how to name a file and a row in an error message)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from liqmap.domain.market import Gap
from liqmap.errors import DataFileError

__all__ = ["LoadReport", "Source", "fmt_ms", "fmt_num"]


def fmt_ms(ts_ms: int) -> str:
    """Epoch milliseconds as ISO-8601 UTC text (for messages)."""
    try:
        dt = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return f"{ts_ms} ms"
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


ECHO_MAX = 60


def echo(value: object, limit: int = ECHO_MAX) -> str:
    """``repr`` of a value from a file, for messages: control characters escaped, at most
    ``limit`` characters (a 400 KB run of NUL bytes is shown as a short prefix and its size)."""
    text = repr(value if isinstance(value, str) else str(value))
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(str(value)):,} characters)"


def fmt_num(value: object) -> str:
    """A numpy or Python value as plain text for messages (``2.5``, ``nan``, ``True``)."""
    if isinstance(value, np.generic):
        return repr(value.item())
    return repr(value)


@dataclass(frozen=True, slots=True)
class Source:
    """A file as named in messages, and how its data rows map to text lines.

    ``line_offset`` is 1 for CSV with a header (data row 1 is line 2), 0 for headerless CSV and
    None for Parquet (no lines).
    """

    label: str
    line_offset: int | None = 1

    def at(self, row: int) -> str:
        """``data row N (line M)``: 1-based data row, header excluded, and its line in the file."""
        if self.line_offset is None:
            return f"data row {row}"
        return f"data row {row} (line {row + self.line_offset})"

    def error(
        self,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
        cls: type[DataFileError] = DataFileError,
    ) -> DataFileError:
        """A :class:`DataFileError` (or subclass) naming this file, and the row and field."""
        return cls(message, path=self.label, row=row, field=field)


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What loading one file did. Nothing is dropped without being counted here.

    ``rows_read == rows_used + duplicates_dropped + sum(excluded.values())`` always holds.

    Attributes
    ----------
    path
        The file (``archive.zip[member.csv]`` for a zip archive).
    layout
        The detected layout name (see :data:`liqmap.io.layouts.LAYOUTS`).
    symbol
        The instrument the record holds ("" when neither the file nor the caller names one).
    rows_read
        Data rows in the file, header excluded, all symbols.
    rows_used
        Rows that went into the record.
    duplicates_dropped
        Rows identical to the previous row for the same time (or trade id), dropped.
    excluded
        Rows left out on purpose, by reason (only reasons that occurred), e.g.
        ``other_symbol``, ``not_ok``, ``bad_price``, ``side_mismatch``.
    records
        Length of the returned record (bars, open-interest points or events); differs from
        ``rows_used`` only when trades are aggregated into bars.
    interval_ms
        Bar interval (None for liquidation events).
    gaps
        Missing bars (bar files only); reported, never filled.
    notes
        Anything else worth knowing, e.g. timestamps converted from microseconds.
    """

    path: str
    layout: str
    symbol: str
    rows_read: int
    rows_used: int
    duplicates_dropped: int = 0
    excluded: Mapping[str, int] = field(default_factory=dict)
    records: int = 0
    interval_ms: int | None = None
    gaps: tuple[Gap, ...] = ()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "excluded", dict(self.excluded))  # a private copy

    @property
    def missing_bars(self) -> int:
        """Total number of bars missing inside the covered span."""
        return sum(g.missing for g in self.gaps)

    @property
    def coverage(self) -> float:
        """Share of the bars between the first and last one that are present (1.0 = no gaps)."""
        total = self.records + self.missing_bars
        return self.records / total if total else 0.0

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "path": self.path,
            "layout": self.layout,
            "symbol": self.symbol,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "duplicates_dropped": self.duplicates_dropped,
            "excluded": dict(self.excluded),
            "records": self.records,
            "interval_ms": self.interval_ms,
            "gaps": [g.to_dict() for g in self.gaps],
            "missing_bars": self.missing_bars,
            "coverage": self.coverage,
            "notes": list(self.notes),
        }

    def summary(self) -> str:
        """One line for logs and the CLI."""
        parts = [
            f"{self.path}: {self.layout}",
            f"{self.symbol or '?'}",
            f"{self.rows_read} rows read, {self.records} records",
        ]
        if self.duplicates_dropped:
            parts.append(f"{self.duplicates_dropped} duplicate rows dropped")
        if self.excluded:
            parts.append("excluded " + ", ".join(f"{k}={v}" for k, v in self.excluded.items()))
        if self.gaps:
            parts.append(
                f"{len(self.gaps)} gaps ({self.missing_bars} bars missing, "
                f"coverage {self.coverage:.1%})"
            )
        return "; ".join(parts)
