"""Issue 5 target: a 10-day walk-forward on 1m bars with hourly evaluations (240 maps) < 20 s,
and how the cost scales with the period, the evaluation frequency and the window.

Bars: real Binance USD-M BTCUSDT 1m klines (2025-05-25..06-24, with volume). No liquidation tape
overlaps them, so the truth is synthetic but tape-like: one event in every bar whose close is
more than 0.05% from its open (a long at the low of a falling bar, a short at the high of a
rising one), sized by the bar's volume: about one event every 5 minutes (the real development
tape has ~1.3 per minute; the cost hardly depends on the number of events).
Run: ``python -m benchmarks.bench_backtest`` (or ``make bench``).
"""

from __future__ import annotations

import numpy as np

from benchmarks._harness import Result, measure
from benchmarks.data import btc_1m_30d, btc_table
from liqmap.accuracy import BacktestConfig, backtest
from liqmap.domain.market import Candles, LiquidationEvents

HOUR = 3_600_000
DAY = 24 * HOUR
HORIZONS = (HOUR, 4 * HOUR, DAY)
TARGET_S = 20.0  # 240 maps


def synthetic_tape(bars: Candles) -> LiquidationEvents:
    """Tape-like events derived from the bars (see the module docstring)."""
    move = bars.close / bars.open - 1.0
    pick = np.abs(move) > 0.0005
    falling = move[pick] < 0
    price = np.where(falling, bars.low[pick], bars.high[pick])
    qty = np.nan_to_num(bars.volume[pick]) * 0.01 + 0.001
    return LiquidationEvents(
        ts_ms=bars.ts_ms[pick] + 30_000,
        side=np.where(falling, 1, -1).astype(np.int8),
        price=price,
        qty=qty,
        notional_usd=price * qty,
    )


def _case(bars: Candles, events: LiquidationEvents, days: int, every_ms: int, window_ms: int):  # type: ignore[no-untyped-def]
    table = btc_table()
    start = int(bars.ts_ms[0]) + 7 * DAY
    cfg = BacktestConfig(window_ms=window_ms, every_ms=every_ms, horizons_ms=HORIZONS)

    def run() -> object:
        return backtest(
            bars, events, table=table, config=cfg, start_ms=start,
            end_ms=start + days * DAY - every_ms,
        )  # fmt: skip

    return run


def run() -> list[Result]:
    bars = btc_1m_30d()
    events = synthetic_tape(bars)
    cases = [
        ("10 days, hourly, 24h window (240 maps)", 10, HOUR, DAY, 3),
        ("20 days, hourly, 24h window (480 maps)", 20, HOUR, DAY, 3),
        ("10 days, every 15m, 24h window (960 maps)", 10, HOUR // 4, DAY, 3),
        ("10 days, hourly, 7d window (240 maps)", 10, HOUR, 7 * DAY, 3),
    ]
    out = []
    for name, days, every, window, repeat in cases:
        maps = days * DAY // every
        fn = _case(bars, events, days, every, window)
        out.append(
            Result(
                f"backtest: {name}, 3 horizons",
                measure(fn, repeat=repeat),
                TARGET_S * maps / 240,
                f"{len(events):,} events in 30 days",
            )
        )
    return out + run_intervals()


def run_intervals() -> list[Result]:
    """Issue 17: the interval backtest (maps + scoring) and its day-block bootstrap, on 10 days of
    real 1m bars with hourly maps (240 maps x 3 horizons); the truth is the synthetic tape
    summed per hour. Target: ``make accuracy`` stays a few minutes, so one window's walk < 20 s
    and 500 bootstrap resamples < 30 s."""
    from liqmap.accuracy.interval_result import IntervalConfig
    from liqmap.accuracy.intervals import IntervalWalk
    from liqmap.accuracy.truth import aggregate_events

    bars = btc_1m_30d()
    events = synthetic_tape(bars)
    start = int(bars.ts_ms[0]) + 7 * DAY
    truth = aggregate_events(events, HOUR, int(bars.ts_ms[0]), int(bars.ts_ms[-1]))
    walk = IntervalWalk(bars, truth, table=btc_table(), config=IntervalConfig())
    res = walk.run(start, start + 10 * DAY - HOUR)
    return [
        Result("interval backtest: 10 days hourly, 24h window, 3 horizons (240 maps)",
               measure(lambda: walk.run(start, start + 10 * DAY - HOUR), repeat=3), 20.0,
               f"{len(res.rows)} scored intervals"),
        Result("interval backtest: scores + 500 day-block bootstrap resamples",
               measure(lambda: res.evaluate(n_boot=500), repeat=3, warmup=0), 30.0,
               f"{len(res.rows)} intervals, 10 days"),
    ]  # fmt: skip


if __name__ == "__main__":
    for r in run():
        print(f"{r.name}: {r.median_s:.2f} s (target {r.target_s:.0f} s) {r.detail}")
