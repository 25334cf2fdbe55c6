"""Count tracebacks over fuzzed inputs of the file path (issue 13 target: 0 over >= 2,000).

``python -m benchmarks.fuzz_count [N]`` draws N (default 2,200) inputs from the strategy of
``tests/fuzz/test_fuzz_pipeline.py`` (bars + OI files with hostile values), runs loaders ->
estimator -> JSON on each and prints how many gave a map, were rejected with a liqmap error,
or raised anything else (a traceback), with the first few tracebacks.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fuzz"))
from test_fuzz_pipeline import bars_file, run_one


def main(n: int) -> int:
    counts: Counter[str] = Counter()
    shown: list[str] = []

    @settings(
        max_examples=n, deadline=None, database=None, derandomize=False,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(bars_file())
    def one(case: tuple[str, str | None]) -> None:
        with tempfile.TemporaryDirectory() as d:
            try:
                counts[run_one(*case, Path(d))] += 1
            except Exception:
                counts["traceback"] += 1
                if len(shown) < 3:
                    shown.append(traceback.format_exc(limit=3))

    one()
    total = sum(counts.values())
    print(f"{total} inputs: {counts['ok']} maps, {counts['rejected']} rejected with a clear "
          f"error, {counts['traceback']} tracebacks")  # fmt: skip
    for t in shown:
        print(t)
    return 1 if counts["traceback"] else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2200))
