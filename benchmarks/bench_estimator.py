"""Issue 3 targets: map, heatmap, one-year map, live update."""

from __future__ import annotations

import numpy as np

from benchmarks._harness import Result, measure
from benchmarks.data import btc_1m_30d, btc_1m_from_5m, btc_table
from liqmap.core.live_map import LiveMap
from liqmap.core.maps import estimate_heatmap, estimate_map

DAY = 86_400_000


def run() -> list[Result]:
    bars, table = btc_1m_30d(), btc_table()
    out = [
        Result(
            "map: 30d of 1m bars (43,198), 6 cells, 2,000 bins",
            measure(lambda: estimate_map(bars, window_ms=30 * DAY, table=table, bins=2000)),
            0.050,
        ),
        *_spread_costs(bars, table),
        Result(
            "heatmap: same bars, 2,000 bins x 720 columns",
            measure(
                lambda: estimate_heatmap(
                    bars, window_ms=30 * DAY, table=table, bins=2000, columns=720, warmup_ms=0
                ),
                repeat=5,
            ),
            0.300,
        ),
    ]
    year = btc_1m_from_5m(525_600)
    out.append(
        Result(
            f"map: one year of 1m bars ({len(year):,}), 2,000 bins",
            measure(
                lambda: estimate_map(year, window_ms=366 * DAY, table=table, bins=2000), repeat=5
            ),
            0.500,
        )
    )
    out.append(_live(bars, table))
    return out


def _spread_costs(bars, table) -> list[Result]:  # type: ignore[no-untyped-def]
    """The cost of the cells' spans (docs/model.md 2.11): the same map at cell_spread 0 and 1."""
    from liqmap.model_config import EstimatorParams

    out = []
    for k in (0.0, 1.0):
        p = EstimatorParams(cell_spread=k)
        for bins in (400, 2000):
            out.append(
                Result(
                    f"map: 30d of 1m bars, {bins:,} bins, cell_spread {k:g}",
                    measure(
                        lambda p=p, bins=bins: estimate_map(
                            bars, window_ms=30 * DAY, table=table, bins=bins, params=p
                        )
                    ),
                    0.050,
                )
            )
    return out


def _live(bars, table) -> Result:  # type: ignore[no-untyped-def]
    import time

    lm = LiveMap("BTCUSDT", interval_ms=60_000, price=float(bars.close[0]), table=table, bins=2000)
    o, h, lo, c, v = bars.open, bars.high, bars.low, bars.close, bars.volume
    ts = bars.ts_ms
    for i in range(1_000):
        lm.update(int(ts[i]), o[i], h[i], lo[i], c[i], v[i])
    times = []
    for i in range(1_000, 21_000):
        t0 = time.perf_counter()
        lm.update(int(ts[i]), o[i], h[i], lo[i], c[i], v[i])
        times.append(time.perf_counter() - t0)
    med = float(np.median(times))
    p99 = float(np.percentile(times, 99))
    return Result("live map: update by one 1m bar", med, 100e-6, f"p99 {p99 * 1e6:.0f} µs")
