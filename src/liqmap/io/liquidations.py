"""Liquidation tapes -> :class:`LiquidationEvents`.

Layout: ``ts_ms,time_utc,liquidated_side,order_side,price,qty,notional_usd`` (``time_utc`` is
ignored; ``notional_usd`` is optional and then ``price * qty``). ``liquidated_side`` is the side
of the position that was closed (``long``/``short``); ``order_side`` the side of the forced
order, which closes it (``SELL`` closes a long, ``BUY`` a short).

Unlike bar files, a tape may hold rows that cannot be used without the file being corrupt: those
are excluded and counted by reason (each row counted once, under the first reason that applies):

``unknown_side``
    ``liquidated_side`` not long/short, or ``order_side`` not buy/sell.
``side_mismatch``
    the order side does not close the liquidated side (long with BUY, short with SELL).
``bad_price`` / ``bad_qty`` / ``bad_notional``
    NaN, infinite or <= 0.
``duplicate``
    identical (time, side, price, qty, notional) to an earlier row: a re-sent message.

Several liquidations may share a millisecond; only identical rows are duplicates. Unsorted times
and unparseable values are errors (naming the row), as for every file.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from numpy.typing import NDArray

from liqmap.domain.market import LiquidationEvents
from liqmap.domain.plausible import MAX_AMOUNT, MAX_PRICE, MAX_USD, MIN_PRICE
from liqmap.errors import EmptyWindowError
from liqmap.io.report import LoadReport
from liqmap.io.table import Table
from liqmap.io.validate import check_order

__all__ = ["EXCLUSION_REASONS", "liquidations_from_table"]

EXCLUSION_REASONS = (
    "unknown_side",
    "side_mismatch",
    "bad_price",
    "bad_qty",
    "bad_notional",
    "duplicate",
)

_SIDE = {"long": 1, "short": -1}
_ORDER = {"sell": 1, "buy": -1}  # the position side each order side closes


def _signs(text: pl.Series, mapping: dict[str, int]) -> NDArray[np.int8]:
    """+1 / -1 by mapping, 0 for anything else (including empty)."""
    signs = text.replace_strict(mapping, default=0, return_dtype=pl.Int8)
    return signs.fill_null(0).to_numpy().astype(np.int8, copy=False)


def _bad(v: NDArray[np.float64], hi: float) -> NDArray[np.bool_]:
    """Not finite, not > 0, or above the plausible ``hi`` (:mod:`liqmap.domain.plausible`)."""
    with np.errstate(invalid="ignore", over="ignore"):
        return ~(np.isfinite(v) & (v > 0) & (v <= hi))


def _first_reasons(
    n: int, reasons: dict[str, NDArray[np.bool_]]
) -> tuple[NDArray[np.bool_], dict[str, int]]:
    """Rows kept, and per reason the rows it excludes first (each row counted once, in order)."""
    keep = np.ones(n, dtype=np.bool_)
    excluded: dict[str, int] = {}
    for reason, mask in reasons.items():
        hit = keep & mask
        if hit.any():
            excluded[reason] = int(hit.sum())
            keep &= ~hit
    return keep, excluded


def liquidations_from_table(table: Table) -> tuple[LiquidationEvents, LoadReport]:
    """Parse, check and filter a liquidation tape."""
    src = table.source
    ts, converted = table.times()
    check_order(ts, table.rows, src, table.col("ts"))
    price, qty = table.floats("price"), table.floats("qty")
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is a bad_notional row
        notional = table.floats("notional_usd") if table.has("notional_usd") else price * qty
    side = _signs(table.lower("liquidated_side"), _SIDE)
    closes = _signs(table.lower("order_side"), _ORDER)
    reasons = {
        "unknown_side": (side == 0) | (closes == 0),
        "side_mismatch": side != closes,
        "bad_price": _bad(price, MAX_PRICE) | (price < MIN_PRICE),
        "bad_qty": _bad(qty, MAX_AMOUNT),
        "bad_notional": _bad(notional, MAX_USD),
    }
    keep, excluded = _first_reasons(len(ts), reasons)
    dup = _duplicates(ts, side, price, qty, notional) & keep
    keep &= ~dup
    n_dup = int(dup.sum())
    if not keep.any():
        counts = ", ".join(f"{k}={v}" for k, v in {**excluded, "duplicate": n_dup}.items() if v)
        raise EmptyWindowError(
            f"{src.label}: no usable liquidation rows: all {len(ts)} rows were excluded "
            f"({counts}); see liqmap.io.liquidations for the reasons"
        )
    events = LiquidationEvents(
        ts_ms=ts[keep],
        side=side[keep],
        price=price[keep],
        qty=qty[keep],
        notional_usd=notional[keep],
        source=src.label,
        excluded={**excluded, **({"duplicate": n_dup} if n_dup else {})},
    )
    if table.other_symbol:
        excluded["other_symbol"] = table.other_symbol
    notes = []
    if not table.has("notional_usd"):
        notes.append("no notional_usd column: notional computed as price * qty")
    if converted:
        notes.append(f"{converted} times were in microseconds; converted to milliseconds")
    report = LoadReport(
        path=src.label,
        layout=table.layout,
        symbol=table.symbol,
        rows_read=table.rows_read,
        rows_used=len(events),
        duplicates_dropped=n_dup,
        excluded=excluded,
        records=len(events),
        notes=tuple(notes),
    )
    return events, report


def _duplicates(
    ts: NDArray[np.int64],
    side: NDArray[np.int8],
    price: NDArray[np.float64],
    qty: NDArray[np.float64],
    notional: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """True for every row identical to an earlier one (in all five fields)."""
    frame = pl.DataFrame({"ts": ts, "side": side, "price": price, "qty": qty, "n": notional})
    first_seen = frame.select(pl.struct(pl.all()).is_first_distinct()).to_series()
    return np.asarray(~first_seen.to_numpy(), dtype=np.bool_)
