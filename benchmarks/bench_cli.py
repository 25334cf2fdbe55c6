"""Whole-process CLI benchmarks (issue 10): start-up included, paired against the previous release.

Each command runs as a fresh ``python -m liqmap`` process, alternating this tree and the previous
release (``LIQMAP_BENCH_BASELINE``, default ``41f3fb5`` = main before issue 10's work, extracted with
``git archive`` into a temp folder and run with the same interpreter and installed packages), after
one untimed warm-up run of each. Medians of ``REPEAT`` pairs; the detail column gives the previous
release's median and the speed-up. The TypeScript peer of the issue cannot be built here (no
network to fetch it): its figures are quoted from the issue in ``docs/performance.md``.

Both trees are byte-compiled first (``compileall``), as ``pip install`` leaves a package: with
``PYTHONDONTWRITEBYTECODE`` set (as in this project's shells) every run would otherwise compile
liqmap from source, ~0.1 s that no installed user pays.

Inputs: the shared 30-day 1m BTCUSDT bars, and one year of 1m bars built from the shared 5m bars
(:func:`benchmarks.data.btc_1m_from_5m`) written once as Parquet.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks._harness import BENCH_ENV, REPO, Result, SuiteSkippedError, require_shared

REPEAT = int(BENCH_ENV.get("LIQMAP_BENCH_REPEAT", "5"))
BASELINE = BENCH_ENV.get("LIQMAP_BENCH_BASELINE", "41f3fb5")
BARS_30D = "bars/binance-um-1m-BTCUSDT-2025-05-25_2025-06-24.csv.gz"


@dataclass(frozen=True)
class Run:
    """One process: wall time (s), peak RSS (MB), exit code, user+sys CPU time (s)."""

    seconds: float
    peak_mb: float
    code: int
    cpu: float = 0.0


def run_once(src: Path, args: list[str], env: dict[str, str] | None = None) -> Run:
    """``python -m liqmap ARGS`` with ``src`` first on the path; wall time and peak RSS."""
    full = {**os.environ, **(env or {}), "PYTHONPATH": str(src), "COLUMNS": "100"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "liqmap", *args], env=full, cwd=src.parent,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}) under {src}:\n{err}")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, usage.ru_maxrss / 1024, proc.returncode, cpu)


def baseline_src(work: Path) -> Path:
    """The previous release's ``src`` folder (``git archive`` of ``BASELINE``)."""
    out = work / f"liqmap-{BASELINE}"
    out.mkdir(parents=True, exist_ok=True)
    try:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", BASELINE, "src"], check=True, capture_output=True
        ).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SuiteSkippedError(
            f"cannot extract the previous release {BASELINE} with git: {exc}"
        ) from None
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out / "src"


def year_file(work: Path) -> Path:
    """One year of 1m bars (from the shared 5m bars) as Parquet, written once."""
    from benchmarks.data import btc_1m_from_5m
    from liqmap.io.files import save_candles

    path = work / "btc-1m-1y.parquet"
    if not path.exists():
        save_candles(btc_1m_from_5m(525_600), path)
    return path


def paired(name: str, args: list[str], new: Path, old: Path) -> list[Run]:
    """Alternate new/old runs; returns the new runs and records the old median in the detail."""
    run_once(new, args)
    run_once(old, args)
    mine, prev = [], []
    for _ in range(REPEAT):
        mine.append(run_once(new, args))
        prev.append(run_once(old, args))
    _PREV[name] = statistics.median(r.seconds for r in prev)
    _CPU[name] = (statistics.median(r.cpu for r in mine), statistics.median(r.cpu for r in prev))
    return mine


_PREV: dict[str, float] = {}
_CPU: dict[str, tuple[float, float]] = {}


def _result(name: str, target: float, runs: list[Run], cmd: list[str]) -> Result:
    med = statistics.median(r.seconds for r in runs)
    prev = _PREV.get(name)
    vs = f"previous release {prev:.2f} s ({prev / med:.1f}x faster); " if prev else ""
    cpu = _CPU.get(name)
    used = f"user+sys CPU {cpu[0]:.2f} s (previous {cpu[1]:.2f} s); " if cpu else ""
    load = f"load average {os.getloadavg()[0]:.1f}; "
    return Result(name, med, target, f"{vs}{used}{load}liqmap {' '.join(cmd)}")


def compile_tree(src: Path) -> None:
    """Byte-compile ``src`` (what an install does), so no timed run compiles from source."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(src)], check=True, stdout=subprocess.DEVNULL
    )  # fmt: skip


def run() -> list[Result]:
    shared = require_shared()
    work = Path(tempfile.mkdtemp(prefix="liqmap-bench-cli-"))
    new, old = REPO / "src", baseline_src(work)
    compile_tree(new)
    compile_tree(old)
    bars, year = str(shared / BARS_30D), str(year_file(work))
    out = str(work / "out.json")
    cases = [
        ("liqmap --help", 0.15, ["--help"]),
        ("liqmap liqprice (binance long 10x)", 0.25,
         ["liqprice", "--exchange", "binance", "--side", "long", "--entry", "60000",
          "--leverage", "10", "--notional", "10000"]),
        ("30-day 1m heatmap -> JSON (2,000 bins x 720 columns)", 0.28,
         ["heatmap", "BTCUSDT", "--source", bars, "--window", "30d", "--bins", "2000",
          "--columns", "720", "--out", out]),
        ("30-day 1m map -> JSON (2,000 bins)", 0.30,
         ["map", "BTCUSDT", "--source", bars, "--window", "30d", "--bins", "2000", "--out", out]),
    ]  # fmt: skip
    results = [_result(n, t, paired(n, a, new, old), a) for n, t, a in cases]
    results += _year(new, old, year, out)
    results.append(_first_run(new, old, bars, out, work))
    return results


def _year(new: Path, old: Path, year: str, out: str) -> list[Result]:
    name = "1-year 1m heatmap -> JSON (2,000 bins x 720 columns)"
    args = ["heatmap", "BTCUSDT", "--source", year, "--window", "365d", "--bins", "2000",
            "--columns", "720", "--out", out]  # fmt: skip
    runs = paired(name, args, new, old)
    peak = statistics.median(r.peak_mb for r in runs)
    rss = Result(
        "peak RSS of the 1-year heatmap process", peak / 1000, 0.45, "ru_maxrss", unit="MB"
    )
    return [_result(name, 0.6, runs, ["heatmap", "...1y.parquet", *args[3:]]), rss]


def _first_run(new: Path, old: Path, bars: str, out: str, work: Path) -> Result:
    """First run in a fresh numba cache (what follows ``make demo``) against a warm run."""
    args = ["heatmap", "BTCUSDT", "--source", bars, "--window", "30d", "--bins", "2000",
            "--columns", "720", "--out", out]  # fmt: skip
    ratios, old_ratios = [], []
    for i in range(3):
        for src, acc in ((new, ratios), (old, old_ratios)):
            env = {"NUMBA_CACHE_DIR": str(work / f"numba-{src.parent.name}-{i}")}
            first = run_once(src, args, env).seconds
            warm = run_once(src, args, env).seconds
            acc.append(first / warm)
    med, prev = statistics.median(ratios), statistics.median(old_ratios)
    return Result(
        "first run / warm run (fresh numba cache, 30-day heatmap)", med, 1.5,
        f"previous release {prev:.1f}x", unit="x",
    )  # fmt: skip


if __name__ == "__main__":
    for r in run():
        print(f"{r.name}: {r.median_s:.3f} (target {r.target_s}) {r.detail}")
