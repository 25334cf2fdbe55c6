"""Archive files the :mod:`liqmap.io` loaders do not cover: fundingRate, bookDepth, and the
long/short ratios of ``metrics``; plus recognising archive file names.

Reading (containers, header or headerless CSV), time parsing and row checks are those of
:mod:`liqmap.io` (``read_table``, ``Table``, ``validate``); this module only declares the
columns. Layouts (header names as published):

=================  ===========================================================================
file               columns
=================  ===========================================================================
fundingRate        ``calc_time,funding_interval_hours,last_funding_rate`` (epoch ms; monthly)
bookDepth          ``timestamp,percentage,depth,notional`` (UTC text; ``percentage`` is the
                   signed distance from mid in %, ``depth`` base units, ``notional`` quote)
metrics            ``create_time,symbol,sum_open_interest,sum_open_interest_value,
                   count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,
                   count_long_short_ratio,sum_taker_long_short_vol_ratio`` (5m rows)
freqtrade funding  ``open_time_ms,...,open`` with the rate in ``open`` (the shared data layout)
=================  ===========================================================================
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from liqmap.domain.market import FloatArray, IntArray, OpenInterest
from liqmap.errors import MissingColumnError
from liqmap.io.bars import oi_from_table
from liqmap.io.layouts import Layout, LayoutMatch, normalize_column
from liqmap.io.read import read_table
from liqmap.io.report import LoadReport
from liqmap.io.table import Table, open_table
from liqmap.io.validate import check_order, drop_duplicates

__all__ = [
    "METRIC_SERIES",
    "ArchiveName",
    "load_book_depth_report",
    "load_funding_report",
    "load_metrics_report",
    "match_archive_layout",
    "parse_archive_name",
]

PathLike = str | os.PathLike[str]

# ``kind`` is not used for these layouts (they are matched here, not by io.detect_layout).
FUNDING = Layout(
    "binance-funding",
    "open_interest",
    "data.binance.vision fundingRate (monthly)",
    {"ts": ("calc_time",), "rate": ("last_funding_rate",)},
)
FREQTRADE_FUNDING = Layout(
    "freqtrade-funding",
    "open_interest",
    "funding rate per settlement in column 'open' (freqtrade's layout)",
    {"ts": ("open_time_ms", "date"), "rate": ("open",)},
)
BOOK_DEPTH = Layout(
    "binance-bookdepth",
    "open_interest",
    "data.binance.vision bookDepth (depth within +-N% of mid)",
    {
        "ts": ("timestamp",),
        "percentage": ("percentage",),
        "depth": ("depth",),
        "notional": ("notional",),
    },
)

#: metrics column -> store series kind (the USD level goes to open interest).
METRIC_SERIES: Mapping[str, str] = {
    "sum_open_interest": "open_interest_qty",
    "count_toptrader_long_short_ratio": "top_trader_account_ratio",
    "sum_toptrader_long_short_ratio": "top_trader_position_ratio",
    "count_long_short_ratio": "long_short_ratio",
    "sum_taker_long_short_vol_ratio": "taker_buy_sell_ratio",
}

_INTERVAL_MS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}
_NAME = re.compile(
    r"^(?P<symbol>[A-Z0-9]+)-(?P<stem>aggTrades|metrics|bookDepth|fundingRate|\d+[smhdw])-"
    r"(?P<period>\d{4}-\d{2}(?:-\d{2})?)\.(?:zip|csv)$"
)


@dataclasses.dataclass(frozen=True, slots=True)
class ArchiveName:
    """What an archive file name says: ``BTCUSDT-1m-2024-01-31.zip`` -> klines, 60,000 ms."""

    symbol: str
    stem: str
    period: str
    interval_ms: int | None


def parse_archive_name(name: str) -> ArchiveName | None:
    """The parts of a data.binance.vision file name, or None for other names."""
    m = _NAME.match(name)
    if not m:
        return None
    stem = m["stem"]
    interval = None
    if stem[0].isdigit():
        interval = int(stem[:-1]) * _INTERVAL_MS[stem[-1]]
    return ArchiveName(m["symbol"], stem, m["period"], interval)


def match_archive_layout(columns: list[str]) -> Layout | None:
    """The layout of this module that the columns fit (funding or book depth), or None."""
    cols = {normalize_column(c): c for c in columns}
    for layout in (FUNDING, BOOK_DEPTH):
        if layout.match(cols) is not None:
            return layout
    return None


def _table(path: PathLike, layouts: tuple[Layout, ...], symbol: str) -> Table:
    raw = read_table(path)
    cols = {normalize_column(c): c for c in raw.frame.columns if c != "_row"}
    for layout in layouts:
        found = layout.match(cols)
        if found is not None:
            match = LayoutMatch(layout, found, None)
            return Table(raw.frame, raw.source, match, symbol.upper(), raw.frame.height, 0)
    best = layouts[0]
    missing = best.missing(cols)
    raise MissingColumnError(
        f"this is not a {best.description} file: it lacks {', '.join(missing)} (columns found: "
        f"{', '.join(cols.values())}); expected {best.signature()}",
        path=raw.source.label,
        field=missing[0] if missing else None,
    )


def _report(table: Table, used: int, dropped: int, excluded: dict[str, int]) -> LoadReport:
    return LoadReport(
        path=table.source.label,
        layout=table.layout,
        symbol=table.symbol,
        rows_read=table.rows_read,
        rows_used=used,
        duplicates_dropped=dropped,
        excluded={k: v for k, v in excluded.items() if v},
        records=used,
    )


def load_funding_report(path: PathLike, *, symbol: str) -> tuple[IntArray, FloatArray, LoadReport]:
    """Funding settlement times and rates (archive fundingRate or the freqtrade layout)."""
    table = _table(path, (FUNDING, FREQTRADE_FUNDING), symbol)
    ts, _ = table.times()
    rate = table.floats("rate")
    check_order(ts, table.rows, table.source, table.col("ts"))
    keep, dropped = drop_duplicates(
        ts, {table.col("rate"): rate}, table.rows, table.source, table.col("ts")
    )
    return ts[keep], rate[keep], _report(table, int(keep.sum()), dropped, {})


def load_book_depth_report(
    path: PathLike, *, symbol: str
) -> tuple[dict[str, NDArray[Any]], LoadReport]:
    """Depth bands ``ts_ms, percentage, depth, notional``.

    A row repeating an earlier ``(time, percentage)`` is dropped: counted as a duplicate when
    its values are equal, else excluded as ``conflicting_duplicate`` (the first row is kept).
    """
    table = _table(path, (BOOK_DEPTH,), symbol)
    ts, _ = table.times()
    check_order(ts, table.rows, table.source, table.col("ts"))
    cols = {k: table.floats(k) for k in ("percentage", "depth", "notional")}
    keys = np.stack([ts.astype(np.float64), cols["percentage"]], axis=1)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    owner = first[inverse.ravel()]
    repeat = owner != np.arange(len(ts))
    same = (cols["depth"] == cols["depth"][owner]) & (cols["notional"] == cols["notional"][owner])
    keep = ~repeat
    rows = {"ts_ms": ts[keep], **{k: v[keep] for k, v in cols.items()}}
    excluded = {"conflicting_duplicate": int((repeat & ~same).sum())}
    report = _report(table, int(keep.sum()), int((repeat & same).sum()), excluded)
    return rows, report


def _optional_floats(table: Table, column: str) -> tuple[IntArray, FloatArray, int]:
    """Rows where ``column`` is filled: (times, values, empty count); bad text raises."""
    raw = table.frame[column].cast(pl.String).str.strip_chars()
    filled = raw.is_not_null() & (raw != "")
    sub = dataclasses.replace(
        table,
        frame=table.frame.filter(filled),
        match=LayoutMatch(
            table.match.layout, {**table.match.columns, column: column}, table.match.symbol_column
        ),
    )
    ts, _ = sub.times()
    return ts, sub.floats(column), int((~filled).sum())


def load_metrics_report(
    path: PathLike, *, symbol: str
) -> tuple[OpenInterest, dict[str, tuple[IntArray, FloatArray]], LoadReport]:
    """A metrics file: the USD open-interest level and the ratio series.

    Returns the open interest (``sum_open_interest_value``, checked by the io loader), the
    series by store kind (see :data:`METRIC_SERIES`; empty cells are skipped and counted in
    the report's notes) and the report of the open-interest load.
    """
    table = open_table(path, ("open_interest",), symbol)
    oi, report = oi_from_table(table)
    series: dict[str, tuple[IntArray, FloatArray]] = {}
    empty: dict[str, int] = {}
    present = {normalize_column(c): c for c in table.frame.columns}
    for column, kind in METRIC_SERIES.items():
        if column not in present:
            continue
        ts, values, n_empty = _optional_floats(table, present[column])
        order = np.argsort(ts, kind="stable")
        ts, values = ts[order], values[order]
        first = np.concatenate(([True], ts[1:] != ts[:-1]))
        series[kind] = (ts[first], values[first])
        if n_empty:
            empty[column] = n_empty
    if empty:
        note = ", ".join(f"{c}: {n}" for c, n in empty.items())
        report = dataclasses.replace(report, notes=(*report.notes, f"empty cells skipped: {note}"))
    return oi, series, report


def archive_files(folder: Path) -> list[Path]:
    """Data files in a folder, sorted by name (``.CHECKSUM`` and hidden files left out)."""
    suffixes = (".zip", ".csv", ".gz", ".parquet")
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name.lower().endswith(suffixes)
    )
