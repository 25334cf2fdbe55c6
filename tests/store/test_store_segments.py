"""Recorder segments: atomic Parquet parts, read together with the table (de-duplicated) while
another process appends, and folded into the table by compaction."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from numpy.typing import NDArray

from liqmap.domain.enums import Venue
from liqmap.domain.market import LiquidationEvents
from liqmap.errors import ParameterError
from liqmap.io.files import load_liquidations
from liqmap.store import Store, append_segment
from liqmap.store.segments import remove_stale_temp, segment_files

REPO = Path(__file__).resolve().parents[2]
TAPE = "binance-btc-forceorder-2026-01-27_2026-02-16.csv.gz"


@pytest.fixture(scope="module")
def tape(shared_data: Path) -> LiquidationEvents:
    return load_liquidations(shared_data / "liquidations" / TAPE)


def _cols(ev: LiquidationEvents, s: slice, raw: bool = False) -> dict[str, NDArray[Any]]:
    cols = {
        "ts_ms": ev.ts_ms[s],
        "side": ev.side[s],
        "price": ev.price[s],
        "qty": ev.qty[s],
        "notional_usd": ev.notional_usd[s],
    }
    if raw:
        cols["raw"] = np.array([f'{{"p":"{p}"}}' for p in ev.price[s]], dtype=object)
    return cols


def test_segment_layout_and_content(tmp_path: Path, tape: LiquidationEvents) -> None:
    p = append_segment(
        tmp_path, Venue.BINANCE, "BTCUSDT", "liquidations", _cols(tape, slice(0, 50), raw=True)
    )
    day = time.strftime("%Y%m%d", time.gmtime(int(tape.ts_ms[0]) / 1000))
    assert p.parent == tmp_path / "segments" / "liquidations" / "binance" / "BTCUSDT" / day
    assert p.name.startswith(f"part-{int(tape.ts_ms[0])}-") and p.suffix == ".parquet"
    frame = pl.read_parquet(p)
    assert frame.columns == ["ts_ms", "side", "price", "qty", "notional_usd", "raw"]
    assert frame["side"].dtype == pl.Int8 and frame["raw"][0].startswith('{"p":')
    q = append_segment(tmp_path, "binance", "BTCUSDT", "liquidations", _cols(tape, slice(50, 60)))
    assert q != p and pl.read_parquet(q)["raw"].null_count() == 10
    assert [f.name for f in tmp_path.rglob("*") if f.name.endswith(".tmp")] == []
    assert segment_files(tmp_path, "liquidations", "binance", "BTCUSDT") == sorted([p, q])


@pytest.mark.parametrize(
    ("cols", "match"),
    [
        ({"ts_ms": np.array([1])}, "needs the columns"),
        ({"price": np.array([1.0])}, "ts_ms"),
        (
            {
                "ts_ms": np.array([1, 2]),
                "side": np.array([1], np.int8),
                "price": np.ones(2),
                "qty": np.ones(2),
                "notional_usd": np.ones(2),
            },
            "differ in length",
        ),
        (
            {
                "ts_ms": np.array([], np.int64),
                "side": np.array([], np.int8),
                "price": np.ones(0),
                "qty": np.ones(0),
                "notional_usd": np.ones(0),
            },
            "at least one row",
        ),
    ],
)
def test_bad_segments_are_refused(
    tmp_path: Path, cols: dict[str, NDArray[Any]], match: str
) -> None:
    with pytest.raises(ParameterError, match=match):
        append_segment(tmp_path, "binance", "BTCUSDT", "liquidations", cols)
    with pytest.raises(ParameterError, match="folder"):
        append_segment(tmp_path, "binance", "../etc", "trades", {"ts_ms": np.array([1])})


def test_reads_union_table_and_segments_without_duplicates(
    tmp_path: Path, tape: LiquidationEvents
) -> None:
    n = len(tape)
    with Store.open(tmp_path / "liqmap.duckdb") as store:
        store.write_liquidations("binance", "BTCUSDT", tape.between(0, int(tape.ts_ms[n // 2])))
        # the recorder saw an overlapping stretch, then went on
        for a in range(n // 2 - 500, n, 2000):
            append_segment(
                tmp_path, "binance", "BTCUSDT", "liquidations", _cols(tape, slice(a, a + 2000))
            )
        got = store.read_liquidations("binance", "BTCUSDT")
        assert len(got) == n
        np.testing.assert_array_equal(np.sort(got.ts_ms), tape.ts_ms)
        t1, t2 = int(tape.ts_ms[n // 3]), int(tape.ts_ms[2 * n // 3])
        assert len(store.read_liquidations("binance", "BTCUSDT", t1, t2)) == len(
            tape.between(t1, t2)
        )
        (info,) = store.info()
        assert (info.kind, info.rows, info.last_ms) == ("liquidations", n, int(tape.ts_ms[-1]))
        assert store.missing_ranges("binance", "BTCUSDT", "liquidations", t1, t1 + 1, 1000) == []

        files, new = store.compact_segments()
        assert files == len(range(n // 2 - 500, n, 2000)) and new == n - len(
            tape.between(0, int(tape.ts_ms[n // 2]))
        )
        assert segment_files(tmp_path, "liquidations", "binance", "BTCUSDT") == []
        assert len(store.read_liquidations("binance", "BTCUSDT")) == n
        assert store.compact_segments() == (0, 0)


def test_stale_temp_files_are_removed(tmp_path: Path) -> None:
    day = tmp_path / "segments" / "liquidations" / "binance" / "BTCUSDT" / "20260205"
    day.mkdir(parents=True)
    stale, fresh = day / ".part-1-2.000001.parquet.ab.tmp", day / ".part-3-4.000001.parquet.cd.tmp"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    assert remove_stale_temp(tmp_path, "liquidations") == 1
    assert not stale.exists() and fresh.exists()


def test_reader_sees_a_writer_process_appending(tmp_path: Path, tape: LiquidationEvents) -> None:
    """A recorder process appends while this process keeps the store open read-only."""
    Store.open(tmp_path / "liqmap.duckdb").close()
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        import numpy as np
        from liqmap.store.segments import append_segment
        home = Path({str(tmp_path)!r})
        for k in range(20):
            ts = np.arange(k * 100, (k + 1) * 100, dtype=np.int64) + 1_770_000_000_000
            append_segment(home, "binance", "BTCUSDT", "liquidations", {{
                "ts_ms": ts, "side": np.ones(100, np.int8), "price": np.full(100, 70_000.0),
                "qty": np.arange(100) + 1.0, "notional_usd": np.full(100, 7e4)}})
            print(k, flush=True)
            sys.stdin.readline()
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    seen = []
    with (
        subprocess.Popen(
            [sys.executable, "-c", script],
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        ) as proc,
        Store.open(tmp_path / "liqmap.duckdb", read_only=True) as store,
    ):
        assert proc.stdin is not None and proc.stdout is not None
        for k in range(20):
            assert proc.stdout.readline().strip() == str(k)
            seen.append(len(store.read_liquidations("binance", "BTCUSDT")))
            proc.stdin.write("\n")
            proc.stdin.flush()
        assert proc.wait(timeout=60) == 0
    assert seen == [100 * (k + 1) for k in range(20)]
