"""A detected, symbol-filtered file with typed column accessors that name bad values' rows.

:func:`open_table` reads a file (:mod:`liqmap.io.read`), detects its layout
(:mod:`liqmap.io.layouts`) and keeps the rows of one symbol (:func:`table_from_content` does the
same for a file already opened). The symbol rules live in :mod:`liqmap.io.symbols`, the
time-column rules in :mod:`liqmap.io.numeric` (shared with the numeric-CSV reader). :class:`Table` then hands out
columns as numpy arrays by canonical field name, raising :class:`DataFileError` naming the row
and column of the first value that is empty or not a number / time / boolean.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from liqmap.domain.market import FloatArray, IntArray
from liqmap.errors import ParameterError, UnknownSymbolError
from liqmap.io.layouts import Kind, LayoutMatch, detect_layout
from liqmap.io.numeric import epoch_ms, refuse_seconds
from liqmap.io.read import Content, RawTable, raw_table, read_content
from liqmap.io.report import Source, echo
from liqmap.io.symbols import base_asset, match_symbol, one_instrument_symbol, symbol_from_name

__all__ = [
    "Table", "base_asset", "match_symbol", "open_table", "symbol_from_name", "table_from_content",
]  # fmt: skip

BoolArray = NDArray[np.bool_]

_DIGITS = re.compile(r"^\d+$")
_TRUE = frozenset({"true", "1", "t", "yes"})
_FALSE = frozenset({"false", "0", "f", "no"})


@dataclass(frozen=True, slots=True)
class Table:
    """The rows of one symbol of a file whose layout is known; columns by canonical field."""

    frame: pl.DataFrame
    source: Source
    match: LayoutMatch
    symbol: str
    rows_read: int
    other_symbol: int

    @property
    def layout(self) -> str:
        """Name of the detected layout."""
        return self.match.layout.name

    @property
    def rows(self) -> IntArray:
        """1-based data row number of each row."""
        return self.frame["_row"].cast(pl.Int64).to_numpy()

    def has(self, name: str) -> bool:
        """True when the file has a column for this field."""
        return name in self.match.columns

    def col(self, name: str) -> str:
        """The file's column name for a field."""
        return self.match.columns[name]

    def floats(self, name: str) -> FloatArray:
        """A numeric column as float64 (``NaN`` text is NaN; empty or non-numbers raise)."""
        raw = self.frame[self.col(name)]
        if raw.dtype == pl.String:
            parsed = raw.str.strip_chars().cast(pl.Float64, strict=False)
        else:
            parsed = raw.cast(pl.Float64, strict=False)
        self._check_parsed(raw, parsed, name, "a number")
        return parsed.to_numpy()

    def ints(self, name: str) -> IntArray:
        """An integer column (ids) as int64."""
        raw = self.frame[self.col(name)]
        if raw.dtype == pl.String:
            parsed = raw.str.strip_chars().cast(pl.Int64, strict=False)
        else:
            parsed = raw.cast(pl.Int64, strict=False)
        self._check_parsed(raw, parsed, name, "an integer")
        return parsed.to_numpy().astype(np.int64, copy=False)

    def bools(self, name: str) -> BoolArray:
        """A true/false column (``true/false``, ``1/0``, any case)."""
        raw = self.frame[self.col(name)]
        if raw.dtype == pl.Boolean:
            parsed = raw
        else:
            text = raw.cast(pl.String).str.strip_chars().str.to_lowercase()
            expr = (
                pl.when(text.is_in(list(_TRUE)))
                .then(True)
                .when(text.is_in(list(_FALSE)))
                .then(False)
                .otherwise(None)
            )
            parsed = pl.select(expr.alias(raw.name)).to_series()
        self._check_parsed(raw, parsed, name, "true or false")
        return parsed.to_numpy().astype(np.bool_)

    def lower(self, name: str) -> pl.Series:
        """A text column, stripped and lower-cased (nulls kept)."""
        return self.frame[self.col(name)].cast(pl.String).str.strip_chars().str.to_lowercase()

    def times(self) -> tuple[IntArray, int]:
        """The time column as epoch ms, and how many values were converted from µs or ns.

        Integers are epoch ms, except values >= 1e14 (µs, as in data.binance.vision spot files
        from 2025 on) and >= 1e17 (ns), which are converted per value. Text is parsed as a UTC
        time (``2025-05-11 00:00:00``, ISO 8601 with or without an offset).
        """
        name = "ts"
        raw = self.frame[self.col(name)]
        parsed = _epoch_ms(raw)
        self._check_parsed(
            raw, parsed, name, "a time (epoch ms or UTC text like 2025-05-11 00:00:00)"
        )
        ts = parsed.to_numpy().astype(np.int64, copy=False)
        if raw.dtype not in (pl.Datetime, pl.Date) and len(ts):
            refuse_seconds(ts, self.source, int(self.frame["_row"][0]), self.col("ts"))
        return epoch_ms(ts)

    def _check_parsed(self, raw: pl.Series, parsed: pl.Series, name: str, what: str) -> None:
        if not parsed.null_count():
            return
        i = int(parsed.is_null().arg_true()[0])
        value = raw[i]
        row = int(self.frame["_row"][i])
        col = self.col(name)
        if value is None or str(value).strip() == "":
            msg = f"empty value at {self.source.at(row)}; column '{col}' needs {what} in every row"
        else:
            msg = f"{echo(value)} at {self.source.at(row)} is not {what}; fix or remove that row"
        raise self.source.error(msg, row=row, field=col)


