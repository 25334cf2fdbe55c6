"""data.binance.vision ``aggTrades`` -> candles with volume and taker-buy volume.

Each aggregate trade is counted in the bar whose open time is ``floor(ts / interval) *
interval``. The taker bought when the buyer was *not* the maker (``is_buyer_maker`` false), so
``taker_buy_volume`` sums the quantity of those trades. Bars with no trade are missing (gaps,
reported), never filled. The first and last bars may be partial when the file starts or ends
mid-bar (daily files start at 00:00 UTC, so bars of up to a day are whole).
"""

from __future__ import annotations

import numpy as np

from liqmap.core.gaps import detect_gaps
from liqmap.domain.market import Candles, FloatArray, IntArray
from liqmap.errors import ParameterError
from liqmap.io.report import LoadReport
from liqmap.io.table import Table
from liqmap.io.validate import check_order, check_positive, drop_duplicates

__all__ = ["aggregate_trades", "trades_to_candles"]


def aggregate_trades(
    ts_ms: IntArray, price: FloatArray, qty: FloatArray, taker_buy: FloatArray, interval_ms: int
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Time-sorted trades -> ``(bar_ts, open, high, low, close, volume, taker_buy_volume)``.

    ``taker_buy`` is each trade's quantity when the taker bought, else 0.
    """
    bucket = ts_ms - np.mod(ts_ms, interval_ms)
    starts = np.concatenate(([0], np.flatnonzero(bucket[1:] != bucket[:-1]) + 1))
    ends = np.concatenate((starts[1:], [len(ts_ms)])) - 1
    return (
        bucket[starts],
        price[starts],
        np.maximum.reduceat(price, starts),
        np.minimum.reduceat(price, starts),
        price[ends],
        np.add.reduceat(qty, starts),
        np.add.reduceat(taker_buy, starts),
    )


def trades_to_candles(table: Table, interval_ms: int) -> tuple[Candles, LoadReport]:
    """Aggregate an aggTrades table into bars of ``interval_ms``."""
    if interval_ms <= 0:
        raise ParameterError(f"interval_ms must be > 0, got {interval_ms}")
    src, rows, tcol = table.source, table.rows, table.col("ts")
    ts, converted = table.times()
    price, qty = table.floats("price"), table.floats("quantity")
    maker = table.bools("is_buyer_maker")
    check_order(ts, rows, src, tcol)
    dropped = 0
    if table.has("agg_trade_id"):
        ids = table.ints("agg_trade_id")
        check_order(ids, rows, src, table.col("agg_trade_id"))
        values = {"price": price, "quantity": qty, "transact_time": ts, "is_buyer_maker": maker}
        keep, dropped = drop_duplicates(ids, values, rows, src, table.col("agg_trade_id"))
        ts, price, qty, maker, rows = ts[keep], price[keep], qty[keep], maker[keep], rows[keep]
    check_positive({table.col("price"): price, table.col("quantity"): qty}, rows, src)
    taker_buy = np.where(maker, 0.0, qty)
    bar_ts, o, h, lo, c, vol, tb = aggregate_trades(ts, price, qty, taker_buy, interval_ms)
    candles = Candles(table.symbol, interval_ms, bar_ts, o, h, lo, c, vol, tb, source=src.label)
    notes = [
        f"aggregated {len(ts)} trades into {len(bar_ts)} bars of {interval_ms} ms; the first "
        "and last bars may be partial",
    ]
    if converted:
        notes.append(f"{converted} trade times were in microseconds; converted to milliseconds")
    report = LoadReport(
        path=src.label,
        layout=table.layout,
        symbol=table.symbol,
        rows_read=table.rows_read,
        rows_used=len(ts),
        duplicates_dropped=dropped,
        excluded={"other_symbol": table.other_symbol} if table.other_symbol else {},
        records=len(candles),
        interval_ms=interval_ms,
        gaps=detect_gaps(bar_ts, interval_ms),
        notes=tuple(notes),
    )
    return candles, report
