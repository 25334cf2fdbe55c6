"""Faults: an exception mid-batch, a process killed mid-transaction (SIGKILL), and a disk that
fills (a real 2 MB tmpfs when this runs as root, else the injected OS error). The store must
always keep its previous state and no half-written file."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pytest

from liqmap.domain.market import Candles, OpenInterest
from liqmap.errors import DiskFullError, ParameterError, StoreError
from liqmap.store import Store, append_segment
from liqmap.store._db import translate

MIN = 60_000
T0 = 1_748_131_200_000
REPO = Path(__file__).resolve().parents[2]


def _candles(n: int, start: int = T0) -> Candles:
    ts = start + MIN * np.arange(n, dtype=np.int64)
    px = 50_000 + np.cumsum(np.sin(np.arange(n)))
    return Candles("BTCUSDT", MIN, ts, px, px + 5, px - 5, px, np.ones(n), np.full(n, 0.5))


def _count(path: Path) -> int:
    with Store.open(path, read_only=True) as s:
        return len(s.read_candles("binance", "BTCUSDT", interval_ms=MIN))


class BoomError(RuntimeError):
    pass


def test_exception_mid_batch_rolls_everything_back(tmp_path: Path) -> None:
    path = tmp_path / "liqmap.duckdb"
    with Store.open(path) as store:
        store.write_candles("binance", "BTCUSDT", _candles(10))
        with pytest.raises(BoomError), store.transaction():
            assert store.write_candles("binance", "BTCUSDT", _candles(1000, T0 + 10 * MIN)) == 1000
            store.write_open_interest("binance", "BTCUSDT", OpenInterest([T0], [1e9]))
            raise BoomError("the process fails half way through the batch")
        assert len(store.read_candles("binance", "BTCUSDT", interval_ms=MIN)) == 10
        assert store.read_open_interest("binance", "BTCUSDT") is None
        # a write that fails inside a transaction takes the earlier writes with it
        with pytest.raises(ParameterError), store.transaction():
            store.write_candles("binance", "BTCUSDT", _candles(5, T0 + 10 * MIN))
            store.write_series("binance", "BTCUSDT", "x", np.array([1]), np.array([1.0, 2.0]))
        assert len(store.read_candles("binance", "BTCUSDT", interval_ms=MIN)) == 10
        # and the store keeps working afterwards
        assert store.write_candles("binance", "BTCUSDT", _candles(20)) == 10


def test_process_killed_mid_transaction_keeps_previous_state(tmp_path: Path) -> None:
    path = tmp_path / "liqmap.duckdb"
    with Store.open(path) as store:
        store.write_candles("binance", "BTCUSDT", _candles(100))
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        import numpy as np
        from liqmap.domain.market import Candles
        from liqmap.store import Store
        n = 50_000
        ts = {T0} + 60_000 * np.arange(100, 100 + n, dtype=np.int64)
        px = np.full(n, 100.0)
        big = Candles("BTCUSDT", 60_000, ts, px, px, px, px, px, px)
        store = Store.open(Path({str(path)!r}))
        with store.transaction():
            store.write_candles("binance", "BTCUSDT", big)
            store.write_candles("binance", "ETHUSDT", big)
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, timeout=120, check=False
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert _count(path) == 100
    with Store.open(path) as store:  # and the store is writable again
        assert store.write_candles("binance", "BTCUSDT", _candles(150)) == 50


def test_disk_full_errors_are_recognised() -> None:
    exc = duckdb.IOException('IO Error: Could not write file "x": No space left on device')
    err = translate(exc, Path("/data/liqmap.duckdb"), "writing candles")
    assert isinstance(err, DiskFullError)
    assert "free some space" in str(err) and "/data/liqmap.duckdb" in str(err)
    other = translate(duckdb.IOException("IO Error: permission denied"), Path("x"), "opening")
    assert type(other) is StoreError


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs (needs root); skips when it cannot be mounted."""
    mount = tmp_path / f"tmpfs-{uuid.uuid4().hex[:8]}"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()}); needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_store_on_a_full_disk_keeps_its_previous_state(tiny_disk: Path) -> None:
    path = tiny_disk / "liqmap.duckdb"
    with Store.open(path) as store:
        assert store.write_candles("binance", "BTCUSDT", _candles(500)) == 500
        with pytest.raises(DiskFullError, match="no space left"):
            store.write_candles("binance", "BTCUSDT", _candles(300_000, T0 + 500 * MIN))
        assert len(store.read_candles("binance", "BTCUSDT", interval_ms=MIN)) == 500
    assert sorted(p.name for p in tiny_disk.iterdir()) in (
        ["liqmap.duckdb"],
        ["liqmap.duckdb", "liqmap.duckdb.wal"],
    )
    assert _count(path) == 500


def test_segment_on_a_full_disk_leaves_no_partial_file(tiny_disk: Path) -> None:
    (tiny_disk / "filler").write_bytes(b"\0" * (2 * 1024 * 1024 - 4096))
    n = 50_000
    cols = {
        "ts_ms": T0 + np.arange(n, dtype=np.int64),
        "side": np.ones(n, np.int8),
        "price": np.random.default_rng(0).uniform(1, 2, n),
        "qty": np.ones(n),
        "notional_usd": np.ones(n),
    }
    with pytest.raises(DiskFullError, match="no partial file"):
        append_segment(tiny_disk, "binance", "BTCUSDT", "liquidations", cols)
    left = [p for p in tiny_disk.rglob("*") if p.is_file() and p.name != "filler"]
    assert left == []


def test_segment_disk_full_injected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without root: the OS error injected at the write; same outcome."""

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("liqmap.store.segments.write_atomic", full)
    cols = {
        "ts_ms": np.array([T0]),
        "side": np.array([1], np.int8),
        "price": np.array([1.0]),
        "qty": np.array([1.0]),
        "notional_usd": np.array([1.0]),
    }
    with pytest.raises(DiskFullError):
        append_segment(tmp_path, "binance", "BTCUSDT", "liquidations", cols)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
