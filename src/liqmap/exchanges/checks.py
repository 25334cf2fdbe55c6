"""What the exchange sync stores is checked like a file: one validation for every source.

A faulty server's candles (price <= 0, high < low, 1e250 closes), open interest and liquidation
events outside :mod:`liqmap.domain.plausible` ranges are left out of the store, counted and
named in the sync report, exactly as the file loaders reject the same rows.
"""

from __future__ import annotations

from typing import Any

from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.domain.plausible import bad_amount, bad_candles, bad_price, bad_usd
from liqmap.exchanges.records import Record

__all__ = ["plausible_rows"]


def plausible_rows(rec: Record) -> tuple[Record, int, str]:
    """``rec`` without the rows no market produces (the file loaders' checks,
    :mod:`liqmap.domain.plausible`), how many were left out, and the first reason."""
    if isinstance(rec, Candles):
        bad, why = bad_candles(rec)
    elif isinstance(rec, OpenInterest):
        bad = bad_usd(rec.value_usd) | ((rec.value_usd < 0) & (rec.kind == "level"))
        why = "an open interest that is negative or not a plausible USD amount"
    elif isinstance(rec, LiquidationEvents):
        bad = bad_price(rec.price) | bad_usd(rec.notional_usd) | bad_amount(rec.qty)
        why = "a liquidation price, size or notional outside its plausible range"
    else:
        return rec, 0, ""
    n = int(bad.sum())
    if n == 0:
        return rec, 0, ""
    return _keep(rec, ~bad), n, why


def _keep(rec: Candles | OpenInterest | LiquidationEvents, keep: Any) -> Record:
    if isinstance(rec, Candles):
        return Candles(
            rec.symbol, rec.interval_ms, rec.ts_ms[keep], rec.open[keep], rec.high[keep],
            rec.low[keep], rec.close[keep], rec.volume[keep], rec.taker_buy_volume[keep],
            source=rec.source,
        )  # fmt: skip
    if isinstance(rec, OpenInterest):
        return OpenInterest(rec.ts_ms[keep], rec.value_usd[keep], kind=rec.kind, source=rec.source)
    return LiquidationEvents(
        ts_ms=rec.ts_ms[keep],
        side=rec.side[keep],
        price=rec.price[keep],
        qty=rec.qty[keep],
        notional_usd=rec.notional_usd[keep],
        source=rec.source,
        excluded=rec.excluded,
    )
