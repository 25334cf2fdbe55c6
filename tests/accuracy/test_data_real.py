"""The real-data harness on a slice of ../shared/data (shared_data fixture: skips without it)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from liqmap.accuracy import BacktestConfig
from liqmap.accuracy.data import tape_outages, throttle_stats
from liqmap.accuracy.result import METHODS, SIDES
from liqmap.domain.market import LiquidationEvents
from liqmap.testing.datasets import load_dev_1m, load_eval
from liqmap.timeutil import parse_time_ms

HOUR = 3_600_000


@pytest.mark.shared_data
def test_backtest_on_a_slice_of_the_dev_window(shared_data: Path) -> None:
    ds = load_dev_1m(shared_data)
    # bars (01-27 10:34 .. 01-29 00:15 continuous), minute flow (01-27) and the tape all present
    sl = ds.slice(parse_time_ms("2026-01-27T12:00"), parse_time_ms("2026-01-29T00:00"))
    r = sl.run(BacktestConfig(every_ms=2 * HOUR, horizons_ms=(HOUR, 4 * HOUR)))
    assert r.symbol == "BTCUSDT" and r.times == 19
    assert r.times == len(r.maps) + sum(r.skipped.values())
    for counts in r.skipped_by_horizon.values():
        assert sum(counts.values()) == len(r.maps)
    assert r.skipped_by_horizon[HOUR]["scored"] > 5
    p = r.points
    assert len(p) == 3 * 3 * sum(c.get("scored", 0) for c in r.skipped_by_horizon.values())
    rho, top = p.spearman[np.isfinite(p.spearman)], p.top_share[np.isfinite(p.top_share)]
    assert rho.size and np.all((rho >= -1) & (rho <= 1))
    assert top.size and np.all((top >= 0) & (top <= 1))
    assert np.all(p.pred_usd >= 0) and np.all(p.actual_in_region_usd <= p.actual_usd * (1 + 1e-9))
    for h in r.config.horizons_ms:
        for side in SIDES:
            for m in METHODS:
                s = r.score(h, side, m)
                for v in (s.spearman_mean, s.log_corr, s.partial_corr):
                    assert math.isnan(v) or -1 <= v <= 1
    # the defects were found and counted
    f = ds.facts
    assert f["events_read"] == 28_063
    assert f["events_used"] + sum(f["events_excluded"].values()) == f["events_read"]
    assert f["events_excluded"].get("price_outlier", 0) > 0
    assert f["outages"] >= 2 and f["outage_hours"] > 150  # 01-31..02-02 and 02-08..02-09
    assert 0.5 < f["bar_coverage"] < 0.65  # the recorder covers 58% of BTC minutes
    assert 0 < f["events_in_bursts"] < 1


@pytest.mark.shared_data
def test_sol_brackets_are_a_named_approximation(shared_data: Path) -> None:
    ds = load_eval(shared_data, "SOL")
    assert ds.table.symbol == "SOLUSDT" and ds.table.source.startswith("APPROXIMATION")
    assert any("approximated" in n for n in ds.notes)


def _events(ts: list[int]) -> LiquidationEvents:
    n = len(ts)
    one = np.ones(n)
    return LiquidationEvents(np.array(ts), np.ones(n, np.int8), one, one, one)


def test_tape_outages_and_throttle_stats() -> None:
    ev = _events([0, 1_000, 2_000, 3_000, 10_000, 5 * HOUR, 5 * HOUR + 500])
    assert tape_outages(ev, 3 * HOUR) == ((10_000, 5 * HOUR),)
    st = throttle_stats(ev)
    # seconds 0,1,2,3 form a run of 4 (4 events); second 10 and 18000 do not
    assert st["events_in_bursts"] == pytest.approx(4 / 7)
    assert st["seconds_with_several_events"] == 1.0  # 18000 s holds two events
