"""Reads from the store tables into domain records (empty records when nothing is stored).

Time ranges are half-open ``[start_ms, end_ms)``; ``None`` leaves a side open. Rows come back
sorted by time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
from numpy.typing import NDArray

from liqmap.domain.margin import MarginTable, MarginTier
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.store._db import fetch_arrays, scalar
from liqmap.store.segments import segment_files
from liqmap.store.writes import POSITION_COLUMNS

__all__ = [
    "latest_brackets",
    "read_book_depth",
    "read_candles",
    "read_funding",
    "read_liquidations",
    "read_open_interest",
    "read_positions",
    "read_series",
]


def time_filter(
    start_ms: int | None, end_ms: int | None, col: str = "ts_ms"
) -> tuple[str, list[object]]:
    """SQL condition (leading `` AND``) and parameters for ``start_ms <= col < end_ms``."""
    sql, params = "", list[object]()
    if start_ms is not None:
        sql += f" AND {col} >= ?"
        params.append(int(start_ms))
    if end_ms is not None:
        sql += f" AND {col} < ?"
        params.append(int(end_ms))
    return sql, params


def read_candles(
    con: duckdb.DuckDBPyConnection,
    venue: str,
    symbol: str,
    interval_ms: int,
    start_ms: int | None,
    end_ms: int | None,
) -> Candles:
    """Bars of one interval (an empty :class:`Candles` when none are stored)."""
    cond, params = time_filter(start_ms, end_ms)
    cols = fetch_arrays(
        con,
        "SELECT ts_ms, open, high, low, close, volume, taker_buy_volume FROM candles "
        f"WHERE venue = ? AND symbol = ? AND interval_ms = ?{cond} ORDER BY ts_ms",
        [venue, symbol, int(interval_ms), *params],
    )
    return Candles(symbol, int(interval_ms), **cols, source=f"store:{venue}")


def read_open_interest(
    con: duckdb.DuckDBPyConnection,
    venue: str,
    symbol: str,
    start_ms: int | None,
    end_ms: int | None,
    kind: Literal["level", "change"] | None,
) -> OpenInterest | None:
    """Open interest of one kind; with ``kind=None`` levels when any are stored in the range,
    else changes; ``None`` when there is neither."""
    cond, params = time_filter(start_ms, end_ms)
    kinds: tuple[Literal["level", "change"], ...] = (kind,) if kind else ("level", "change")
    for k in kinds:
        cols = fetch_arrays(
            con,
            "SELECT ts_ms, value_usd FROM open_interest "
            f"WHERE venue = ? AND symbol = ? AND kind = ?{cond} ORDER BY ts_ms",
            [venue, symbol, k, *params],
        )
        if len(cols["ts_ms"]):
            return OpenInterest(cols["ts_ms"], cols["value_usd"], kind=k, source=f"store:{venue}")
    return None


def _segment_sql(files: list[Path]) -> tuple[str, list[object]]:
    if not files:
        return "", []
    sql = (
        " UNION ALL SELECT ts_ms, side, price, qty, notional_usd "
        "FROM read_parquet(?, union_by_name = true) WHERE true"
    )
    return sql, [[str(f) for f in files]]


def read_liquidations(
    con: duckdb.DuckDBPyConnection,
    home: Path,
    venue: str,
    symbol: str,
    start_ms: int | None,
    end_ms: int | None,
) -> LiquidationEvents:
    """Events from the table and the recorder's segments, de-duplicated on the table key."""
    cond, tparams = time_filter(start_ms, end_ms)
    seg_sql, seg_params = _segment_sql(
        segment_files(home, "liquidations", venue, symbol, end_ms=end_ms)
    )
    params: list[object] = [venue, symbol, *tparams]
    if seg_sql:
        seg_sql += cond
        params += [*seg_params, *tparams]
    cols = fetch_arrays(
        con,
        "SELECT ts_ms, side, price, qty, min(notional_usd) AS notional_usd FROM ("
        "SELECT ts_ms, side, price, qty, notional_usd FROM liquidations "
        f"WHERE venue = ? AND symbol = ?{cond}{seg_sql}) "
        "GROUP BY ts_ms, side, price, qty ORDER BY ts_ms, side, price, qty",
        params,
    )
    return LiquidationEvents(
        cols["ts_ms"],
        cols["side"],
        cols["price"],
        cols["qty"],
        cols["notional_usd"],
        source=f"store:{venue}",
    )


