"""Market records are immutable without copying what is already immutable: a window of a record
shares its frozen columns; anything a caller could still write is copied."""

from __future__ import annotations

import numpy as np
import pytest

from liqmap.domain.market import Candles


def _bars(n: int = 100) -> dict[str, np.ndarray]:
    ts = 1_700_000_000_000 + 60_000 * np.arange(n, dtype=np.int64)
    close = 100.0 + np.arange(n, dtype=np.float64)
    return {
        "ts_ms": ts, "open": close.copy(), "high": close + 1.0, "low": close - 1.0,
        "close": close, "volume": np.full(n, 2.0), "taker_buy_volume": np.full(n, 1.0),
    }  # fmt: skip


def test_a_window_shares_the_frozen_columns() -> None:
    c = Candles(symbol="BTCUSDT", interval_ms=60_000, **_bars())
    w = c.between(int(c.ts_ms[10]), int(c.ts_ms[50]))
    assert len(w) == 40 and np.shares_memory(w.close, c.close)
    assert np.shares_memory(w.ts_ms, c.ts_ms)
    with pytest.raises(ValueError):
        w.close[0] = 0.0  # still read-only


def test_what_a_caller_can_write_is_copied() -> None:
    cols = _bars()
    c = Candles(symbol="BTCUSDT", interval_ms=60_000, **cols)
    cols["close"][0] = -1.0  # the caller's array changes afterwards
    assert c.close[0] == 100.0 and not np.shares_memory(c.close, cols["close"])
    frozen_view = cols["high"][:]  # read-only view of a writeable array: the base can change
    frozen_view.setflags(write=False)
    d = Candles(symbol="BTCUSDT", interval_ms=60_000, **{**cols, "high": frozen_view})
    assert not np.shares_memory(d.high, cols["high"])
    as_int = np.arange(100, dtype=np.int64)
    as_int.setflags(write=False)
    e = Candles(symbol="BTCUSDT", interval_ms=60_000, **{**cols, "volume": as_int})
    assert e.volume.dtype == np.float64  # another dtype: converted
