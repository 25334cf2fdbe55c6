"""Run a batch: skip finished tasks, run the rest anywhere, record each outcome, report.

The driver (this process) is the only writer of the manifest and, through ``committer``, of the
DuckDB store: workers write Parquet parts only. Per task, in order: its outcome arrives, stale
temporary files in its partition are swept, the committer (ingest batches) writes its parts to
the store, and only then is its manifest entry written. A run killed at any point therefore
leaves every task either recorded ``done`` (skipped next time) or not (redone next time, which
rewrites the same parts). Failed tasks are recorded with their reason and retried by the next
run; they never abort this one.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from liqmap.errors import LiqmapError, ParameterError
from liqmap.jobs.results import ManifestEntry, ResultStore
from liqmap.jobs.schedulers import SchedulerSpec, open_executor
from liqmap.jobs.tasks import Task
from liqmap.jobs.work import TaskOutcome

__all__ = ["BatchReport", "Committer", "Progress", "TaskRecord", "run_batch"]

State = Literal["done", "skipped", "failed"]
Committer = Callable[[Task, TaskOutcome], dict[str, int]]
Progress = Callable[[dict[str, int]], None]  # counts by state: queued, running, done, ...
SCHEMA = "liqmap.batch/1"


@dataclass(frozen=True, slots=True)
class TaskRecord:
    """One task's line of the report."""

    task_id: str
    state: State
    reason: str = ""
    seconds: float = 0.0
    rows: int = 0
    worker: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "task_id": self.task_id, "state": self.state, "reason": self.reason,
            "seconds": round(self.seconds, 4), "rows": self.rows, "worker": self.worker,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class BatchReport:
    """What a batch did: one record per task (in plan order), the wall time and where it ran."""

    records: tuple[TaskRecord, ...]
    wall_s: float
    scheduler: str
    workers: int
    root: str
    duplicates: int = 0  # outcomes received twice for one task (ignored; should stay 0)
    committed: dict[str, int] = field(default_factory=dict)

    def count(self, state: State) -> int:
        """Tasks in ``state``."""
        return sum(r.state == state for r in self.records)

    @property
    def ok(self) -> bool:
        """True when no task failed."""
        return self.count("failed") == 0

    @property
    def task_seconds(self) -> float:
        """Time spent inside the tasks that ran (their own clocks)."""
        return sum(r.seconds for r in self.records if r.state != "skipped")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``liqmap.batch/1``)."""
        ran = [r for r in self.records if r.state != "skipped"]
        return {
            "schema": SCHEMA, "root": self.root, "scheduler": self.scheduler,
            "workers": self.workers, "wall_s": round(self.wall_s, 3),
            "task_seconds": round(self.task_seconds, 3),
            "counts": {s: self.count(s) for s in ("done", "skipped", "failed")},
            "tasks_run": len(ran), "duplicates": self.duplicates,
            "committed_rows": dict(self.committed),
            "failed": {r.task_id: r.reason for r in self.records if r.state == "failed"},
            "tasks": [r.to_dict() for r in self.records],
        }  # fmt: skip


def _entry(task: Task, out: TaskOutcome, ok: bool, reason: str) -> ManifestEntry:
    return ManifestEntry(
        task.key.task_id, task.fingerprint, "done" if ok else "failed", reason, out.parts,
        out.rows, out.seconds, out.worker, out.summary,
    )  # fmt: skip


def _finish(
    task: Task, out: TaskOutcome, results: ResultStore, committer: Committer | None,
    committed: Counter[str],
) -> TaskRecord:  # fmt: skip
    results.sweep(task.key)
    ok, reason = out.ok, out.reason
    if ok and committer is not None:
        try:
            committed.update(committer(task, out))
        except LiqmapError as exc:
            ok, reason = False, f"commit: {type(exc).__name__}: {exc}"
    results.record(task.key, _entry(task, out, ok, reason))
    return TaskRecord(task.key.task_id, "done" if ok else "failed", reason, out.seconds, out.rows, out.worker)  # fmt: skip


def run_batch(
    tasks: Sequence[Task],
    results: ResultStore,
    scheduler: SchedulerSpec | None = None,
    *,
    committer: Committer | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> BatchReport:
    """Run ``tasks`` (those not already done, unless ``force``) and report every one.

    ``committer`` is called in this process with each successful task (ingest: write its parts
    to the store); ``progress`` with the counts by state after every change.
    """
    ids = [t.key.task_id for t in tasks]
    if len(set(ids)) != len(ids):
        raise ParameterError("batch: the same (kind, venue, symbol, period) is listed twice")
    t0 = time.perf_counter()
    spec = scheduler or SchedulerSpec()
    records: dict[str, TaskRecord] = {}
    todo = []
    for t in tasks:
        if not force and results.is_done(t):
            records[t.key.task_id] = TaskRecord(t.key.task_id, "skipped", "done in an earlier run")
        else:
            todo.append(t)
    counts = Counter({"queued": len(todo), "running": 0, "skipped": len(records)})
    committed: Counter[str] = Counter()
    duplicates = 0

    def tick(running: int) -> None:
        counts["running"] = min(running, counts["queued"])
        if progress is not None:
            progress(dict(counts))

    tick(0)
    with open_executor(spec) as ex:
        for task, out in ex.run(todo, results, tick):
            if task.key.task_id in records:
                duplicates += 1
                continue
            rec = _finish(task, out, results, committer, committed)
            records[task.key.task_id] = rec
            counts["queued"] -= 1
            counts[rec.state] += 1
            tick(counts["running"])
        workers = ex.workers
    report = BatchReport(
        tuple(records[i] for i in ids), time.perf_counter() - t0, spec.label, workers,
        results.root, duplicates, dict(committed),
    )  # fmt: skip
    results.write_report(report.to_dict())
    return report
