"""What runs on a worker: one task in, its parts written, a small outcome out.

:func:`execute` is the only function shipped to workers (in-process, a LocalCluster process or a
remote ``dask worker``). It never raises for a task's own failure: bad input, missing data or a
bug in one task becomes an outcome with ``ok=False`` and the reason (exception type and text),
so one symbol never aborts a batch. Parts are written to deterministic paths atomically, so a
task that runs twice (a worker killed after writing, the task rescheduled) writes the same
files again and nothing is duplicated.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liqmap.errors import LiqmapError
from liqmap.jobs.results import ResultStore
from liqmap.jobs.tasks import JobKind, Task

__all__ = ["TaskOutcome", "execute"]


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    """A task's result as the driver sees it (the data stay in the parts)."""

    task_id: str
    ok: bool
    reason: str = ""
    parts: tuple[str, ...] = ()
    rows: int = 0
    seconds: float = 0.0
    worker: str = ""
    summary: dict[str, Any] = field(default_factory=dict)


def _runner(kind: JobKind) -> Callable[[Task], Any]:
    from liqmap.jobs import analysis, ingest

    table: dict[JobKind, Callable[[Task], Any]] = {
        "backtest": analysis.backtest_task, "calibrate": analysis.calibrate_task,
        "scan": analysis.scan_task, "import": ingest.import_task, "backfill": ingest.backfill_task,
    }  # fmt: skip
    return table[kind]


def _reason(exc: BaseException) -> str:
    if isinstance(exc, LiqmapError):
        return f"{type(exc).__name__}: {exc}"
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" (at {Path(where.filename).name}:{where.lineno})" if where else ""
    return f"{type(exc).__name__}: {exc}{at}"


def execute(task: Task, results: ResultStore) -> TaskOutcome:
    """Run ``task`` and write its parts under ``results``; failures become the outcome."""
    t0 = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    tid = task.key.task_id
    try:
        frames, summary = _runner(task.key.kind)(task)
        parts = tuple(results.write_part(task.key, name, f) for name, f in frames.items())
        rows = sum(f.height for f in frames.values())
    except Exception as exc:  # one task's failure is its outcome, never the batch's
        return TaskOutcome(tid, False, _reason(exc), seconds=time.perf_counter() - t0, worker=worker)  # fmt: skip
    return TaskOutcome(tid, True, "", parts, rows, time.perf_counter() - t0, worker, summary)
