"""Plausible ranges per field: one validation for every source of market data.

Files (:mod:`liqmap.io.validate`), the exchange sync into the store, the archive and the
liquidation recorder all check values against these ranges, so a value no market produces
(a price of 1e250, a volume of 1e308) is rejected where it enters instead of overflowing the
arithmetic downstream. The bounds leave many orders of magnitude of headroom on both sides of
every listed contract, and keep products and sums over millions of rows finite in float64.

=====================  ===================================  ==============================
field                  accepted                             why
=====================  ===================================  ==============================
price                  ``[1e-12, 1e9]``                     PEPE ~1e-5 .. BTC ~1e5
volume / quantity      ``[0, 1e18]`` or NaN (unknown)       base units per bar or trade
USD amounts            ``|x| <= 1e15``                      OI level / change, notional,
                                                            a bar's volume x close
=====================  ===================================  ==============================

A recorded liquidation is also checked against the recent price of its symbol
(:func:`implausible_vs_price`): an OKX BTC event at 103.94 while BTC traded at 43,421 is a
unit or symbol mix-up, not a liquidation.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from liqmap.domain.market import Candles

__all__ = [
    "MAX_AMOUNT",
    "MAX_PRICE",
    "MAX_PRICE_RATIO",
    "MAX_USD",
    "MIN_PRICE",
    "bad_candles",
    "implausible_vs_price",
]

MIN_PRICE = 1e-12
MAX_PRICE = 1e9
MAX_AMOUNT = 1e18
MAX_USD = 1e15
MAX_PRICE_RATIO = 3.0  # an event price more than 3x away from the recent price is implausible

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]


def bad_price(v: FloatArray) -> BoolArray:
    """True where a price is not finite or outside ``[MIN_PRICE, MAX_PRICE]``."""
    with np.errstate(invalid="ignore"):
        return ~(np.isfinite(v) & (v >= MIN_PRICE) & (v <= MAX_PRICE))


def bad_amount(v: FloatArray) -> BoolArray:
    """True where a volume/quantity is negative, infinite or above ``MAX_AMOUNT`` (NaN is ok)."""
    with np.errstate(invalid="ignore"):
        return (v < 0) | (v > MAX_AMOUNT) | np.isinf(v)


def bad_usd(v: FloatArray) -> BoolArray:
    """True where a USD amount is not finite or larger than ``MAX_USD`` in magnitude."""
    with np.errstate(invalid="ignore"):
        return ~(np.isfinite(v) & (np.abs(v) <= MAX_USD))


def bad_candles(c: Candles) -> tuple[BoolArray, str]:
    """Rows of ``c`` that no market produces, and the first reason (empty when all are fine):
    a price outside its range, ``high < low``, open/close outside ``[low, high]``, a volume
    outside its range, taker-buy volume above volume."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _bad_candles(c)


def _bad_candles(c: Candles) -> tuple[BoolArray, str]:
    checks: list[tuple[BoolArray, str]] = [
        (bad_price(c.open) | bad_price(c.high) | bad_price(c.low) | bad_price(c.close),
         f"a price outside [{MIN_PRICE:g}, {MAX_PRICE:g}] (or <= 0)"),
        (c.high < c.low, "high below low"),
        ((c.open < c.low) | (c.open > c.high) | (c.close < c.low) | (c.close > c.high),
         "open or close outside [low, high]"),
        (bad_amount(c.volume) | bad_amount(c.taker_buy_volume),
         f"a volume outside [0, {MAX_AMOUNT:g}]"),
        (c.taker_buy_volume > c.volume * (1 + 1e-9) + 1e-12, "taker-buy volume above volume"),
        (c.volume * c.close > MAX_USD, f"a bar's USD volume (volume x close) above {MAX_USD:g}"),
    ]  # fmt: skip
    bad = np.zeros(len(c), dtype=np.bool_)
    reason = ""
    for mask, why in checks:
        if mask.any() and not reason:
            reason = why
        bad |= mask
    return bad, reason


def implausible_vs_price(price: float, reference: float | None) -> bool:
    """True when an event at ``price`` is more than :data:`MAX_PRICE_RATIO` times away from the
    symbol's recent ``reference`` price (or out of range); unknown reference -> range only."""
    if not (np.isfinite(price) and MIN_PRICE <= price <= MAX_PRICE):
        return True
    if reference is None or not (np.isfinite(reference) and reference > 0):
        return False
    ratio = price / reference
    return bool(ratio > MAX_PRICE_RATIO or ratio < 1.0 / MAX_PRICE_RATIO)
