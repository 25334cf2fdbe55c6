"""Accuracy of liquidation maps against real liquidations: metrics, baselines, walk-forward
backtest, reports (``docs/accuracy.md``).

    from liqmap.accuracy import backtest
    result = backtest(candles, events, table=table, start_ms=..., end_ms=...)
    print(result.summary()); result.plot("backtest.png"); result.to_dict()
"""

from liqmap.accuracy.backtest import MapSnapshot, WalkForward, backtest, evaluation_times
from liqmap.accuracy.metrics import (
    calibration_buckets,
    log_corr,
    partial_corr,
    spearman_visited,
    top_share,
)
from liqmap.accuracy.result import BacktestConfig, BacktestResult, Points, Score

__all__ = [
    "BacktestConfig",
    "BacktestResult",
    "MapSnapshot",
    "Points",
    "Score",
    "WalkForward",
    "backtest",
    "calibration_buckets",
    "evaluation_times",
    "log_corr",
    "partial_corr",
    "spearman_visited",
    "top_share",
]
