"""Small helpers shared by the venues' parse modules: numbers from wire text, ccxt's unified
funding and OHLCV lists."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from liqmap.domain.market import Candles, FloatArray
from liqmap.errors import MalformedResponseError
from liqmap.exchanges.records import FundingRates

__all__ = ["f64", "num", "opt_num", "parse_ccxt_funding", "parse_ccxt_ohlcv"]


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


def parse_ccxt_funding(
    items: Sequence[dict[str, object]], *, venue: str, source: str = ""
) -> FundingRates:
    """ccxt ``fetch_funding_rate_history`` items (``timestamp``, ``fundingRate``) -> rates."""
    ts: list[int] = []
    rate: list[float] = []
    for it in items:
        t = it.get("timestamp")
        if not isinstance(t, int | float):
            raise MalformedResponseError(f"{venue}: funding item without a timestamp: {it!r}")
        ts.append(int(t))
        rate.append(num(it.get("fundingRate"), "fundingRate", venue))
    return FundingRates(np.array(ts, dtype=np.int64), f64(rate), source)


def parse_ccxt_ohlcv(
    rows: Sequence[Sequence[object]], *, symbol: str, interval_ms: int, venue: str, source: str = ""
) -> Candles:
    """ccxt ``fetch_ohlcv`` rows ``[ts, open, high, low, close, volume]`` -> candles (no taker
    flow: the venues behind it do not publish taker-buy volume per bar)."""
    cols: list[list[float]] = [[], [], [], [], []]
    ts: list[int] = []
    for row in rows:
        if len(row) < 6 or not isinstance(row[0], int | float):
            raise MalformedResponseError(f"{venue}: OHLCV row of the wrong shape: {row!r}")
        ts.append(int(row[0]))
        for i, name in enumerate(("open", "high", "low", "close", "volume"), start=1):
            cols[i - 1].append(num(row[i], name, venue))
    n = len(ts)
    return Candles(
        symbol, interval_ms, np.array(ts, dtype=np.int64), f64(cols[0]), f64(cols[1]),
        f64(cols[2]), f64(cols[3]), f64(cols[4]), np.full(n, np.nan), source,
    )  # fmt: skip
