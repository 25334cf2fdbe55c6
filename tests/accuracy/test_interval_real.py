"""The interval backtest on the shared real data (``../shared/data``): windows load, truth
sums the tapes, outages are missing (not zero), and a day around the 2026-02-05 crash scores."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from liqmap.accuracy.interval_result import IntervalConfig
from liqmap.accuracy.intervals import IntervalWalk
from liqmap.testing.windows import load_window

H = 3_600_000
CRASH_DAY = 1_770_249_600_000  # 2026-02-05T00:00Z


@pytest.fixture(scope="module")
def dev(shared_data: Path):  # type: ignore[no-untyped-def]
    return load_window(shared_data, "dev")


def test_dev_window_truth_sums_the_tape_and_blanks_outages(dev) -> None:  # type: ignore[no-untyped-def]
    t, ev = dev.truth, dev.events
    inside = (ev.ts_ms >= t.ts_ms[0]) & (ev.ts_ms < t.ts_ms[-1] + H)
    observed = np.isfinite(t.long_usd)
    assert (
        0.3 < observed.mean() < 0.8
    )  # the recorder was down for days (README: 01-31..02-02, 02-08..02-09)
    k = (ev.ts_ms[inside] - t.ts_ms[0]) // H
    usd_in_observed = ev.notional_usd[inside][observed[k]].sum()
    assert np.nansum(t.long_usd) + np.nansum(t.short_usd) == pytest.approx(usd_in_observed)
    feb1 = int(np.searchsorted(t.ts_ms, 1_769_904_000_000))  # 2026-02-01T00:00Z: recorder down
    assert math.isnan(t.long_usd[feb1])
    assert dev.oi is not None and "Hyperliquid" in dev.oi.source


def test_crash_day_scores_with_every_baseline(dev) -> None:  # type: ignore[no-untyped-def]
    cfg = IntervalConfig(horizons_ms=(H,), magnet_horizons_ms=(4 * H,))
    walk = IntervalWalk(dev.candles, dev.truth, table=dev.table, oi=dev.oi, events=dev.events,
                        mark=dev.mark, config=cfg)  # fmt: skip
    res = walk.run(CRASH_DAY, CRASH_DAY + 23 * H)
    assert len(res.rows) >= 20
    ev = res.evaluate(n_boot=0)["horizons"][str(H)]
    realised = sum(r.actual_long for r in res.rows)
    assert realised > 30e6  # the cascade: tens of millions of long USD on the throttled tape
    for side in ("long", "all"):
        for m in ("model", "range", "oi_range", "ladder", "uniform"):
            assert ev[side]["methods"][m]["spearman"]["value"] is not None, (side, m)
    assert ev["long"]["zero"]["ladder"]["hours"] is not None


@pytest.mark.parametrize("name", ["eval-sol", "okx-btc"])
def test_evaluation_windows_load(shared_data: Path, name: str) -> None:
    w = load_window(shared_data, name)
    assert w.role == "eval" and w.candles.interval_ms == H and len(w.truth) > 5
    assert w.start_ms >= int(w.truth.ts_ms[0]) and w.end_ms <= int(w.truth.ts_ms[-1])
    assert any("Hyperliquid" in n for n in w.notes)


def test_dev_recorder_drops_while_price_moved_are_missing_truth(dev) -> None:  # type: ignore[no-untyped-def]
    from liqmap.accuracy.data import moved_silences

    drops = moved_silences(dev.events, dev.candles)
    days = [(a // (24 * H), (a % (24 * H)) // H) for a, _ in drops]
    assert days == [(20489, 22), (20494, 6)]  # 2026-02-05 22h (~60 min), 2026-02-10 06h (118 min)
    assert any("2 recorder drops" in n for n in dev.notes)
    t = dev.truth
    for a, b in drops:  # every hour the silence touches is unknown, not $0
        k0, k1 = np.searchsorted(t.ts_ms, a // H * H), np.searchsorted(t.ts_ms, b // H * H)
        assert np.isnan(t.long_usd[k0 : k1 + 1]).all()
