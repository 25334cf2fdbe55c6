"""A detected, symbol-filtered file with typed column accessors that name bad values' rows.

:func:`open_table` reads a file (:mod:`liqmap.io.read`), detects its layout
(:mod:`liqmap.io.layouts`) and keeps the rows of one symbol. :class:`Table` then hands out
columns as numpy arrays by canonical field name, raising :class:`DataFileError` naming the row
and column of the first value that is empty or not a number / time / boolean.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from numpy.typing import NDArray

from liqmap.domain.market import FloatArray, IntArray
from liqmap.errors import ParameterError, UnknownSymbolError
from liqmap.io.layouts import Kind, LayoutMatch, detect_layout
from liqmap.io.read import read_table
from liqmap.io.report import Source, echo, fmt_ms

__all__ = ["Table", "base_asset", "match_symbol", "open_table"]

BoolArray = NDArray[np.bool_]

_QUOTES = ("USDT", "USDC", "FDUSD", "BUSD", "USD")
_FILE_SYMBOL = re.compile(r"(?<![A-Za-z0-9])([A-Z0-9]{2,20}?(?:USDT|USDC|BUSD|USD))(?![A-Za-z0-9])")
_DIGITS = re.compile(r"^\d+$")
_TRUE = frozenset({"true", "1", "t", "yes"})
_FALSE = frozenset({"false", "0", "f", "no"})
_SECONDS_LO, _SECONDS_HI = 10**8, 10**11  # as ms: 1970-01-02 .. 1973-03; as s: 1973 .. 5138
_US, _NS = 10**14, 10**17  # epoch ms < 1e14 until the year 5138; µs >= 1e14 after 1973


def base_asset(symbol: str) -> str:
    """``BTCUSDT``, ``BTC-USDT-SWAP``, ``btc`` -> ``BTC`` (separators and quote suffix removed)."""
    s = re.sub(r"[-_/:\s]", "", symbol.upper()).removesuffix("SWAP").removesuffix("PERP")
    for quote in _QUOTES:
        if len(s) > len(quote) and s.endswith(quote):
            return s[: -len(quote)]
    return s


def match_symbol(requested: str, present: Iterable[str], label: str) -> str:
    """The symbol among ``present`` that ``requested`` names: exactly, else by base asset."""
    names = sorted(set(present))
    want = requested.strip().upper()
    if want in names:
        return want
    hits = [s for s in names if base_asset(s) == base_asset(want)]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise ParameterError(
            f"{label}: symbol {requested!r} is ambiguous here: it matches {', '.join(hits)}; "
            "pass one of them exactly"
        )
    raise UnknownSymbolError(
        f"{label}: symbol {requested!r} is not in this file; it holds {', '.join(names)}"
    )


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
        if raw.dtype not in (pl.Datetime, pl.Date):
            self._refuse_seconds(ts)
        big = ts >= _US
        if not big.any():
            return ts, 0
        ts = np.where(ts >= _NS, ts // 1_000_000, np.where(big, ts // 1000, ts))
        return ts, int(big.sum())

    def _refuse_seconds(self, ts: IntArray) -> None:
        """Epoch seconds read as milliseconds would put every bar in January 1970: refuse."""
        if len(ts) == 0 or not (int(ts.min()) >= _SECONDS_LO and int(ts.max()) < _SECONDS_HI):
            return
        row = int(self.frame["_row"][0])
        raise self.source.error(
            f"the times look like epoch seconds ({int(ts[0])} at {self.source.at(row)} would be "
            f"{fmt_ms(int(ts[0]))} as milliseconds); liqmap reads epoch milliseconds: multiply "
            f"the '{self.col('ts')}' column by 1000 (or write UTC text like 2025-05-11 00:00:00)",
            row=row,
            field=self.col("ts"),
        )

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


def symbol_from_name(label: str) -> str:
    """A symbol such as ``BTCUSDT`` spelled in upper case in a file name, else ""."""
    m = _FILE_SYMBOL.search(Path(label).name)
    return m.group(1) if m else ""


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
    raw = read_table(path)
    label = raw.source.label
    match = detect_layout([c for c in raw.frame.columns if c != "_row"], kinds, label)
    frame = _keep_venue(raw.frame, match.venue_column, venue, label)
    n = raw.frame.height
    if match.symbol_column is None:
        named = symbol_from_name(label)
        if symbol and named and base_asset(named) != base_asset(symbol.strip().upper()):
            raise UnknownSymbolError(
                f"{label}: the file name says {named}, but the symbol asked for is "
                f"{symbol.strip().upper()}; liqmap would put {symbol.strip().upper()}'s margin "
                f"brackets on {named} prices. Pass the {symbol.strip().upper()} file, or ask for "
                f"{named}"
            )
        name = symbol.strip().upper() if symbol else named
        return Table(frame, raw.source, match, name, n, n - frame.height)
    values = frame[match.symbol_column].cast(pl.String).str.strip_chars().str.to_uppercase()
    present = sorted(values.drop_nulls().unique().to_list())
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
    keep = values == chosen
    frame = frame.filter(keep)
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
