"""The interval walk on a simulated market: look-ahead, baselines, skips, the magnet rows."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from liqmap.accuracy.interval_result import METHODS, IntervalConfig
from liqmap.accuracy.intervals import IntervalWalk
from liqmap.accuracy.truth import aggregate_events
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.sim import SimulationResult

H = 3_600_000
CFG = IntervalConfig(horizons_ms=(H, 4 * H), magnet_horizons_ms=(4 * H,))


def _walk(market: SimulationResult, table: MarginTable, **kw: object) -> IntervalWalk:
    ev = market.liquidations
    truth = aggregate_events(ev, H, market.start_ms, market.end_ms)
    args: dict[str, object] = {
        "table": table,
        "oi": market.open_interest,
        "events": ev,
        "config": CFG,
    }
    args.update(kw)
    return IntervalWalk(market.candles, truth, **args)  # type: ignore[arg-type]


def _after(t: int, c: Candles, oi: OpenInterest, ev: LiquidationEvents) -> tuple[Candles, OpenInterest, LiquidationEvents]:  # fmt: skip
    """The same data with everything at or after ``t`` changed beyond recognition."""
    late = c.ts_ms + c.interval_ms > t
    k, wide = np.where(late, 1.3, 1.0), np.where(late, 0.05, 0.0)
    c2 = replace(c, open=c.open * k, high=c.high * (k + wide), low=c.low * (k - wide),
                 close=c.close * k, volume=c.volume * np.where(late, 9.0, 1.0))  # fmt: skip
    oi2 = replace(oi, value_usd=np.where(oi.ts_ms > t, oi.value_usd * 5, oi.value_usd))
    e_late = ev.ts_ms >= t
    ev2 = replace(ev, notional_usd=np.where(e_late, ev.notional_usd * 50, ev.notional_usd),
                  price=np.where(e_late, ev.price * 0.7, ev.price))  # fmt: skip
    return c2, oi2, ev2


def test_snapshot_uses_only_data_known_at_t(
    market: SimulationResult, btc_table: MarginTable
) -> None:
    t = market.start_ms + 36 * H
    base = _walk(market, btc_table).snapshot(t)
    c2, oi2, ev2 = _after(t, market.candles, market.open_interest, market.liquidations)
    truth = aggregate_events(ev2, H, market.start_ms, market.end_ms)
    moved = IntervalWalk(c2, truth, table=btc_table, oi=oi2, events=ev2, config=CFG).snapshot(t)
    np.testing.assert_array_equal(base.map.long_usd, moved.map.long_usd)
    np.testing.assert_array_equal(base.map.short_usd, moved.map.short_usd)
    np.testing.assert_array_equal(base.ladder_long, moved.ladder_long)
    assert base.map.price == moved.map.price and base.map.total_long_usd > 0
    # ... while the scored interval after t does see the change (the test can fail)
    assert _walk(market, btc_table).score(base, H) != IntervalWalk(
        c2, truth, table=btc_table, oi=oi2, events=ev2, config=CFG
    ).score(moved, H)


def test_rows_are_the_levels_between_the_path_and_the_price_plus_fresh_positions(
    market: SimulationResult, btc_table: MarginTable
) -> None:
    walk = _walk(market, btc_table)
    t = market.start_ms + 30 * H
    snap = walk.snapshot(t)
    row = walk.score(snap, 4 * H)
    assert not isinstance(row, str)
    m, c = snap.map, market.candles
    inside = (c.ts_ms >= t) & (c.ts_ms < t + 4 * H)
    lo, hi = min(c.low[inside].min(), m.price), max(c.high[inside].max(), m.price)
    assert (row.low, row.high) == (lo, hi)
    assert row.pred_long["model"] == pytest.approx(m.usd_if(lo, hi, "long", 4 * H))
    assert row.pred_short["model"] == pytest.approx(m.usd_if(lo, hi, "short", 4 * H))
    # the fresh part is what usd_if adds to the levels (docs/model.md 2.17)
    fresh_l, fresh_s = row.pred_long["fresh"], row.pred_short["fresh"]
    assert fresh_l > 0 and fresh_s > 0
    assert row.pred_long["model"] - fresh_l == pytest.approx(m.usd_between(lo, m.price, "long"))
    assert row.pred_short["model"] - fresh_s == pytest.approx(m.usd_between(m.price, hi, "short"))
    assert row.pred_long["range"] == pytest.approx((m.price - lo) / m.price)
    assert row.pred_short["oi_range"] == pytest.approx(walk.oi_at(t) * (hi - m.price) / m.price)
    ev = market.liquidations
    sel = (ev.ts_ms >= t) & (ev.ts_ms < t + 4 * H)
    assert row.actual_long == pytest.approx(ev.notional_usd[sel & (ev.side > 0)].sum())
    assert all(np.isfinite(row.bands)) or all(math.isnan(b) for b in row.bands)


def test_run_scores_every_method_and_counts_skips(
    market: SimulationResult, btc_table: MarginTable
) -> None:
    walk = _walk(market, btc_table)
    res = walk.run(market.end_ms - 30 * H, market.end_ms)
    assert res.times == len(range(market.end_ms - 30 * H, market.end_ms + 1, H))
    n1 = sum(1 for r in res.rows if r.h == H)
    assert n1 > 20
    # the last hours cannot be scored: their interval runs past the data; counted, not dropped
    assert sum(v for k, v in res.skipped.items() if k.endswith(f"@{4 * H}")) >= 3
    ev = res.evaluate(n_boot=0)
    s = ev["horizons"][str(H)]["all"]
    assert s["n"] == n1
    for m in METHODS:
        assert s["methods"][m]["spearman"]["value"] is not None, m
    assert s["methods"]["range"]["partial_spearman"]["value"] is None  # the control itself
    assert ev["notional"]["with_oi"] == len(res.notional) > 0


def test_ladder_works_on_bars_without_volume(
    market: SimulationResult, btc_table: MarginTable
) -> None:
    no_vol = replace(market.candles, volume=np.full(len(market.candles), np.nan))
    ev = market.liquidations
    truth = aggregate_events(ev, H, market.start_ms, market.end_ms)
    walk = IntervalWalk(no_vol, truth, table=btc_table, oi=market.open_interest, config=CFG)
    res = walk.run(market.start_ms + 30 * H, market.start_ms + 36 * H)
    lad = [r.pred_long["ladder"] + r.pred_short["ladder"] for r in res.rows]
    assert len(lad) > 0 and sum(lad) > 0  # OI-only bars: the ladder is not empty (n > 0)
    assert any("ladder baseline" in n and "without volume" in n for n in res.notes)
    s = res.evaluate(n_boot=0)["horizons"][str(H)]["all"]
    assert s["n"] > 0 and s["methods"]["ladder"]["spearman"]["value"] is not None


def test_magnet_rows_compare_cluster_and_mirror(
    market: SimulationResult, btc_table: MarginTable
) -> None:
    walk = _walk(market, btc_table)
    res = walk.run(market.start_ms + 24 * H, market.start_ms + 40 * H)
    assert res.magnets and all(r.h == 4 * H for r in res.magnets)
    for r in res.magnets:
        if math.isnan(r.d):
            continue
        assert 0 < abs(r.d) <= CFG.magnet_pct / 100
        assert r.hit == (r.up >= r.d if r.d > 0 else r.down <= r.d)
        assert r.mirror == (r.down <= -r.d if r.d > 0 else r.up >= -r.d)


def test_report_tables_and_targets(market: SimulationResult, btc_table: MarginTable) -> None:
    from liqmap.accuracy.interval_report import (
        TARGETS,
        check_targets,
        diff_table,
        magnet_table,
        method_table,
        skip_text,
    )

    res = _walk(market, btc_table).run(market.end_ms - 20 * H, market.end_ms)
    ev = res.evaluate(n_boot=0)
    for table in (method_table(ev, H, "all"), diff_table(ev, H, "long"), magnet_table(ev)):
        rows = [ln for ln in table.splitlines() if ln.startswith("|")]
        assert len({ln.count("|") for ln in rows}) == 1, table  # every row has the header's cells
    checks = check_targets(ev, H)
    assert [c[0] for c in checks] == list(TARGETS)
    # no bootstrap (n_boot=0): a difference target cannot be judged, and says so
    assert checks[0][2] is None
    assert "@" not in skip_text(res.skipped) and skip_text({}) == "none"
