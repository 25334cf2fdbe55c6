"""Issue 4 store targets: importing 10 million aggTrades rows from archive zips (< 30 s) and
reading 30 days of 1m candles with open interest for the estimator (< 50 ms).

The trades are synthetic but follow a real price path: every real BTCUSDT 1m bar (2025-05-25 ..
06-24, ../shared/data) gets ~231 trades that open at its open, close at its close and stay
inside its high/low; they are written as data.binance.vision daily aggTrades zips (header row,
7 columns) in a temporary folder. Generation is not timed; each timed import starts from an
empty store. Run alone with ``python -m benchmarks.bench_store``.
"""

from __future__ import annotations

import io
import shutil
import statistics
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from benchmarks._harness import Result, measure
from benchmarks.data import btc_1m_30d
from liqmap.domain.market import Candles, OpenInterest
from liqmap.store import Store
from liqmap.store.importer import import_path

DAY = 86_400_000
MINUTE = 60_000
N_TRADES = 10_000_000


def _trades(bars: Candles, n: int, seed: int = 0) -> pl.DataFrame:
    """``n`` trades along the bars: first at the open, last at the close, inside high/low."""
    rng = np.random.default_rng(seed)
    per = np.full(len(bars), n // len(bars))
    per[: n - per.sum()] += 1
    bar = np.repeat(np.arange(len(bars)), per)
    start = np.concatenate(([0], np.cumsum(per)[:-1]))
    price = bars.low[bar] + rng.uniform(size=n) * (bars.high[bar] - bars.low[bar])
    price[start] = bars.open
    price[start + per - 1] = bars.close
    # times inside each trade's own minute, sorted (the bars stay in order: bar * MINUTE dominates)
    ts = np.sort(bars.ts_ms[bar] + rng.integers(0, MINUTE, n))
    ids = 1_000_000_000 + np.arange(n, dtype=np.int64)
    return pl.DataFrame(
        {
            "agg_trade_id": ids,
            "price": np.round(price, 1),
            "quantity": np.round(rng.exponential(0.05, n) + 0.001, 3),
            "first_trade_id": 3 * ids,
            "last_trade_id": 3 * ids + 2,
            "transact_time": ts,
            "is_buyer_maker": rng.uniform(size=n) < 0.5,
        }
    )


def write_archive_zips(folder: Path, bars: Candles, n: int = N_TRADES) -> list[Path]:
    """Daily ``BTCUSDT-aggTrades-YYYY-MM-DD.zip`` files holding ``n`` trades along ``bars``."""
    trades = _trades(bars, n)
    day = trades["transact_time"] // DAY
    paths = []
    for d in day.unique().sort().to_list():
        name = datetime.fromtimestamp(d * DAY / 1000, tz=UTC).strftime("BTCUSDT-aggTrades-%Y-%m-%d")
        buf = io.BytesIO()
        trades.filter(day == d).write_csv(buf)
        path = folder / f"{name}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            z.writestr(f"{name}.csv", buf.getvalue())
        paths.append(path)
    return paths


def _import_once(zips: Path, work: Path, cpu: list[float]) -> int:
    db = work / f"import-{datetime.now(tz=UTC).timestamp()}.duckdb"
    c0 = time.process_time()
    try:
        with Store.open(db) as store:
            results = import_path(store, zips, venue="binance", symbol="BTCUSDT")
        cpu.append(time.process_time() - c0)
        rows = sum(r.report.rows_read for r in results)
        if rows != N_TRADES:
            raise SystemExit(f"imported {rows:,} trades, expected {N_TRADES:,}")
        return rows
    finally:
        db.unlink(missing_ok=True)
        Path(str(db) + ".wal").unlink(missing_ok=True)


def _read_store(work: Path, bars: Candles) -> Store:
    store = Store.open(work / "read.duckdb")
    store.write_candles("binance", "BTCUSDT", bars)
    oi_ts = bars.ts_ms[bars.ts_ms % (5 * MINUTE) == 0]
    oi_usd = 8e9 + 1e9 * np.sin(np.arange(len(oi_ts)) / 500)
    store.write_open_interest("binance", "BTCUSDT", OpenInterest(oi_ts, oi_usd))
    return store


def run() -> list[Result]:
    bars = btc_1m_30d()
    work = Path(tempfile.mkdtemp(prefix="liqmap-bench-store-"))
    try:
        zips = work / "zips"
        zips.mkdir()
        files = write_archive_zips(zips, bars)
        size = sum(p.stat().st_size for p in files)
        cpu: list[float] = []
        imported = measure(lambda: _import_once(zips, work, cpu), repeat=3, warmup=0)
        end = int(bars.ts_ms[-1]) + MINUTE
        with _read_store(work, bars) as store:

            def read() -> tuple[Candles, OpenInterest | None]:
                start = end - 30 * DAY
                c = store.read_candles(
                    "binance", "BTCUSDT", interval_ms=MINUTE, start_ms=start, end_ms=end
                )
                return c, store.read_open_interest("binance", "BTCUSDT", start, end)

            c, oi = read()
            assert len(c) == len(bars) and oi is not None
            reading = measure(read, repeat=51)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return [
        Result(
            f"import {N_TRADES:,} aggTrades rows from {len(files)} archive zips",
            imported,
            30.0,
            f"{size / 1e6:.0f} MB of zips, {N_TRADES / imported / 1e6:.2f} M rows/s, "
            f"CPU {statistics.median(cpu):.1f} s",
        ),
        Result(
            f"read 30d of 1m candles ({len(c):,}) + OI ({len(oi):,}) from the store",
            reading,
            0.050,
        ),
    ]


if __name__ == "__main__":
    for r in run():
        print(f"{r.name}: median {r.median_s:.3f} s (target {r.target_s} s) {r.detail}")
