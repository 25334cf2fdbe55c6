"""Issue 16 targets: a backtest batch of >= 20 symbol-periods on a 2-worker Dask LocalCluster runs
>= 1.7x faster than on 1 worker, and the scheduling overhead per task is < 50 ms.

Tasks (each a walk-forward backtest: 24h window, every 30 min, horizons 1h and 4h):

* real: Binance USD-M BTCUSDT 5m bars with the real forceOrder tape, one task per day
  2026-01-28 .. 2026-02-14 (18 symbol-periods; ../shared/data);
* synthetic: ``SYNTH_SYMBOLS`` longer 1m series built from real 5m bars (2023-11..2024-12,
  :func:`benchmarks.data.btc_1m_from_5m`, each its own seed and stretch) with a tape-like truth
  (:func:`benchmarks.bench_backtest.synthetic_tape`), two-day periods.

Each timing runs the whole batch through :func:`liqmap.jobs.run_batch` into a fresh results
folder on an already-running cluster whose workers were warmed up (imports, kernels), so it
measures the batch, not process start-up (start-up is reported on its own). Overhead per task =
(1-worker wall - time spent inside the tasks) / tasks: the scheduler round trip, pickling, the
driver's manifest writes. Run: ``python -m benchmarks batch`` (``LIQMAP_BENCH_REPEAT`` repeats;
the median is reported).
"""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl

from benchmarks._harness import Result, SuiteSkippedError, require_shared
from benchmarks.bench_backtest import synthetic_tape
from benchmarks.data import btc_1m_from_5m
from liqmap.jobs import (
    BacktestSpec,
    BatchReport,
    Inputs,
    ResultStore,
    SchedulerSpec,
    Task,
    plan_tasks,
    run_batch,
    split_periods,
)
from liqmap.jobs.tasks import DAY_MS, HOUR_MS
from liqmap.timeutil import parse_time_ms

