"""Peak memory of a one-year map, measured in a fresh process (``python -m benchmarks.bench_memory``)."""

from __future__ import annotations

import resource
import sys


def main() -> None:
    from benchmarks.data import btc_1m_from_5m, btc_table
    from liqmap.core.maps import estimate_map

    table = btc_table()
    year = btc_1m_from_5m(525_600)
    estimate_map(year, window_ms=366 * 86_400_000, table=table, bins=2000)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stdout.write(f"{peak_mb:.1f}\n")


if __name__ == "__main__":
    main()
