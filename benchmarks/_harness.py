"""A tiny benchmark harness: medians over repeats, compared with each target."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: The benchmarks' own knobs (``LIQMAP_BENCH_REPEAT``, ``LIQMAP_BENCH_BASELINE``), taken out of the
#: environment at import: they are not liqmap settings, and ``Settings.from_env`` (in process and in
#: every CLI child) refuses unknown ``LIQMAP_`` variables.
BENCH_ENV = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("LIQMAP_BENCH_")}
SHARED = REPO.parent / "shared" / "data"


class SuiteSkippedError(Exception):
    """A suite cannot run here (a missing tool or input); the message says what to install."""


@dataclass(frozen=True)
class Result:
    name: str
    median_s: float
    target_s: float
    detail: str = ""
    unit: str = "s"  # "s" (a time), "MB" (memory, value/1000), "core" (CPU share), "x" (a ratio)

    @property
    def ratio(self) -> float:
        return self.median_s / self.target_s

    @property
    def ok(self) -> bool:
        return self.median_s < self.target_s


def measure(fn: Callable[[], object], *, repeat: int = 7, warmup: int = 1) -> float:
    """Median wall time of ``fn`` in seconds (after ``warmup`` untimed calls)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def require_shared() -> Path:
    if not SHARED.is_dir():
        raise SuiteSkippedError(f"benchmarks read real price paths from {SHARED}; it is absent")
    return SHARED