REPEAT = int(os.environ.get("LIQMAP_BENCH_REPEAT", "1"))
SYNTH_SYMBOLS = 2
SYNTH_DAYS = 8
SPEED_UP_TARGET = 1.7
OVERHEAD_TARGET_S = 0.050
SPEC = BacktestSpec(window_ms=DAY_MS, every_ms=HOUR_MS // 2, horizons_ms=(HOUR_MS, 4 * HOUR_MS))


def _real(shared: Path, folder: Path) -> list[Task]:
    lo, hi = parse_time_ms("2026-01-27"), parse_time_ms("2026-02-16")
    bars = pl.read_csv(shared / "bars" / "binance-um-5m-BTCUSDT-2024-12-31_2026-02-19.csv.gz")
    bars.filter(pl.col("open_time_ms").is_between(lo - DAY_MS, hi)).write_parquet(folder / "BTCUSDT-bars.parquet")  # fmt: skip
    tape = pl.read_csv(shared / "liquidations" / "binance-btc-forceorder-2026-01-27_2026-02-16.csv.gz")  # fmt: skip
    tape.write_csv(folder / "BTCUSDT-tape.csv")
    inputs = Inputs(
        bars=str(folder / "{symbol}-bars.parquet"), liquidations=str(folder / "{symbol}-tape.csv"),
        brackets=str(shared / "brackets" / "binance-um-leverage-brackets-BTCUSDT-ETHUSDT.json"),
    )  # fmt: skip
    periods = split_periods(lo + DAY_MS, hi - DAY_MS, DAY_MS)
    return plan_tasks("backtest", ("binance",), ("BTCUSDT",), periods, SPEC, inputs)


def _synthetic(folder: Path, brackets: str) -> list[Task]:
    """BTCUSDT-like 1m series of earlier stretches (their own periods, so their own task keys)."""
    tasks: list[Task] = []
    n = SYNTH_DAYS * 1440
    for i in range(SYNTH_SYMBOLS):
        base = btc_1m_from_5m(n_minutes=(i + 1) * n, seed=i)
        c = base.between(int(base.ts_ms[-n]), int(base.ts_ms[-1]) + 60_000)
        pl.DataFrame({
            "open_time_ms": c.ts_ms, "open": c.open, "high": c.high, "low": c.low,
            "close": c.close, "volume": c.volume,
        }).write_parquet(folder / f"synth{i}-BTCUSDT-bars.parquet")  # fmt: skip
        ev = synthetic_tape(c)
        pl.DataFrame({
            "ts_ms": ev.ts_ms, "liquidated_side": ["long" if s > 0 else "short" for s in ev.side],
            "order_side": ["SELL" if s > 0 else "BUY" for s in ev.side],
            "price": ev.price, "qty": ev.qty, "notional_usd": ev.notional_usd,
        }).write_csv(folder / f"synth{i}-BTCUSDT-tape.csv")  # fmt: skip
        inputs = Inputs(
            bars=str(folder / f"synth{i}-{{symbol}}-bars.parquet"),
            liquidations=str(folder / f"synth{i}-{{symbol}}-tape.csv"), brackets=brackets,
        )  # fmt: skip
        start = int(c.ts_ms[0]) + DAY_MS
        periods = split_periods(start, start + (SYNTH_DAYS - 2) * DAY_MS, 2 * DAY_MS)
        tasks += plan_tasks("backtest", ("binance",), ("BTCUSDT",), periods, SPEC, inputs)
    return tasks


def _warm(task: Task, root: str) -> str:
    """Run on every worker before timing: imports, the kernels, file caches."""
    from liqmap.jobs import ResultStore, execute

    return execute(task, ResultStore(root)).reason


def _batch(tasks: list[Task], spec: SchedulerSpec, work: Path, tag: str) -> tuple[float, BatchReport]:  # fmt: skip
    walls, last = [], None
    for r in range(REPEAT):
        root = work / f"{tag}-{r}"
        t0 = time.perf_counter()
        last = run_batch(tasks, ResultStore(str(root)), spec)
        walls.append(time.perf_counter() - t0)
        if not last.ok:
            raise SystemExit(f"batch {tag}: tasks failed: {last.to_dict()['failed']}")
    assert last is not None
    return statistics.median(walls), last


def _on_cluster(tasks: list[Task], workers: int, work: Path) -> dict[str, Any]:
    import distributed

    t0 = time.perf_counter()
    with (
        distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                 dashboard_address=None, silence_logs=logging.ERROR) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        client.wait_for_workers(workers)
        startup = time.perf_counter() - t0
        client.run(_warm, tasks[0], str(work / f"warm-{workers}"))
        wall, rep = _batch(tasks, SchedulerSpec(address=cluster.scheduler_address), work, f"w{workers}")  # fmt: skip
        rss = client.run(_peak_rss_mb)
    return {"wall": wall, "report": rep, "startup": startup, "peak_rss_mb": max(rss.values())}


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run() -> list[Result]:
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise SuiteSkippedError("needs liqmap[distributed]: pip install 'liqmap[distributed]'") from None  # fmt: skip
    shared = require_shared()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="liqmap-bench-batch-") as tmp:
        work = Path(tmp)
        (work / "data").mkdir()
        real = _real(shared, work / "data")
        tasks = real + _synthetic(work / "data", str(real[0].inputs.brackets))
        one = _on_cluster(tasks, 1, work)
        two = _on_cluster(tasks, 2, work)
    n = len(tasks)
    rep1: BatchReport = one["report"]
    per_task = rep1.task_seconds / n
    overhead = (one["wall"] - rep1.task_seconds) / n
    speed = one["wall"] / two["wall"]
    _print(n, one, two, per_task, overhead, speed, load)
    detail = f"{n} tasks; 1 worker {one['wall']:.1f} s, 2 workers {two['wall']:.1f} s; load {load[0]:.1f}"  # fmt: skip
    return [
        Result("batch: 2-worker / 1-worker wall time (backtests)", 1 / speed, 1 / SPEED_UP_TARGET,
               f"speed-up {speed:.2f}x (target >= {SPEED_UP_TARGET}x); {detail}", unit="x"),
        Result("batch: scheduling overhead per task (1 worker)", max(overhead, 0.0),
               OVERHEAD_TARGET_S, f"{per_task * 1e3:.0f} ms of work per task; {detail}"),
    ]  # fmt: skip


def _print(n: int, one: dict[str, Any], two: dict[str, Any], per_task: float, overhead: float, speed: float, load: tuple[float, float, float]) -> None:  # fmt: skip
    print(f"batch benchmark: {n} backtest tasks (symbol-periods), repeat {REPEAT}, "
          f"load average before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")  # fmt: skip
    for w, r in ((1, one), (2, two)):
        rep: BatchReport = r["report"]
        print(f"  {w} worker(s): wall {r['wall']:.2f} s, {n / r['wall']:.2f} tasks/s, "
              f"inside tasks {rep.task_seconds:.2f} s, cluster start {r['startup']:.1f} s, "
              f"worker peak RSS {r['peak_rss_mb']:.0f} MB")  # fmt: skip
    print(f"  per task {per_task * 1e3:.0f} ms of work; overhead {overhead * 1e3:.1f} ms/task; "
          f"speed-up 2 vs 1 worker {speed:.2f}x")  # fmt: skip


if __name__ == "__main__":
    for res in run():
        print(res)
