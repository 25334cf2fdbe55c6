"""Small helpers shared by the venues' parse modules: numbers from wire text, funding pairs and
candle rows (each venue's client extracts them from its own wire structs)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from liqmap.domain.market import Candles, FloatArray
from liqmap.errors import MalformedResponseError
from liqmap.exchanges.records import FundingRates

__all__ = ["f64", "num", "opt_num", "parse_funding", "parse_ohlcv"]


def f64(values: object) -> FloatArray:
    """A float64 array of ``values``."""
    return np.asarray(values, dtype=np.float64)


def num(text: object, what: str, venue: str) -> float:
    """A finite float from the venue's decimal text (or number); anything else is malformed."""
    try:
        x = float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise MalformedResponseError(f"{venue}: {what} is not a number: {text!r}") from None
    if not math.isfinite(x):
        raise MalformedResponseError(f"{venue}: {what} is not finite: {text!r}")
    return x


def opt_num(text: object, what: str, venue: str) -> float | None:
    """Like :func:`num`, but ``None``/``''`` stay ``None``."""
    return None if text is None or text == "" else num(text, what, venue)


def parse_funding(
    pairs: Sequence[tuple[object, object]], *, venue: str, source: str = ""
) -> FundingRates:
    """``(settlement time ms, rate)`` pairs in any order -> rates sorted by time (duplicates
    dropped); a time or rate that is not a number is malformed."""
    ts = np.array([int(num(t, "funding time", venue)) for t, _ in pairs], dtype=np.int64)
    rate = f64([num(r, "fundingRate", venue) for _, r in pairs])
    ts, first = np.unique(ts, return_index=True)
    return FundingRates(ts, rate[first], source)


def parse_ohlcv(
    rows: Sequence[Sequence[object]], *, symbol: str, interval_ms: int, venue: str, source: str = ""
) -> Candles:
    """``[open time ms, open, high, low, close, volume, ...]`` rows in any order -> candles sorted
    by time, duplicates dropped (no taker flow: Bybit and OKX publish no taker-buy volume per
    bar)."""
    for row in rows:
        if len(row) < 6:
            raise MalformedResponseError(f"{venue}: candle row of the wrong shape: {row!r}")
    ts = np.array([int(num(r[0], "candle time", venue)) for r in rows], dtype=np.int64)
    cols = [
        f64([num(r[i], name, venue) for r in rows])
        for i, name in enumerate(("open", "high", "low", "close", "volume"), start=1)
    ]
    ts, first = np.unique(ts, return_index=True)
    o, h, lo, c, v = (x[first] for x in cols)
    return Candles(
        symbol, interval_ms, ts, o, h, lo, c, v, np.full(len(ts), np.nan), source,
    )  # fmt: skip
