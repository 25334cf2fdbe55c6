"""Run the benchmarks and print medians against the targets.

``python -m benchmarks`` runs them all; ``python -m benchmarks estimator store`` a selection.
Suites: estimator, pipeline, memory, store, backtest, recorder, cascade, cli, web, scan, batch.

A suite that cannot run here (a missing tool such as wrk, or missing ../shared/data) is skipped
with a note; every other suite's table still prints. The exit code is 1 only when a target is
missed (the failing benchmarks are named), else 0.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from benchmarks._harness import REPO, Result, SuiteSkippedError


def _memory() -> list[Result]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_memory"],
        cwd=REPO, check=True, capture_output=True, text=True,
    )  # fmt: skip
    peak_mb = float(out.stdout.strip().splitlines()[-1])
    return [Result("peak RSS of a one-year map process", peak_mb / 1000, 0.5, "", unit="MB")]


def _suite(name: str) -> Callable[[], list[Result]]:
    if name == "memory":
        return _memory
    run: Callable[[], list[Result]] = importlib.import_module(f"benchmarks.bench_{name}").run
    return run


SUITES = (
    "estimator", "pipeline", "memory", "store", "backtest", "recorder", "cascade", "cli", "web",
    "scan", "batch",
)  # fmt: skip


def main(argv: list[str]) -> None:
    names = argv or list(SUITES)
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        raise SystemExit(f"unknown suite(s) {unknown}; choose from {', '.join(SUITES)}")
    results: list[Result] = []
    skipped: list[str] = []
    for name in names:
        try:
            results.extend(_suite(name)())
        except SuiteSkippedError as exc:
            skipped.append(f"{name}: skipped ({exc})")
    table = Table(title="liqmap benchmarks (median; this machine)")
    for col in ("benchmark", "median", "target", "ratio", "ok", "detail"):
        table.add_column(col)
    for r in results:
        table.add_row(
            r.name, _fmt(r.median_s, r.unit), _fmt(r.target_s, r.unit), f"{r.ratio:.2f}",
            "yes" if r.ok else "NO", r.detail,
        )  # fmt: skip
    console = Console()
    console.print(table)
    for note in skipped:
        console.print(f"[yellow]{note}[/]")
    failed = [r.name for r in results if not r.ok]
    if failed:
        console.print(f"[red]targets missed:[/] {'; '.join(failed)}")
    sys.exit(1 if failed else 0)


def _fmt(x: float, unit: str) -> str:
    if unit == "MB":
        return f"{x * 1000:.0f} MB"
    if unit == "x":
        return f"{x:.2f}x"
    if unit == "core":
        return f"{x:.2f} core"
    if x < 1e-3:
        return f"{x * 1e6:.0f} µs"
    if x < 1:
        return f"{x * 1e3:.1f} ms"
    return f"{x:.2f} s"


if __name__ == "__main__":
    main(sys.argv[1:])
