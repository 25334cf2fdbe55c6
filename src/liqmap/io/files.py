"""Load market data files into typed domain records: the public entry points of ``liqmap.io``.

Every loader auto-detects the file's container (CSV, gzip CSV, zip holding one CSV, Parquet) and
layout (see :mod:`liqmap.io.layouts`), checks every row (see :mod:`liqmap.io.validate`) and
returns a record; the ``*_report`` variants also return a :class:`LoadReport` that counts every
row read, dropped as an identical duplicate, or excluded (by reason), and lists the gaps.
Nothing is interpolated, reordered or dropped without being counted; bad input raises an
:class:`~liqmap.errors.InputError` naming the file, the data row (and its line) and the column.

=====================  ========================================================================
layout                 columns (``symbol`` is optional everywhere and selects one instrument)
=====================  ========================================================================
bars                   ``open_time_ms,open,high,low,close[,volume][,taker_buy_volume]``
recorder-1m            ``minute_open_utc,minute_ms,symbol,open,high,low,close``
recorder-minute-flow   ``minute_ms,symbol,src_price,high,low,close,taker_buy_vol,taker_sell_vol,
                       oi_change,ok``
archive-1h             ``timestamp,open,high,low,close,volume,...,taker_buy_base,...`` (UTC text)
binance-klines         data.binance.vision klines, header or headerless (12 columns; µs times
                       of spot files from 2025 are converted to ms)
binance-aggtrades      data.binance.vision aggTrades, header or headerless -> candles
binance-metrics        data.binance.vision metrics -> open interest level (USD)
oi-level / oi-change   ``ts_ms|timestamp`` + ``oi_usd|open_interest_usd`` or ``oi_change``
liquidation-tape       ``ts_ms,time_utc,liquidated_side,order_side,price,qty,notional_usd``
=====================  ========================================================================
"""

from __future__ import annotations

import gzip
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from liqmap.core.gaps import detect_gaps
from liqmap.domain.market import Candles, Gap, LiquidationEvents, OpenInterest
from liqmap.errors import ParameterError
from liqmap.io.atomic import write_atomic
from liqmap.io.bars import FLOW_INTERVAL_MS, bars_from_table, flow_from_table, oi_from_table
from liqmap.io.layouts import Kind
from liqmap.io.numeric import NumericTable, numeric_table
from liqmap.io.read import read_content
from liqmap.io.report import LoadReport
from liqmap.io.symbols import base_asset

if TYPE_CHECKING:
    from liqmap.io.table import Table

__all__ = [
    "DEFAULT_TRADE_INTERVAL_MS",
    "LoadReport",
    "candle_gaps",
    "load_candles",
    "load_candles_report",
    "load_flow",
    "load_flow_report",
    "load_liquidations",
    "load_liquidations_report",
    "load_open_interest",
    "load_open_interest_report",
    "merge_flow",
    "save_candles",
]

PathLike = str | os.PathLike[str]

#: Bar length used when aggTrades are aggregated and no ``interval_ms`` is given (1 minute).
DEFAULT_TRADE_INTERVAL_MS = 60_000


def _open(
    path: PathLike, kinds: tuple[Kind, ...], symbol: str | None, venue: str | None = None
) -> Table | NumericTable:
    """The file as a table: an all-numeric one-instrument CSV through numpy alone
    (:mod:`liqmap.io.numeric`), anything else through polars (imported only then)."""
    content = read_content(path)
    fast = numeric_table(content, kinds, symbol, venue)
    if fast is not None:
        return fast
    from liqmap.io.table import table_from_content

    return table_from_content(content, kinds, symbol, venue)


def _polars_table(
    path: PathLike, kinds: tuple[Kind, ...], symbol: str | None, venue: str | None = None
) -> Table:
    from liqmap.io.table import open_table

    return open_table(path, kinds, symbol, venue)


