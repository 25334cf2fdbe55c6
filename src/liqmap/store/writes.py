"""Idempotent writes of domain records into the store tables (one function per table).

Each function checks its input, builds a column batch and inserts it with
:func:`liqmap.store._db.insert_rows`; the return value is the number of rows that were not
stored before. Transactions are the caller's (:class:`liqmap.store.Store`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import duckdb
import numpy as np
from numpy.typing import NDArray

from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.errors import ParameterError
from liqmap.store._db import insert_rows

__all__ = [
    "POSITION_COLUMNS",
    "write_book_depth",
    "write_brackets",
    "write_candles",
    "write_funding",
    "write_liquidations",
    "write_open_interest",
    "write_positions",
    "write_series",
]

#: Columns of a positions snapshot (``write_positions``), with their numpy kinds.
POSITION_COLUMNS: Mapping[str, str] = {
    "address": "str",
    "coin": "str",
    "szi": "float",
    "entry_px": "float",
    "position_value": "float",
    "leverage": "float",
    "margin_type": "str",
    "liquidation_px": "float",
}


def _key(venue: str, symbol: str) -> dict[str, object]:
    if not venue or not symbol:
        raise ParameterError(
            f"venue and symbol must be non-empty (got venue={venue!r}, symbol={symbol!r})"
        )
    return {"venue": venue, "symbol": symbol}


def _same_length(what: str, cols: Mapping[str, NDArray[Any]]) -> None:
    lengths = {k: len(v) for k, v in cols.items()}
    if len(set(lengths.values())) > 1:
        raise ParameterError(f"{what}: columns differ in length: {lengths}")


def write_candles(
    con: duckdb.DuckDBPyConnection, venue: str, symbol: str, candles: Candles, *, replace: bool
) -> int:
    """Bars keyed by ``(venue, symbol, interval_ms, ts_ms)``."""
    batch = {"ts_ms": candles.ts_ms, **candles.bar_columns()}
    consts = {**_key(venue, symbol), "interval_ms": int(candles.interval_ms)}
    return insert_rows(con, "candles", batch, consts, replace=replace)


def write_open_interest(
    con: duckdb.DuckDBPyConnection, venue: str, symbol: str, oi: OpenInterest, *, replace: bool
) -> int:
    """Open interest keyed by ``(venue, symbol, kind, ts_ms)``; levels and changes apart."""
    batch = {"ts_ms": oi.ts_ms, "value_usd": oi.value_usd}
    consts = {**_key(venue, symbol), "kind": oi.kind}
    return insert_rows(con, "open_interest", batch, consts, replace=replace)


def liquidation_batch(events: LiquidationEvents) -> dict[str, NDArray[Any]]:
    """The columns of the liquidations table for a record (sides checked: +1 or -1)."""
    bad = np.flatnonzero((events.side != 1) & (events.side != -1))
    if bad.size:
        i = int(bad[0])
        raise ParameterError(
            f"liquidation event {i} has side {int(events.side[i])}; it must be +1 (a long was "
            "liquidated) or -1 (a short)"
        )
    return {
        "ts_ms": events.ts_ms,
        "side": events.side,
        "price": events.price,
        "qty": events.qty,
        "notional_usd": events.notional_usd,
    }


def write_liquidations(
    con: duckdb.DuckDBPyConnection, venue: str, symbol: str, events: LiquidationEvents
) -> int:
    """Events keyed by ``(venue, symbol, ts_ms, side, price, qty)``."""
    batch = liquidation_batch(events)
    return insert_rows(con, "liquidations", batch, _key(venue, symbol))


def write_funding(
    con: duckdb.DuckDBPyConnection,
    venue: str,
    symbol: str,
    ts_ms: NDArray[np.int64],
    rate: NDArray[np.float64],
) -> int:
    """Funding rates per settlement time, keyed by ``(venue, symbol, ts_ms)``."""
    batch = {"ts_ms": np.asarray(ts_ms, np.int64), "rate": np.asarray(rate, np.float64)}
    _same_length("funding", batch)
    return insert_rows(con, "funding", batch, _key(venue, symbol))


def write_series(
    con: duckdb.DuckDBPyConnection,
    venue: str,
    symbol: str,
    kind: str,
    ts_ms: NDArray[np.int64],
    value: NDArray[np.float64],
) -> int:
    """A named time series (``long_short_ratio``, ...) keyed by ``(venue, symbol, kind, ts_ms)``."""
    if not kind or ":" in kind:
        raise ParameterError(f"series kind must be a non-empty name without ':', got {kind!r}")
    batch = {"ts_ms": np.asarray(ts_ms, np.int64), "value": np.asarray(value, np.float64)}
    _same_length(f"series {kind}", batch)
    return insert_rows(con, "series", batch, {**_key(venue, symbol), "kind": kind})


def write_book_depth(
    con: duckdb.DuckDBPyConnection, venue: str, symbol: str, rows: Mapping[str, NDArray[Any]]
) -> int:
    """Depth bands keyed by ``(venue, symbol, ts_ms, percentage)``; columns ``ts_ms``,
    ``percentage`` (signed, % from mid), ``depth`` (base units), ``notional`` (quote)."""
    names = ("ts_ms", "percentage", "depth", "notional")
    missing = [n for n in names if n not in rows]
    if missing:
        raise ParameterError(f"book depth rows lack the column(s) {', '.join(missing)}")
    batch = {n: np.asarray(rows[n], np.int64 if n == "ts_ms" else np.float64) for n in names}
    _same_length("book depth", batch)
    return insert_rows(con, "book_depth", batch, _key(venue, symbol))


def write_brackets(
    con: duckdb.DuckDBPyConnection, venue: str, table: MarginTable, fetched_ms: int
) -> int:
    """One dated bracket table, keyed by ``(venue, symbol, fetched_ms, tier)``."""
    tiers = table.tiers
    batch: dict[str, NDArray[Any]] = {
        "tier": np.array([t.tier for t in tiers], np.int64),
        "notional_floor": np.array([t.notional_floor for t in tiers], np.float64),
        "notional_cap": np.array([t.notional_cap for t in tiers], np.float64),
        "maint_margin_ratio": np.array([t.maint_margin_ratio for t in tiers], np.float64),
        "maint_amount": np.array([t.maint_amount for t in tiers], np.float64),
        "max_leverage": np.array([t.max_leverage for t in tiers], np.float64),
    }
    consts = {
        **_key(venue, table.symbol),
        "fetched_ms": int(fetched_ms),
        "as_of": table.as_of,
        "source": table.source,
    }
    return insert_rows(con, "brackets", batch, consts)


def position_batch(rows: Mapping[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
    """Positions columns checked and typed (strings as objects, numbers as float64)."""
    missing = [c for c in POSITION_COLUMNS if c not in rows]
    if missing:
        raise ParameterError(
            f"positions lack the column(s) {', '.join(missing)}; expected "
            f"{', '.join(POSITION_COLUMNS)}"
        )
    batch: dict[str, NDArray[Any]] = {}
    for name, kind in POSITION_COLUMNS.items():
        col = np.asarray(rows[name])
        if kind == "str":
            batch[name] = np.array([str(v) for v in col], dtype=object)
        else:
            batch[name] = np.array(
                [np.nan if v is None else v for v in col.tolist()], dtype=np.float64
            )
    _same_length("positions", batch)
    return batch


def write_positions(
    con: duckdb.DuckDBPyConnection, venue: str, snapshot_ms: int, rows: Mapping[str, NDArray[Any]]
) -> int:
    """A positions snapshot keyed by ``(venue, snapshot_ms, address, coin)``."""
    if not venue:
        raise ParameterError("venue must be non-empty")
    batch = position_batch(rows)
    consts = {"venue": venue, "snapshot_ms": int(snapshot_ms)}
    return insert_rows(con, "positions", batch, consts)