def _epoch_ms(raw: pl.Series) -> pl.Series:
    """Times as Int64 (epoch units as found for numbers, ms for text/temporal); null if bad."""
    if raw.dtype == pl.Date:
        return raw.cast(pl.Datetime("ms")).dt.epoch("ms")
    if raw.dtype == pl.Datetime:  # any unit and time zone: the epoch is the UTC instant
        return raw.dt.epoch("ms")
    if raw.dtype != pl.String:
        return raw.cast(pl.Int64, strict=False)
    text = raw.str.strip_chars()
    first = text.drop_nulls().filter(text.drop_nulls() != "")
    if first.is_empty() or _DIGITS.match(first[0]):
        return text.cast(pl.Int64, strict=False)
    try:
        return text.str.to_datetime(time_unit="ms", strict=False).dt.epoch("ms")
    except pl.exceptions.PolarsError:
        return pl.Series(raw.name, [None] * len(raw), dtype=pl.Int64)


def open_table(
    path: str | os.PathLike[str],
    kinds: tuple[Kind, ...],
    symbol: str | None,
    venue: str | None = None,
) -> Table:
    """Read ``path``, detect its layout among ``kinds`` and keep the rows of ``symbol``.

    A file with a venue column (``venue``/``exchange``) holding several venues needs ``venue``
    (case-insensitive, e.g. ``"bybit"``); rows of other venues are counted as other-symbol rows.
    ``venue`` given for a file without such a column is an error (it cannot be honoured).

    Files without a symbol column hold one instrument: the record is labelled ``symbol`` (upper
    case) or, without it, the symbol spelled in the file name (``BTCUSDT``), else "".
    In a file with a symbol column, ``symbol`` may be the exact name or its base asset
    (``BTCUSDT``, ``BTC`` and ``btc`` all select ``BTC``); it is required when the file holds
    several symbols.
    """
    return table_from_raw(raw_table(read_content(path)), kinds, symbol, venue)


def table_from_content(
    content: Content, kinds: tuple[Kind, ...], symbol: str | None, venue: str | None = None
) -> Table:
    """:func:`open_table` of a file already opened by :func:`liqmap.io.read.read_content`."""
    return table_from_raw(raw_table(content), kinds, symbol, venue)


def table_from_raw(
    raw: RawTable, kinds: tuple[Kind, ...], symbol: str | None, venue: str | None = None
) -> Table:
    """Detect the layout of a parsed file and keep the rows of ``symbol`` (and ``venue``)."""
    label = raw.source.label
    match = detect_layout([c for c in raw.frame.columns if c != "_row"], kinds, label)
    frame = _keep_venue(raw.frame, match.venue_column, venue, label)
    n = raw.frame.height
    if match.symbol_column is None:
        name = one_instrument_symbol(label, symbol)
        return Table(frame, raw.source, match, name, n, n - frame.height)
    column = frame[match.symbol_column].cast(pl.String)
    # normalise the distinct names, not every row (a year of 1m bars is 525,600 rows of one name)
    spelled = {u: u.strip().upper() for u in column.drop_nulls().unique().to_list()}
    present = sorted(set(spelled.values()))
    if not present:
        raise raw.source.error(
            "the symbol column is empty in every row; fill it in or remove the column",
            field=match.symbol_column,
        )
    if symbol is None and len(present) != 1:
        raise ParameterError(
            f"{label}: the file holds several symbols ({', '.join(present)}); "
            "pass symbol= to choose one (e.g. symbol='BTC' or 'BTCUSDT')"
        )
    chosen = match_symbol(symbol, present, label) if symbol else present[0]
    names = [u for u, v in spelled.items() if v == chosen]
    if len(names) < len(spelled) or column.null_count():
        frame = frame.filter(column.is_in(names))
    name = symbol.strip().upper() if symbol else chosen
    return Table(frame, raw.source, match, name, n, n - frame.height)


def _keep_venue(
    frame: pl.DataFrame, column: str | None, venue: str | None, label: str
) -> pl.DataFrame:
    """The rows of one venue of a file with a venue column (all rows without one)."""
    if column is None:
        if venue is not None:
            raise ParameterError(
                f"{label}: venue={venue!r} was given but the file has no venue column; "
                "omit the venue for a one-venue file"
            )
        return frame
    values = frame[column].cast(pl.String).str.strip_chars().str.to_lowercase()
    present = sorted(values.drop_nulls().unique().to_list())
    if venue is None:
        if len(present) > 1:
            raise ParameterError(
                f"{label}: the file holds several venues ({', '.join(present)}) in column "
                f"{column!r}; pass venue= (CLI: --exchange) to choose one"
            )
        return frame
    want = venue.strip().lower()
    if want not in present:
        raise UnknownSymbolError(
            f"{label}: venue {venue!r} is not in this file; it holds {', '.join(present)}"
        )
    return frame.filter(values == want)