def load_candles_report(
    path: PathLike,
    *,
    symbol: str | None = None,
    interval_ms: int | None = None,
    venue: str | None = None,
) -> tuple[Candles, LoadReport]:
    """Bars from any candle layout (bars, klines, recorder, archive, flow or aggTrades).

    Parameters
    ----------
    path
        The file.
    symbol
        The instrument: required for a file holding several (``BTCUSDT``, ``BTC`` or ``btc``
        select the file's ``BTC``/``BTCUSDT``); otherwise only labels the record, which
        defaults to the file's symbol column, else a symbol in the file name, else "".
    interval_ms
        Bar length. Bar files: inferred as the median spacing when None; when given, every
        spacing must be a multiple of it. aggTrades: the bar length to aggregate into
        (default 1 minute).
    venue
        For a file with a ``venue`` column holding several venues (e.g. Binance and Bybit
        bars side by side): the venue to keep, such as ``"bybit"``.

    Raises
    ------
    DataFileError, MissingColumnError, EmptyWindowError, ParameterError, UnknownSymbolError
        With the file, row, column and fix in the message.
    """
    table = _open(path, ("candles", "agg_trades", "flow"), symbol, venue)
    kind = table.match.layout.kind
    if isinstance(table, NumericTable):
        return bars_from_table(table, interval_ms)
    if kind == "agg_trades":
        from liqmap.io.trades import trades_to_candles

        return trades_to_candles(table, interval_ms or DEFAULT_TRADE_INTERVAL_MS)
    if kind == "flow":
        if interval_ms not in (None, FLOW_INTERVAL_MS):
            raise ParameterError(
                f"{table.source.label}: the minute-flow file has 1-minute bars, but "
                f"interval_ms={interval_ms} was passed; omit it or pass 60000"
            )
        candles, _, report = flow_from_table(table)
        return candles, report
    return bars_from_table(table, interval_ms)


def load_candles(
    path: PathLike,
    *,
    symbol: str | None = None,
    interval_ms: int | None = None,
    venue: str | None = None,
) -> Candles:
    """Bars from a file; see :func:`load_candles_report` (which also returns the counts)."""
    return load_candles_report(path, symbol=symbol, interval_ms=interval_ms, venue=venue)[0]


def load_open_interest_report(
    path: PathLike, *, symbol: str | None = None, venue: str | None = None
) -> tuple[OpenInterest, LoadReport]:
    """Open interest in USD: levels (metrics, ``oi_usd``) or changes (``oi_change``, flow)."""
    table = _open(path, ("open_interest", "flow"), symbol, venue)
    if not isinstance(table, NumericTable) and table.match.layout.kind == "flow":
        _, oi, report = flow_from_table(table)
        return oi, report
    return oi_from_table(table)


def load_open_interest(
    path: PathLike, *, symbol: str | None = None, venue: str | None = None
) -> OpenInterest:
    """Open interest from a file; see :func:`load_open_interest_report`."""
    return load_open_interest_report(path, symbol=symbol, venue=venue)[0]


def load_flow_report(
    path: PathLike, *, symbol: str | None = None
) -> tuple[Candles, OpenInterest, LoadReport]:
    """The recorder minute-flow file: 1m candles with taker flow, and OI changes (USD).

    Rows with ``ok`` false are excluded and counted (``excluded['not_ok']``). Candles: ``open``
    is the previous bar's close when the previous minute is present and that close lies inside
    the bar's range, else ``src_price`` (the report's notes give both counts);
    ``volume = taker_buy_vol + taker_sell_vol``, ``taker_buy_volume = taker_buy_vol``. The open
    interest is ``kind='change'``: ``oi_change`` over the minute that opens at ``ts_ms``.
    """
    return flow_from_table(_polars_table(path, ("flow",), symbol))


def load_flow(path: PathLike, *, symbol: str | None = None) -> tuple[Candles, OpenInterest]:
    """Candles and OI changes from the minute-flow file; see :func:`load_flow_report`."""
    candles, oi, _ = load_flow_report(path, symbol=symbol)
    return candles, oi


