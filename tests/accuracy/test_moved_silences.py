"""A silence in a liquidation tape while price moved is a recorder drop (missing truth), judged
only where the bars resolve the silence."""

from __future__ import annotations

import numpy as np

from liqmap.accuracy.data import moved_silences
from liqmap.domain.market import Candles, LiquidationEvents

M = 60_000
T0 = 1_770_000_000_000 // (5 * M) * (5 * M)


def _bars(step: int, moves: dict[int, float], n: int = 60) -> Candles:
    close = np.full(n, 100.0)
    high, low = close + 0.05, close - 0.05
    for i, pct in moves.items():
        high[i] = 100.0 * (1 + pct / 100)
    ts = T0 + step * np.arange(n, dtype=np.int64)
    return Candles("BTCUSDT", step, ts, close, high, low, close, np.ones(n), np.full(n, np.nan))


def _events(ts_ms: list[int]) -> LiquidationEvents:
    n = len(ts_ms)
    t = np.array(ts_ms, dtype=np.int64)
    return LiquidationEvents(
        t, np.ones(n, np.int8), np.full(n, 100.0), np.ones(n), np.full(n, 100.0)
    )


def test_a_silence_with_a_move_is_a_drop_and_a_quiet_one_is_not() -> None:
    ev = _events([T0, T0 + 5 * M, T0 + 50 * M, T0 + 55 * M, T0 + 100 * M, T0 + 150 * M])
    moved = _bars(5 * M, {15: 1.5})  # the bar at +75 min rises 1.5%: inside the 55..100 silence
    assert moved_silences(ev, moved) == ((T0 + 55 * M, T0 + 100 * M),)
    quiet = _bars(5 * M, {15: 0.5})
    assert moved_silences(ev, quiet) == ()
    assert moved_silences(ev, _bars(60 * M, {1: 1.5})) == ()  # hourly bars cannot resolve it


def test_long_silences_are_left_to_the_outage_rule() -> None:
    ev = _events([T0, T0 + 200 * M])  # 200 min >= 3h: tape_outages finds it
    assert moved_silences(ev, _bars(5 * M, {10: 3.0}, n=60)) == ()
