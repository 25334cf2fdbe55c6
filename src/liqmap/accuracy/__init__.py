"""Accuracy of liquidation maps against real liquidations: metrics, baselines, walk-forward
backtest, reports (``docs/accuracy.md``).

    from liqmap.accuracy import backtest
    result = backtest(candles, events, table=table, start_ms=..., end_ms=...)
    print(result.summary()); result.plot("backtest.png"); result.to_dict()

Per interval, against aggregated truth ("USD that would be liquidated if price went there")::

    from liqmap.accuracy import IntervalWalk, read_interval_truth
    walk = IntervalWalk(candles, read_interval_truth("coinglass.csv"), table=table, oi=oi)
    scores = walk.run(start_ms, end_ms).evaluate(n_boot=1000)
"""

from liqmap.accuracy.backtest import MapSnapshot, WalkForward, backtest, evaluation_times
from liqmap.accuracy.interval_result import IntervalConfig, IntervalResult, evaluate_pooled
from liqmap.accuracy.intervals import IntervalWalk
from liqmap.accuracy.metrics import (
    calibration_buckets,
    log_corr,
    partial_corr,
    spearman_visited,
    top_share,
)
from liqmap.accuracy.result import BacktestConfig, BacktestResult, Points, Score
from liqmap.accuracy.truth import IntervalTruth, aggregate_events, read_interval_truth

__all__ = [
    "BacktestConfig",
    "BacktestResult",
    "IntervalConfig",
    "IntervalResult",
    "IntervalTruth",
    "IntervalWalk",
    "MapSnapshot",
    "Points",
    "Score",
    "WalkForward",
    "aggregate_events",
    "backtest",
    "calibration_buckets",
    "evaluate_pooled",
    "evaluation_times",
    "log_corr",
    "partial_corr",
    "read_interval_truth",
    "spearman_visited",
    "top_share",
]
