"""Run every benchmark and print medians against the targets: ``python -m benchmarks``."""

from __future__ import annotations

import subprocess
import sys

from rich.console import Console
from rich.table import Table

from benchmarks import bench_estimator, bench_pipeline
from benchmarks._harness import REPO, Result


def _memory() -> Result:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_memory"],
        cwd=REPO, check=True, capture_output=True, text=True,
    )  # fmt: skip
    peak_mb = float(out.stdout.strip().splitlines()[-1])
    # reported in "seconds" columns as MB / 1000 so the ratio reads the same way
    return Result(
        "peak RSS of a one-year map process (MB)", peak_mb / 1000, 0.5, f"{peak_mb:.0f} MB"
    )


def main() -> None:
    results = [*bench_estimator.run(), *bench_pipeline.run(), _memory()]
    table = Table(title="liqmap benchmarks (median; one process, this machine)")
    for col in ("benchmark", "median", "target", "ratio", "ok", "detail"):
        table.add_column(col)
    for r in results:
        mem = "MB" in r.name
        fmt = (lambda x: f"{x * 1000:.0f} MB") if mem else _fmt_time
        table.add_row(
            r.name,
            fmt(r.median_s),
            fmt(r.target_s),
            f"{r.ratio:.2f}",
            "yes" if r.ok else "NO",
            r.detail,
        )
    Console().print(table)
    sys.exit(0 if all(r.ok for r in results) else 1)


def _fmt_time(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


if __name__ == "__main__":
    main()
