"""Batches over many (venue, symbol, period) tasks: backfill, import, backtest, calibrate, scan.

The pieces, in the order a batch uses them::

    tasks.plan_tasks      -> Task(key=(kind, venue, symbol, period), spec, inputs), fingerprinted
    runner.run_batch      -> skips tasks the manifest says are done, runs the rest on
    schedulers            -> in-process | LocalCluster(--workers N) | a cluster (--scheduler ADDR)
    work.execute          -> on a worker: the library function, parts written as Parquet
    results.ResultStore   -> parts + manifest on an fsspec path (local, s3://, gs://)
    ingest.commit         -> the driver alone writes ingest parts into the DuckDB store

See docs/scale.md for how work is split and how to run it on a cluster.
"""

from __future__ import annotations

from liqmap.jobs.results import ManifestEntry, ResultStore
from liqmap.jobs.runner import BatchReport, TaskRecord, run_batch
from liqmap.jobs.schedulers import SchedulerSpec
from liqmap.jobs.tasks import (
    JOB_KINDS,
    BacktestSpec,
    CalibrateSpec,
    IngestSpec,
    Inputs,
    JobKind,
    ScanSpec,
    Task,
    TaskKey,
    plan_tasks,
    split_periods,
)
from liqmap.jobs.work import TaskOutcome, execute

__all__ = [
    "JOB_KINDS",
    "BacktestSpec",
    "BatchReport",
    "CalibrateSpec",
    "IngestSpec",
    "Inputs",
    "JobKind",
    "ManifestEntry",
    "ResultStore",
    "ScanSpec",
    "SchedulerSpec",
    "Task",
    "TaskKey",
    "TaskOutcome",
    "TaskRecord",
    "execute",
    "plan_tasks",
    "run_batch",
    "split_periods",
]
