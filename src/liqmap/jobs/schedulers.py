"""Where tasks run: in this process (default, no Dask), a Dask LocalCluster, or a Dask cluster.

=================  ===================================================================
``SchedulerSpec``  runs tasks
=================  ===================================================================
``()``             one after another in this process (no Dask needed)
``(workers=N)``    on a ``distributed.LocalCluster`` of N worker *processes*, one thread
                   each (the kernels hold the GIL between numba calls; processes scale)
``(address=A)``    on an existing cluster (``dask scheduler`` + ``dask worker``,
                   dask-jobqueue, dask-kubernetes): ``tcp://host:8786``
=================  ===================================================================

Dask is the optional ``liqmap[distributed]`` part: asking for workers or a scheduler without it
raises :class:`~liqmap.errors.MissingExtraError` naming the pip command. Tasks are submitted
all at once; Dask retries a task whose worker died (up to ``distributed.scheduler
.allowed-failures``, default 3, then the task fails with ``KilledWorker``).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from liqmap.errors import ParameterError
from liqmap.jobs.results import ResultStore
from liqmap.jobs.tasks import Task
from liqmap.jobs.work import TaskOutcome, execute

__all__ = ["Executor", "SchedulerSpec", "open_executor"]

Tick = Callable[[int], None]  # called with the number of tasks running now
POLL_S = 0.02


@dataclass(frozen=True, slots=True)
class SchedulerSpec:
    """``workers`` for a LocalCluster, ``address`` for an existing cluster, neither: in-process."""

    workers: int | None = None
    address: str | None = None
    connect_timeout_s: float = 10.0  # reaching ``address``

    def __post_init__(self) -> None:
        if self.workers is not None and self.address is not None:
            raise ParameterError("give --workers N (a local cluster) or --scheduler ADDR, not both")
        if self.workers is not None and not 1 <= self.workers <= 256:
            raise ParameterError(f"--workers must be 1..256, got {self.workers}")
        if self.address is not None and "://" not in self.address:
            raise ParameterError(
                f"--scheduler {self.address!r}: give the scheduler's address, e.g. tcp://host:8786"
            )

    @property
    def label(self) -> str:
        """``'in-process'``, ``'local cluster, 2 workers'`` or the address."""
        if self.address:
            return f"cluster {self.address}"
        return "in-process" if self.workers is None else f"local cluster, {self.workers} workers"


class Executor:
    """Runs tasks; yields ``(task, outcome)`` as each finishes (any order)."""

    workers = 1

    def run(self, tasks: Sequence[Task], results: ResultStore, tick: Tick) -> Iterator[tuple[Task, TaskOutcome]]:  # fmt: skip
        for t in tasks:
            tick(1)
            yield t, execute(t, results)


class _DaskExecutor(Executor):
    def __init__(self, client: Any) -> None:
        self.client = client
        self.workers = max(1, len(client.scheduler_info(n_workers=-1)["workers"]))

    def _running(self) -> int:
        return sum(len(v) for v in self.client.processing().values())

    def run(self, tasks: Sequence[Task], results: ResultStore, tick: Tick) -> Iterator[tuple[Task, TaskOutcome]]:  # fmt: skip
        as_completed = _distributed().as_completed
        run = uuid.uuid4().hex[:8]
        by_key: dict[str, Task] = {}
        futures = []
        for t in tasks:
            key = f"liqmap-{t.key.task_id}-{t.fingerprint}-{run}"
            by_key[key] = t
            futures.append(self.client.submit(execute, t, results, key=key, pure=False))
        done = as_completed(futures)
        last = 0.0
        while not done.is_empty():
            batch = done.next_batch(block=False)
            if not batch:
                if time.monotonic() - last > 0.5:
                    tick(self._running())
                    last = time.monotonic()
                time.sleep(POLL_S)
                continue
            for fut in batch:
                yield by_key[fut.key], _outcome(fut, by_key[fut.key])
                fut.release()


def _outcome(fut: Any, task: Task) -> TaskOutcome:
    """The future's outcome; a task Dask gave up on (``KilledWorker``, a lost worker) fails."""
    if fut.status == "finished":
        out = fut.result()
        if isinstance(out, TaskOutcome):
            return out
    exc = fut.exception() if fut.status == "error" else None
    reason = (
        f"{type(exc).__name__}: {exc}" if exc is not None else f"the task ended as {fut.status!r}"
    )
    return TaskOutcome(task.key.task_id, False, f"scheduler: {reason}")


def _distributed() -> Any:
    """``distributed``, imported by name (its functions are untyped for mypy --strict)."""
    import importlib

    return importlib.import_module("distributed")


@contextmanager
def open_executor(spec: SchedulerSpec) -> Iterator[Executor]:
    """An executor for ``spec``; a LocalCluster is started here and stopped on exit."""
    if spec.workers is None and spec.address is None:
        yield Executor()
        return
    from liqmap.extras import require

    require("distributed", "liqmap batch --workers/--scheduler")
    dd = _distributed()
    Client, LocalCluster = dd.Client, dd.LocalCluster  # noqa: N806 (the library's class names)

    if spec.address is not None:
        try:
            client = Client(spec.address, timeout=f"{spec.connect_timeout_s}s")
        except (OSError, TimeoutError) as exc:
            raise ParameterError(
                f"--scheduler {spec.address}: no Dask scheduler answers there ({exc}); start one "
                "with `dask scheduler` (and workers with `dask worker ADDRESS`) or fix the address"
            ) from None
        with client:
            yield _DaskExecutor(client)
        return
    with (
        LocalCluster(
            n_workers=spec.workers, threads_per_worker=1, processes=True, dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        yield _DaskExecutor(client)
