"""Issue 11 target: ``liqmap scan`` over 50 symbols of stored 5m data, 7d window: < 10 s.

The store is built (not timed) in a temporary ``LIQMAP_HOME`` from the real Binance USD-M 5m bars
of BTC, ETH and SOL (../shared/data, 2024-12-31 .. 2026-02-19, the last 30 days of each): 50 real
symbol names of the latest bracket snapshot get **scaled copies** of those paths (symbol k uses
coin k mod 3, its prices multiplied by a fixed factor 10^u, u in [-4, 1], volume divided by the
same factor so the traded USD is the real one). Each symbol then maps with its own dated
Binance brackets. Timed: the in-process scan (:func:`liqmap.scan.run_scan`, 4 workers) and the
whole ``liqmap scan --json`` process (start-up included). Run alone: ``python -m benchmarks scan``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks._harness import REPO, Result, measure, require_shared
from liqmap.domain.market import Candles
from liqmap.io.bracket_snapshots import snapshot_symbols
from liqmap.io.files import load_candles

N_SYMBOLS = 50
DAY = 86_400_000
FILES = {
    c: f"bars/binance-um-5m-{c}USDT-2024-12-31_2026-02-19.csv.gz" for c in ("BTC", "ETH", "SOL")
}


def _symbols() -> list[str]:
    perps = sorted(i.symbol for i in snapshot_symbols() if i.listed_last and i.symbol.isascii()
                   and i.symbol.endswith("USDT") and "_" not in i.symbol)  # fmt: skip
    keep = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
    rest = [s for s in perps if s not in keep]
    step = max(1, len(rest) // (N_SYMBOLS - len(keep)))
    return keep + rest[::step][: N_SYMBOLS - len(keep)]


def build_store(home: Path) -> list[str]:
    """50 symbols x 30 days of 5m bars in ``home``'s store; returns the symbols."""
    from liqmap.settings import Settings
    from liqmap.store import Store

    shared = require_shared()
    base = {c: load_candles(shared / f, symbol=f"{c}USDT") for c, f in FILES.items()}
    rng = np.random.default_rng(11)
    names = _symbols()
    with Store.open(settings=replace(Settings.from_env(), home=home)) as store:
        for k, sym in enumerate(names):
            src = base[("BTC", "ETH", "SOL")[k % 3]]
            keep = src.ts_ms >= src.ts_ms[-1] - 30 * DAY
            f = 1.0 if k < 3 else float(10 ** rng.uniform(-4, 1))
            bars = Candles(sym, src.interval_ms, src.ts_ms[keep], src.open[keep] * f,
                           src.high[keep] * f, src.low[keep] * f, src.close[keep] * f,
                           src.volume[keep] / f, src.taker_buy_volume[keep] / f, "bench")  # fmt: skip
            store.write_candles("binance", sym, bars)
    return names


def run() -> list[Result]:
    home = Path(tempfile.mkdtemp(prefix="liqmap-bench-scan-"))
    old = os.environ.get("LIQMAP_HOME")
    os.environ["LIQMAP_HOME"] = str(home)
    try:
        names = build_store(home)
        from liqmap.scan import ScanRequest, run_scan

        req = ScanRequest(tuple(names), window="7d", interval_ms=300_000, concurrency=4)
        result = run_scan(req)
        if result.failures:
            raise SystemExit(f"scan failures: {[(r.symbol, r.error) for r in result.failures][:3]}")
        inproc = measure(lambda: run_scan(req), repeat=3, warmup=0)
        cmd = [sys.executable, "-m", "liqmap", "scan", "--source", "store", "--window", "7d",
               "--interval", "5m", "--json"]  # fmt: skip
        env = {**os.environ, "LIQMAP_HOME": str(home)}

        def whole() -> None:
            out = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=True)
            doc = json.loads(out.stdout)
            if doc["symbols"] != N_SYMBOLS or doc["failed"]:
                raise SystemExit(f"CLI scan: {doc['symbols']} symbols, {doc['failed']} failed")

        cli = measure(whole, repeat=3, warmup=0)
    finally:
        if old is None:
            os.environ.pop("LIQMAP_HOME", None)
        else:
            os.environ["LIQMAP_HOME"] = old
        shutil.rmtree(home, ignore_errors=True)
    top = result.rows[0]
    detail = f"top {top.symbol} score {top.score:.3g}; {len(names)} symbols, 4 workers"
    return [
        Result(
            f"scan {N_SYMBOLS} symbols, 7d of stored 5m bars (in-process)", inproc, 10.0, detail
        ),
        Result(f"`liqmap scan --json` {N_SYMBOLS} symbols (whole process)", cli, 10.0),
    ]


if __name__ == "__main__":
    for r in run():
        print(f"{r.name}: median {r.median_s:.2f} s (target < {r.target_s:g} s) {r.detail}")
