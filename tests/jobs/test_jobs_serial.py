"""The job layer in-process on real data: batch results equal the serial path bit for bit; the
manifest makes re-runs skip, changed settings redo, failures stay per task."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from _jobs_data import SPEC, START, Data

from liqmap import api
from liqmap.accuracy.calibrate import CalibrationConfig, calibrate
from liqmap.accuracy.data import MAX_PRICE_DEV_PCT, drop_price_outliers, tape_outages
from liqmap.cli.app import main
from liqmap.domain.enums import Venue
from liqmap.jobs import (
    CalibrateSpec,
    ResultStore,
    ScanSpec,
    Task,
    TaskKey,
    plan_tasks,
    run_batch,
    split_periods,
)
from liqmap.jobs.tasks import DAY_MS, HOUR_MS
from liqmap.timeutil import parse_time_ms

pytestmark = pytest.mark.shared_data


def _cli_points(
    real: Data, day: str, capsys: pytest.CaptureFixture[str]
) -> list[dict[str, object]]:
    """`liqmap backtest --json --points` for one day: the serial path users run."""
    code = main([
        "backtest", "BTCUSDT", "--source", str(real.bars), "--liquidations", str(real.tape),
        "--brackets", str(real.brackets), "--from", f"{day}T00:00", "--to", f"{day}T23:00",
        "--every", "1h", "--horizons", "1h,4h", "--window", "24h", "--json", "--points",
    ])  # fmt: skip
    assert code == 0
    points: list[dict[str, object]] = json.loads(capsys.readouterr().out)["points"]
    return points


def test_backtest_batch_equals_the_serial_cli_bit_for_bit(
    real: Data, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    periods = split_periods(START, START + 2 * DAY_MS, DAY_MS)
    tasks = plan_tasks("backtest", ("binance",), ("BTCUSDT",), periods, SPEC, real.inputs)
    results = ResultStore(str(tmp_path / "out"))
    report = run_batch(tasks, results)
    assert (report.count("done"), report.count("failed")) == (2, 0), report.to_dict()["failed"]
    for task, day in zip(tasks, ("2026-01-28", "2026-01-29"), strict=True):
        got = results.read_kind(task.key, "points")
        want = _cli_points(real, day, capsys)
        assert got.height == len(want) > 0
        assert got["t_ms"].to_list() == [p["t_ms"] for p in want]
        for col in ("pred_usd", "actual_usd", "range_pct", "visited_bins"):
            assert got[col].to_list() == [p[col] for p in want], (
                col
            )  # exact (JSON floats round-trip)
        for col in ("spearman", "top_share"):
            g = [None if math.isnan(x) else x for x in got[col].to_list()]
            assert g == [p[col] for p in want], col


def test_scan_batch_maps_equal_estimate_map(real: Data, tmp_path: Path) -> None:
    periods = split_periods(START, START + 2 * DAY_MS, DAY_MS)
    spec = ScanSpec(window_ms=DAY_MS, bins=200)
    tasks = plan_tasks("scan", ("binance",), ("BTCUSDT",), periods, spec, real.inputs)
    results = ResultStore(str(tmp_path / "out"))
    assert run_batch(tasks, results).count("done") == 2
    md = api.load_market("BTCUSDT", str(real.bars), liquidations=str(real.tape))
    for t in tasks:
        m = api.estimate_map(
            md, window=DAY_MS, at=t.key.end_ms, brackets=str(real.brackets), bins=200
        )
        f = results.read_kind(t.key, "map")
        n_tiers, n = m.long_usd.shape
        assert np.array_equal(f["long_usd"].to_numpy().reshape(n_tiers, n), m.long_usd)
        assert np.array_equal(f["short_usd"].to_numpy().reshape(n_tiers, n), m.short_usd)
        assert np.array_equal(f["lo"].to_numpy()[:n], m.edges[:-1])
        assert results.read_kind(t.key, "row")["price"][0] == m.price


def test_calibrate_batch_equals_calibrate(real: Data, tmp_path: Path) -> None:
    spec = CalibrateSpec(warmup_ms=DAY_MS, horizons_ms=(HOUR_MS, 4 * HOUR_MS), max_evals=8)
    task = Task(TaskKey("calibrate", "binance", "BTCUSDT", START, START + 2 * DAY_MS), spec, real.inputs)  # fmt: skip
    results = ResultStore(str(tmp_path / "out"))
    assert run_batch([task], results).count("done") == 1
    md = api.load_market("BTCUSDT", str(real.bars), liquidations=str(real.tape))
    assert md.liquidations is not None
    events, _ = drop_price_outliers(md.liquidations, md.candles, MAX_PRICE_DEV_PCT)
    cfg = CalibrationConfig(warmup_ms=DAY_MS, horizons_ms=spec.horizons_ms, max_evals=8, max_seconds=1e9)  # fmt: skip
    want = calibrate(
        md.candles, events, start_ms=START, end_ms=START + 2 * DAY_MS - 1,
        venue=Venue.BINANCE, table=api.margin_table(Venue.BINANCE, "BTCUSDT", real.brackets),
        config=cfg, outages=tape_outages(events, 3 * HOUR_MS),
    )  # fmt: skip
    got = results.read_kind(task.key, "fit")
    assert json.loads(got["params_json"][0]) == json.loads(json.dumps(want.params.to_dict()))
    assert got["objective_fitted"][0] == want.in_sample[1].total
    assert got["evaluations"][0] == want.evaluations == 8


def test_rerun_skips_changed_settings_redo_and_failures_stay_per_task(
    real: Data, tmp_path: Path
) -> None:
    periods = split_periods(START, START + DAY_MS, None)
    tasks = plan_tasks("backtest", ("binance",), ("BTCUSDT", "NOPEUSDT"), periods, SPEC, real.inputs)  # fmt: skip
    results = ResultStore(str(tmp_path / "out"))
    seen: list[dict[str, int]] = []
    first = run_batch(tasks, results, progress=seen.append)
    assert [r.state for r in first.records] == ["done", "failed"]
    assert (
        "NOPEUSDT-5m.csv" in first.records[1].reason and "DataFileError" in first.records[1].reason
    )
    assert seen[0]["queued"] == 2 and seen[-1] == {"queued": 0, "running": 0, "skipped": 0, "done": 1, "failed": 1}  # fmt: skip
    again = run_batch(tasks, results)
    assert [r.state for r in again.records] == ["skipped", "failed"]  # failures are retried
    changed = [replace(t, spec=replace(SPEC, bins=200)) for t in tasks[:1]]
    assert [r.state for r in run_batch(changed, results).records] == ["done"]
    assert results.read_kind(changed[0].key, "scores").height > 0
    doc = json.loads(Path(tmp_path / "out" / "report.json").read_text())
    assert doc["schema"] == "liqmap.batch/1" and doc["counts"] == {"done": 1, "skipped": 0, "failed": 0}  # fmt: skip


def test_a_stale_temporary_part_is_swept_and_a_deleted_part_redoes_the_task(real: Data, tmp_path: Path) -> None:  # fmt: skip
    task = plan_tasks("backtest", ("binance",), ("BTCUSDT",), [(START, START + DAY_MS)], SPEC, real.inputs)[0]  # fmt: skip
    results = ResultStore(str(tmp_path / "out"))
    folder = tmp_path / "out" / task.key.partition
    folder.mkdir(parents=True)
    (folder / "points.parquet.tmp-dead").write_bytes(b"half a file")  # a killed worker's leftover
    assert run_batch([task], results).count("done") == 1
    assert sorted(p.name for p in folder.iterdir()) == ["points.parquet", "scores.parquet"]
    (folder / "points.parquet").unlink()
    assert run_batch([task], results).count("done") == 1  # not skipped: a part is missing
    assert pl.read_parquet(folder / "points.parquet").height > 0


def test_periods_split_the_span_without_overlap() -> None:
    a = parse_time_ms("2026-01-01")
    assert split_periods(a, a + 3 * DAY_MS + 5, DAY_MS)[-1] == (a + 3 * DAY_MS, a + 3 * DAY_MS + 5)
    with pytest.raises(Exception, match="must be before"):
        split_periods(a, a, DAY_MS)