def load_liquidations_report(
    path: PathLike, *, symbol: str | None = None, venue: str | None = None
) -> tuple[LiquidationEvents, LoadReport]:
    """A liquidation tape; unusable rows are excluded and counted by reason.

    See :mod:`liqmap.io.liquidations` for the reasons. ``LiquidationEvents.excluded`` holds the
    counts (duplicates included); rows of other symbols are counted in the report only.
    """
    from liqmap.io.liquidations import liquidations_from_table

    return liquidations_from_table(_polars_table(path, ("liquidations",), symbol, venue))


def load_liquidations(
    path: PathLike, *, symbol: str | None = None, venue: str | None = None
) -> LiquidationEvents:
    """Liquidation events from a tape; see :func:`load_liquidations_report`."""
    return load_liquidations_report(path, symbol=symbol, venue=venue)[0]


def candle_gaps(candles: Candles) -> tuple[Gap, ...]:
    """Stretches of missing bars (reported, never filled)."""
    return detect_gaps(candles.ts_ms, candles.interval_ms)


def merge_flow(candles: Candles, flow_candles: Candles) -> Candles:
    """``candles`` with taker flow from ``flow_candles`` attached by bar open time.

    Where ``flow_candles`` has a bar at the same time, ``volume`` and ``taker_buy_volume`` both
    come from it, so that ``taker_buy_volume / volume`` is always a ratio from one source;
    elsewhere ``taker_buy_volume`` is NaN (unknown) and ``volume`` is the candle's own. Prices
    are never changed. Flow bars at times without a candle are not used.

    Raises
    ------
    ParameterError
        Different bar intervals, or different instruments.
    """
    flow = flow_candles
    if candles.interval_ms != flow.interval_ms:
        raise ParameterError(
            f"cannot merge flow with {flow.interval_ms} ms bars into candles with "
            f"{candles.interval_ms} ms bars; load both at the same interval"
        )
    if candles.symbol and flow.symbol and base_asset(candles.symbol) != base_asset(flow.symbol):
        raise ParameterError(
            f"cannot merge {flow.symbol} flow into {candles.symbol} candles; load the flow "
            f"with symbol={candles.symbol!r}"
        )
    idx = np.searchsorted(flow.ts_ms, candles.ts_ms)
    idx = np.minimum(idx, max(len(flow) - 1, 0))
    hit = flow.ts_ms[idx] == candles.ts_ms if len(flow) else np.zeros(len(candles), np.bool_)
    volume = candles.volume.copy()
    taker_buy = np.full(len(candles), np.nan)
    volume[hit] = flow.volume[idx[hit]]
    taker_buy[hit] = flow.taker_buy_volume[idx[hit]]
    return Candles(
        symbol=candles.symbol,
        interval_ms=candles.interval_ms,
        ts_ms=candles.ts_ms,
        open=candles.open,
        high=candles.high,
        low=candles.low,
        close=candles.close,
        volume=volume,
        taker_buy_volume=taker_buy,
        source=f"{candles.source} + flow {flow.source}",
    )


def save_candles(candles: Candles, path: PathLike) -> None:
    """Write candles atomically in the ``bars`` layout (loads back with :func:`load_candles`).

    The format follows the name: ``.parquet``, ``.csv`` or ``.csv.gz``. Columns:
    ``open_time_ms,open,high,low,close,volume,taker_buy_volume`` (and ``symbol`` when set).
    """
    import polars as pl

    p = Path(path)
    frame = pl.DataFrame({"open_time_ms": candles.ts_ms, **candles.bar_columns()})
    if candles.symbol:
        frame = frame.with_columns(pl.lit(candles.symbol).alias("symbol"))
    buf = io.BytesIO()
    name = p.name.lower()
    if name.endswith(".parquet"):
        frame.write_parquet(buf)
        data = buf.getvalue()
    elif name.endswith((".csv", ".csv.gz")):
        frame.write_csv(buf)
        data = gzip.compress(buf.getvalue()) if name.endswith(".gz") else buf.getvalue()
    else:
        raise ParameterError(
            f"cannot tell the format of {p.name}: name it *.parquet, *.csv or *.csv.gz"
        )
    write_atomic(p, data)
