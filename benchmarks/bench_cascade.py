"""Issue 7 and 12 targets: a cascade on a 2,000-bin map (< 10 ms) with the impact law and with a
real depth profile, the outcome distribution of 200 draws (< 200 ms), and ``plan`` end to end,
map included, from the shared 1m bars file (< 200 ms).

Run alone: ``python -m benchmarks.bench_cascade`` (prints the table), or through ``python -m
benchmarks`` once the lead adds it to ``benchmarks/__main__.py``.
"""

from __future__ import annotations

from benchmarks._harness import Result, measure, require_shared
from benchmarks.data import btc_1m_30d, btc_table
from liqmap import api
from liqmap.core.cascade import simulate_cascade
from liqmap.core.cascade_dist import OutcomeConfig, simulate_outcomes
from liqmap.core.depth_models import builtin_depth
from liqmap.core.impact import impact_from_bars
from liqmap.core.maps import estimate_map
from liqmap.core.plan import make_plan
from liqmap.io.orderbook import load_depth

DAY = 86_400_000
BARS = "binance-um-1m-BTCUSDT-2025-05-25_2025-06-24.csv.gz"


def run() -> list[Result]:
    shared = require_shared()
    table = btc_table()
    m = estimate_map(btc_1m_30d(), window_ms=30 * DAY, table=table, bins=2000)
    depth = load_depth(shared / "orderbook" / "usdm_btcusdt_20240808.txt.gz")
    out = []
    bars = btc_1m_30d()
    law = impact_from_bars(bars, m.as_of_ms)
    for shock in (-3.0, -10.0, 5.0):
        r = simulate_cascade(m, law, shock_pct=shock)
        out.append(
            Result(
                f"cascade {shock:+g}% on a 2,000-bin map, impact law",
                measure(lambda s=shock: simulate_cascade(m, law, shock_pct=s), repeat=51),
                0.010,
                f"{r.n_steps} rounds, {r.stop_reason}",
            )
        )
    cfg = OutcomeConfig(n_draws=200)
    out.append(
        Result(
            "outcome distribution, 200 draws, -3% on the 2,000-bin map",
            measure(lambda: simulate_outcomes(m, law, shock_pct=-3.0, outcomes=cfg), repeat=11),
            0.200,
        )
    )
    for shock in (-2.0, -8.0, 5.0):
        r = simulate_cascade(m, depth, shock_pct=shock)
        out.append(
            Result(
                f"cascade {shock:+g}% on a 2,000-bin map, real BTC book",
                measure(lambda s=shock: simulate_cascade(m, depth, shock_pct=s), repeat=51),
                0.010,
                f"{r.n_steps} rounds, {r.stop_reason}",
            )
        )
    path = shared / "bars" / BARS
    model = builtin_depth("btc")

    def plan_end_to_end() -> object:
        data = api.load_market("BTCUSDT", str(path))
        mp = api.estimate_map(data, window="24h", brackets=table)
        imp = impact_from_bars(data.candles, mp.as_of_ms)
        return make_plan(mp, data.candles, side="long", size_usd=5e6, depth=model, impact=imp)

    out.append(
        Result(
            "plan end to end: load 43,198 1m bars + 24h map + plan",
            measure(plan_end_to_end, repeat=7),
            0.200,
        )
    )
    return out


if __name__ == "__main__":
    for res in run():
        ok = "ok" if res.ok else "SLOW"
        print(
            f"{res.name:60s} {res.median_s * 1e3:8.2f} ms  target {res.target_s * 1e3:6.0f} ms  {ok}  {res.detail}"
        )
