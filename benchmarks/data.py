"""Real price paths for the benchmarks, and longer synthetic 1m paths built from real 5m bars."""

from __future__ import annotations

import numpy as np

from benchmarks._harness import require_shared
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles
from liqmap.io.brackets import load_brackets
from liqmap.io.files import load_candles

MINUTE = 60_000


def btc_1m_30d() -> Candles:
    """30 days of real Binance USD-M BTCUSDT 1m bars (43,198 rows)."""
    return load_candles(
        require_shared() / "bars" / "binance-um-1m-BTCUSDT-2025-05-25_2025-06-24.csv.gz"
    )


def btc_table() -> MarginTable:
    """The Binance BTCUSDT brackets from ../shared/data."""
    path = require_shared() / "brackets" / "binance-um-leverage-brackets-BTCUSDT-ETHUSDT.json"
    return load_brackets(path, symbol="BTCUSDT")


def btc_1m_from_5m(n_minutes: int = 525_600, seed: int = 0) -> Candles:
    """``n_minutes`` of 1m bars made from real 5m BTCUSDT bars (2023-11..2024-12).

    Each 5m bar becomes five 1m bars whose path goes open -> (high, low in random order) -> close,
    so the 1m highs and lows reach exactly the 5m high and low; volume is split evenly.
    """
    src = load_candles(
        require_shared() / "bars" / "binance-um-5m-BTCUSDT-2023-11-01_2024-12-30.csv.gz"
    )
    k = min(len(src), -(-n_minutes // 5))
    rng = np.random.default_rng(seed)
    o, h, lo, c = src.open[:k], src.high[:k], src.low[:k], src.close[:k]
    hi_first = rng.uniform(size=k) < 0.5
    a = np.where(hi_first, h, lo)
    b = np.where(hi_first, lo, h)
    # six path points per 5m bar: o, mid(o,a), a, b, mid(b,c), c -> five 1m bars
    pts = np.stack([o, (o + a) / 2, a, b, (b + c) / 2, c], axis=1)
    op = pts[:, :5].ravel()
    cl = pts[:, 1:].ravel()
    hi = np.maximum(op, cl)
    low = np.minimum(op, cl)
    vol = np.repeat(src.volume[:k] / 5, 5)
    ts = src.ts_ms[0] + MINUTE * np.arange(5 * k)
    n = min(n_minutes, 5 * k)
    nan = np.full(n, np.nan)
    return Candles("BTCUSDT", MINUTE, ts[:n], op[:n], hi[:n], low[:n], cl[:n], vol[:n], nan)
