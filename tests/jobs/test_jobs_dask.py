"""The job layer on a real Dask LocalCluster (2 worker processes): same parts as in-process,
bit for bit, and a worker process killed mid-batch loses and duplicates nothing."""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

import polars as pl
import pytest
from _jobs_data import START, Data

from liqmap.jobs import (
    BacktestSpec,
    ResultStore,
    ScanSpec,
    SchedulerSpec,
    plan_tasks,
    run_batch,
    split_periods,
)
from liqmap.jobs.tasks import DAY_MS, HOUR_MS

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]
distributed = pytest.importorskip("distributed", reason="liqmap[distributed] is not installed")


def _parts(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` except the manifest and report, by relative path."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "_manifest" not in p.parts and p.name != "report.json"
    }


def test_killed_worker_mid_batch_loses_and_duplicates_nothing(real: Data, tmp_path: Path) -> None:
    spec = BacktestSpec(window_ms=DAY_MS, every_ms=HOUR_MS // 4, horizons_ms=(HOUR_MS, 4 * HOUR_MS))
    periods = split_periods(START, START + 3 * DAY_MS, DAY_MS // 2)
    tasks = plan_tasks("backtest", ("binance",), ("BTCUSDT",), periods, spec, real.inputs)
    serial = run_batch(tasks, ResultStore(str(tmp_path / "serial")))
    assert serial.count("done") == len(tasks) == 6

    killed: dict[str, object] = {}
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip

        def kill_one_busy_worker(counts: dict[str, int]) -> None:
            if killed or counts.get("done", 0) < 1:
                return
            busy = {w: keys for w, keys in client.processing().items() if keys}
            if not busy:
                return
            addr, keys = next(iter(busy.items()))
            pid = client.run(os.getpid, workers=[addr])[addr]
            os.kill(pid, signal.SIGKILL)
            killed.update(pid=pid, keys=list(keys))

        out = tmp_path / "cluster"
        report = run_batch(
            tasks, ResultStore(str(out)), SchedulerSpec(address=cluster.scheduler_address),
            progress=kill_one_busy_worker,
        )  # fmt: skip

    assert killed, "no worker was killed: the batch finished before one was busy"
    assert report.count("done") == len(tasks) and report.count("failed") == 0, report.to_dict()["failed"]  # fmt: skip
    assert report.duplicates == 0
    by_id = {r.task_id: r for r in report.records}
    victims = [t.key.task_id for t in tasks if any(t.key.task_id in str(k) for k in killed["keys"])]  # type: ignore[attr-defined]
    assert victims, killed
    for tid in victims:  # the interrupted task was redone by a live worker
        assert by_id[tid].state == "done" and not by_id[tid].worker.endswith(f":{killed['pid']}")
    assert _parts(out) == _parts(tmp_path / "serial")  # same files, byte for byte; no leftovers
    manifest = sorted((out / "_manifest").rglob("*.json"))
    assert len(manifest) == len(tasks)
    pts = pl.concat([ResultStore(str(out)).read_kind(t.key, "points") for t in tasks])
    assert pts.select("t_ms", "horizon_ms", "side", "method").is_duplicated().sum() == 0


def test_local_cluster_from_the_scheduler_spec(real: Data, tmp_path: Path) -> None:
    periods = split_periods(START, START + DAY_MS, DAY_MS // 2)
    tasks = plan_tasks("scan", ("binance",), ("BTCUSDT",), periods, ScanSpec(window_ms=DAY_MS), real.inputs)  # fmt: skip
    serial = tmp_path / "serial"
    run_batch(tasks, ResultStore(str(serial)))
    report = run_batch(tasks, ResultStore(str(tmp_path / "local")), SchedulerSpec(workers=2))
    assert report.workers == 2 and report.scheduler == "local cluster, 2 workers"
    assert report.count("done") == 2
    assert _parts(tmp_path / "local") == _parts(serial)
