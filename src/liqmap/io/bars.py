"""Bar, minute-flow and open-interest tables -> domain records (checked; gaps reported).

See :mod:`liqmap.io.validate` for the checks and their order. The minute-flow file has no open
price: a bar's open is the previous bar's close when the previous minute is in the file and that
close lies inside this bar's ``[low, high]`` (how the recorder builds its own 1m bars); otherwise
it is ``src_price``, the recorder's in-minute price (always inside ``[low, high]``). The report's
notes say how many bars got each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from liqmap.core.gaps import detect_gaps, infer_interval_ms
from liqmap.domain.market import Candles, FloatArray, IntArray, OpenInterest
from liqmap.domain.plausible import MAX_USD, bad_usd
from liqmap.errors import EmptyWindowError, ParameterError
from liqmap.io.report import LoadReport, Source, fmt_num
from liqmap.io.validate import (
    check_interval,
    check_non_negative,
    check_ohlc,
    check_order,
    check_positive,
    check_volumes,
    drop_duplicates,
    first,
)

if TYPE_CHECKING:
    from liqmap.io.numeric import NumericTable
    from liqmap.io.table import Table

    #: What the bar and open-interest loaders read: the polars table or the numeric one.
    AnyTable = Table | NumericTable

__all__ = ["FLOW_INTERVAL_MS", "bars_from_table", "flow_from_table", "oi_from_table"]

FLOW_INTERVAL_MS = 60_000
_OHLC = ("open", "high", "low", "close")


def _notes(table: AnyTable, converted: int) -> list[str]:
    notes = []
    if converted:
        notes.append(
            f"{converted} timestamps were in microseconds (data.binance.vision spot files from "
            "2025-01-01 on) and were converted to milliseconds"
        )
    if not table.symbol:
        notes.append("no symbol in the file or its name: pass symbol= to label the record")
    return notes


def _excluded(table: AnyTable, **more: int) -> dict[str, int]:
    counts = {"other_symbol": table.other_symbol, **more}
    return {k: v for k, v in counts.items() if v}


def _interval(ts: IntArray, interval_ms: int | None, src: Source) -> int:
    if interval_ms is not None:
        if interval_ms <= 0:
            raise ParameterError(f"interval_ms must be > 0, got {interval_ms}")
        return interval_ms
    if len(ts) < 2:
        raise ParameterError(
            f"{src.label}: cannot infer the bar interval from {len(ts)} bar; pass interval_ms "
            "(e.g. interval_ms=60000 for 1-minute bars)"
        )
    return infer_interval_ms(ts)


def _dedupe(
    table: AnyTable, ts: IntArray, cols: dict[str, FloatArray]
) -> tuple[IntArray, IntArray, dict[str, FloatArray], int]:
    """Drop identical same-time rows; error on conflicting ones. Keys of ``cols``: fields."""
    rows = table.rows
    named = {table.col(k) if table.has(k) else k: v for k, v in cols.items()}
    keep, dropped = drop_duplicates(ts, named, rows, table.source, table.col("ts"))
    if dropped:
        return ts[keep], rows[keep], {k: v[keep] for k, v in cols.items()}, dropped
    return ts, rows, cols, 0


def bars_from_table(table: AnyTable, interval_ms: int | None) -> tuple[Candles, LoadReport]:
    """OHLC(V) bars: order, duplicates, prices, volumes and spacing checked; gaps reported."""
    src, tcol = table.source, table.col("ts")
    ts, converted = table.times()
    check_order(ts, table.rows, src, tcol)
    cols = {k: table.floats(k) for k in _OHLC}
    nan = np.full(len(ts), np.nan)
    for k in ("volume", "taker_buy_volume"):
        cols[k] = table.floats(k) if table.has(k) else nan
    ts, rows, cols, dropped = _dedupe(table, ts, cols)
    names = {k: table.col(k) if table.has(k) else k for k in cols}
    check_positive({names[k]: cols[k] for k in _OHLC}, rows, src)
    check_ohlc(cols, rows, src, names)
    check_volumes(cols["volume"], cols["taker_buy_volume"], rows, src, names)
    interval = _interval(ts, interval_ms, src)
    check_interval(ts, interval, rows, src, tcol, given=interval_ms is not None)
    candles = Candles(table.symbol, interval, ts, **cols, source=src.label)
    return candles, _bar_report(table, candles, dropped, _excluded(table), _notes(table, converted))


def _bar_report(
    table: AnyTable, candles: Candles, dropped: int, excluded: dict[str, int], notes: list[str]
) -> LoadReport:
    return LoadReport(
        path=table.source.label,
        layout=table.layout,
        symbol=table.symbol,
        rows_read=table.rows_read,
        rows_used=len(candles),
        duplicates_dropped=dropped,
        excluded=excluded,
        records=len(candles),
        interval_ms=candles.interval_ms,
        gaps=detect_gaps(candles.ts_ms, candles.interval_ms),
        notes=tuple(notes),
    )


def _flow_open(
    ts: IntArray, src_price: FloatArray, close: FloatArray, low: FloatArray, high: FloatArray
) -> tuple[FloatArray, int]:
    """Open = previous close when the previous minute is present and inside [low, high]."""
    prev = np.concatenate(([np.nan], close[:-1]))
    contiguous = np.concatenate(([False], np.diff(ts) == FLOW_INTERVAL_MS))
    use_prev = contiguous & (prev >= low) & (prev <= high)
    return np.where(use_prev, prev, src_price), int(use_prev.sum())


def flow_from_table(table: Table) -> tuple[Candles, OpenInterest, LoadReport]:
    """Recorder minute flow -> 1m candles with taker flow, and open-interest changes."""
    src, tcol = table.source, table.col("ts")
    ok = table.bools("ok")
    ts, converted = table.times()
    fields = ("src_price", "high", "low", "close", "taker_buy_vol", "taker_sell_vol", "oi_change")
    cols = {k: table.floats(k)[ok] for k in fields}
    ts, rows = ts[ok], table.rows[ok]
    not_ok = int((~ok).sum())
    if not len(ts):
        raise EmptyWindowError(
            f"{src.label}: no usable rows for {table.symbol}: all {not_ok} rows have ok=false"
        )
    check_order(ts, rows, src, tcol)
    named = {table.col(k): v for k, v in cols.items()}
    keep, dropped = drop_duplicates(ts, named, rows, src, tcol)
    ts, rows, cols = ts[keep], rows[keep], {k: v[keep] for k, v in cols.items()}
    names = {k: table.col(k) for k in cols} | {"open": table.col("src_price")}
    lo, hi, close = cols["low"], cols["high"], cols["close"]
    check_positive({names[k]: cols[k] for k in ("src_price", "high", "low", "close")}, rows, src)
    check_ohlc({"open": cols["src_price"], "high": hi, "low": lo, "close": close}, rows, src, names)
    buy, sell = cols["taker_buy_vol"], cols["taker_sell_vol"]
    check_non_negative({names["taker_buy_vol"]: buy, names["taker_sell_vol"]: sell}, rows, src)
    volume = buy + sell
    _check_finite(cols["oi_change"], rows, src, names["oi_change"])
    check_interval(ts, FLOW_INTERVAL_MS, rows, src, tcol, given=False)
    open_, n_prev = _flow_open(ts, cols["src_price"], close, lo, hi)
    candles = Candles(
        table.symbol, FLOW_INTERVAL_MS, ts, open_, hi, lo, close, volume, buy, source=src.label
    )
    oi = OpenInterest(ts, cols["oi_change"], kind="change", source=src.label)
    notes = _notes(table, converted)
    notes.append(
        f"open = previous close for {n_prev} bars, src_price for {len(ts) - n_prev} bars "
        "(first bar of a run, or previous close outside [low, high]); "
        "volume = taker buy + taker sell"
    )
    excluded = _excluded(table, not_ok=not_ok)
    return candles, oi, _bar_report(table, candles, dropped, excluded, notes)


def _check_finite(v: FloatArray, rows: IntArray, src: Source, field: str) -> None:
    """USD amounts (OI levels and changes): finite and at most ``MAX_USD`` in magnitude."""
    k = first(bad_usd(v))
    if k is not None:
        row = int(rows[k])
        raise src.error(
            f"'{field}' is {fmt_num(v[k])} at {src.at(row)}; it must be a finite number of USD "
            f"of at most {MAX_USD:g} in magnitude: fix or remove that row",
            row=row,
            field=field,
        )


def oi_from_table(table: AnyTable) -> tuple[OpenInterest, LoadReport]:
    """Open-interest levels (USD, >= 0) or changes (USD, finite); spacing reported as gaps."""
    src, tcol = table.source, table.col("ts")
    kind: Literal["level", "change"] = "level" if table.has("oi_level") else "change"
    field = "oi_level" if kind == "level" else "oi_change"
    ts, converted = table.times()
    check_order(ts, table.rows, src, tcol)
    ts, rows, cols, dropped = _dedupe(table, ts, {field: table.floats(field)})
    value = cols[field]
    _check_finite(value, rows, src, table.col(field))
    if kind == "level":
        k = first(value < 0)
        if k is not None:
            raise src.error(
                f"open interest {fmt_num(value[k])} at {src.at(int(rows[k]))} is negative; levels "
                "must be >= 0 (use an oi_change column for changes)",
                row=int(rows[k]),
                field=table.col(field),
            )
    oi = OpenInterest(ts, value, kind=kind, source=src.label)
    interval = infer_interval_ms(ts) if len(ts) >= 2 else None
    report = LoadReport(
        path=src.label,
        layout=table.layout,
        symbol=table.symbol,
        rows_read=table.rows_read,
        rows_used=len(oi),
        duplicates_dropped=dropped,
        excluded=_excluded(table),
        records=len(oi),
        interval_ms=interval,
        gaps=detect_gaps(ts, interval) if interval else (),
        notes=tuple(_notes(table, converted)),
    )
    return oi, report