def _times_values(
    con: duckdb.DuckDBPyConnection,
    table: str,
    value: str,
    keys: dict[str, object],
    start_ms: int | None,
    end_ms: int | None,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """``ts_ms`` and ``value`` of the ``table`` rows whose ``keys`` columns hold the given
    values, in the time range, by time."""
    cond, params = time_filter(start_ms, end_ms)
    where = " AND ".join(f"{k} = ?" for k in keys)
    cols = fetch_arrays(
        con,
        f"SELECT ts_ms, {value} FROM {table} WHERE {where}{cond} ORDER BY ts_ms",
        [*keys.values(), *params],
    )
    return cols["ts_ms"].astype(np.int64), cols[value].astype(np.float64)


def read_funding(
    con: duckdb.DuckDBPyConnection,
    venue: str,
    symbol: str,
    start_ms: int | None,
    end_ms: int | None,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Funding settlement times and rates."""
    keys: dict[str, object] = {"venue": venue, "symbol": symbol}
    return _times_values(con, "funding", "rate", keys, start_ms, end_ms)


def read_series(
    con: duckdb.DuckDBPyConnection,
    venue: str,
    symbol: str,
    kind: str,
    start_ms: int | None,
    end_ms: int | None,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """A named series' times and values."""
    keys: dict[str, object] = {"venue": venue, "symbol": symbol, "kind": kind}
    return _times_values(con, "series", "value", keys, start_ms, end_ms)


def read_book_depth(
    con: duckdb.DuckDBPyConnection,
    venue: str,
    symbol: str,
    start_ms: int | None,
    end_ms: int | None,
) -> dict[str, NDArray[Any]]:
    """Depth bands: ``ts_ms, percentage, depth, notional``, by time then percentage."""
    cond, params = time_filter(start_ms, end_ms)
    return fetch_arrays(
        con,
        "SELECT ts_ms, percentage, depth, notional FROM book_depth "
        f"WHERE venue = ? AND symbol = ?{cond} ORDER BY ts_ms, percentage",
        [venue, symbol, *params],
    )


def latest_brackets(con: duckdb.DuckDBPyConnection, venue: str, symbol: str) -> MarginTable | None:
    """The most recently fetched bracket table of a symbol, or None."""
    rows = con.execute(
        "SELECT tier, notional_floor, notional_cap, maint_margin_ratio, maint_amount, "
        "max_leverage, as_of, source FROM brackets WHERE venue = ? AND symbol = ? AND "
        "fetched_ms = (SELECT max(fetched_ms) FROM brackets WHERE venue = ? AND symbol = ?) "
        "ORDER BY notional_floor",
        [venue, symbol, venue, symbol],
    ).fetchall()
    if not rows:
        return None
    tiers = tuple(MarginTier(int(r[0]), *(float(x) for x in r[1:6])) for r in rows)
    return MarginTable(symbol, venue, tiers, as_of=str(rows[0][6]), source=str(rows[0][7]))


def bracket_index(
    con: duckdb.DuckDBPyConnection, venue: str | None = None
) -> list[tuple[str, str, int, int, str]]:
    """``(venue, symbol, latest fetched_ms, tiers, source)`` of every cached bracket table."""
    where, params = (" WHERE b.venue = ?", [venue]) if venue else ("", [])
    rows = con.execute(
        "SELECT b.venue, b.symbol, b.fetched_ms, count(*), any_value(b.source) FROM brackets b "
        "JOIN (SELECT venue, symbol, max(fetched_ms) AS f FROM brackets GROUP BY venue, symbol) m "
        f"ON b.venue = m.venue AND b.symbol = m.symbol AND b.fetched_ms = m.f{where} "
        "GROUP BY b.venue, b.symbol, b.fetched_ms ORDER BY b.venue, b.symbol",
        params,
    ).fetchall()
    return [(str(r[0]), str(r[1]), int(r[2]), int(r[3]), str(r[4])) for r in rows]


def last_candle_ms(
    con: duckdb.DuckDBPyConnection, venue: str, symbol: str, interval_ms: int
) -> int | None:
    """Open time of the last stored bar (epoch ms), or None."""
    rows = con.execute(
        "SELECT max(ts_ms) FROM candles WHERE venue = ? AND symbol = ? AND interval_ms = ?",
        [venue, symbol, interval_ms],
    ).fetchall()
    return None if rows[0][0] is None else int(rows[0][0])


def latest_brackets_fetch_ms(con: duckdb.DuckDBPyConnection, venue: str, symbol: str) -> int | None:
    """When the latest bracket table of a symbol was fetched (epoch ms), or None."""
    rows = con.execute(
        "SELECT max(fetched_ms) FROM brackets WHERE venue = ? AND symbol = ?", [venue, symbol]
    ).fetchall()
    return None if rows[0][0] is None else int(rows[0][0])


def read_positions(
    con: duckdb.DuckDBPyConnection, venue: str, coin: str | None, snapshot_ms: int | None
) -> dict[str, NDArray[Any]]:
    """One positions snapshot (the latest when ``snapshot_ms`` is None), optionally one coin.

    Columns: ``snapshot_ms`` and :data:`~liqmap.store.writes.POSITION_COLUMNS`; empty arrays
    when nothing is stored.
    """
    coin_sql, coin_params = (" AND coin = ?", [coin]) if coin else ("", [])
    if snapshot_ms is None:
        sql = f"SELECT max(snapshot_ms) FROM positions WHERE venue = ?{coin_sql}"
        snapshot_ms = scalar(con.execute(sql, [venue, *coin_params]))
    names = ", ".join(POSITION_COLUMNS)
    out = fetch_arrays(
        con,
        f"SELECT snapshot_ms, {names} FROM positions WHERE venue = ? AND snapshot_ms = ?"
        f"{coin_sql} ORDER BY coin, address",
        [venue, -1 if snapshot_ms is None else snapshot_ms, *coin_params],
    )
    for name, kind in POSITION_COLUMNS.items():
        if kind == "str":
            out[name] = out[name].astype(object)
    return out
