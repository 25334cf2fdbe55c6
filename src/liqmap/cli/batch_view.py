"""What ``liqmap batch`` shows: a live progress line per task state, then a summary table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from liqmap.cli import console
from liqmap.jobs import BatchReport

__all__ = ["live_progress", "summary_table"]

_STATES = ("queued", "running", "done", "skipped", "failed")
_FINAL: tuple[Literal["done", "skipped", "failed"], ...] = ("done", "skipped", "failed")
_STYLE = {"done": "green", "skipped": "cyan", "failed": "red", "running": "yellow", "queued": "dim"}


@contextmanager
def live_progress(total: int, label: str) -> Iterator[Callable[[dict[str, int]], None]]:
    """A rich progress bar on stderr; yields the callback :func:`liqmap.jobs.run_batch` calls."""
    columns = (
        TextColumn(f"[bold]{label}[/]"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[states]}"), TimeElapsedColumn(),
    )  # fmt: skip
    with Progress(*columns, console=console.err(), transient=False) as bar:
        tid = bar.add_task(label, total=total, states="")

        def update(counts: dict[str, int]) -> None:
            text = "  ".join(
                f"[{_STYLE[s]}]{s} {counts.get(s, 0)}[/]" for s in _STATES if counts.get(s, 0)
            )
            finished = sum(counts.get(s, 0) for s in ("done", "skipped", "failed"))
            bar.update(tid, completed=finished, states=text)

        yield update


def summary_table(report: BatchReport, limit: int = 40) -> Table:
    """One row per state (tasks, seconds inside them), then each failed task with its reason
    (at most ``limit``; the JSON report has them all)."""
    t = Table(
        title=f"batch: {report.scheduler}, {report.wall_s:.1f} s wall, results in {report.root}"
    )
    for col in ("tasks", "state", "seconds", "rows", "reason"):
        t.add_column(col, overflow="fold")
    for state in _FINAL:
        recs = [r for r in report.records if r.state == state]
        secs = sum(r.seconds for r in recs)
        t.add_row(str(len(recs)), f"[{_STYLE[state]}]{state}[/]", f"{secs:.2f}", str(sum(r.rows for r in recs)), "")  # fmt: skip
    failed = [r for r in report.records if r.state == "failed"]
    for r in failed[:limit]:
        t.add_row(r.task_id, "[red]failed[/]", f"{r.seconds:.2f}", str(r.rows), r.reason)
    if len(failed) > limit:
        t.add_row(f"... {len(failed) - limit} more failed", "", "", "", "see the JSON report")
    counts = ", ".join(f"{s} {report.count(s)}" for s in _FINAL)
    t.caption = f"{len(report.records)} tasks: {counts}; {report.task_seconds:.1f} s inside tasks"
    return t
