"""Store schema: versions, forward-only migrations on a real file, refusal of newer stores,
read-only opening, the lock held by another process, and files that are not stores."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import numpy as np
import pytest

from liqmap.domain.market import Candles
from liqmap.errors import StoreError, StoreVersionError
from liqmap.settings import Settings
from liqmap.store import MIGRATIONS, SCHEMA_VERSION, Migration, Store
from liqmap.store.schema import current_version, migrate

MIN = 60_000
T0 = 1_748_131_200_000  # 2025-05-25T00:00Z


def _candles(n: int = 10, start: int = T0) -> Candles:
    ts = start + MIN * np.arange(n)
    px = 100.0 + np.arange(n, dtype=float)
    return Candles("BTCUSDT", MIN, ts, px, px + 1, px - 1, px, np.ones(n), np.full(n, 0.5))


def _tables(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
    finally:
        con.close()


def test_new_store_is_at_the_current_version(tmp_path: Path) -> None:
    path = tmp_path / "home" / "liqmap.duckdb"
    with Store.open(path) as store:
        assert store.schema_version == SCHEMA_VERSION == MIGRATIONS[-1].version
        assert store.home == path.parent
    assert {
        "candles",
        "open_interest",
        "liquidations",
        "funding",
        "series",
        "brackets",
        "positions",
        "downloads",
        "book_depth",
        "schema_version",
    } <= _tables(path)


def test_default_path_comes_from_settings(tmp_path: Path) -> None:
    settings = Settings.from_env({"LIQMAP_HOME": str(tmp_path / "h")})
    with Store.open(settings=settings) as store:
        assert store.path == settings.store_path
        assert store.home == settings.home
    assert settings.store_path.is_file()


def test_v1_store_migrates_to_v2_keeping_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "liqmap.duckdb"
    con = duckdb.connect(str(path))
    assert migrate(con, str(path), target=1) == [1]
    con.execute(
        "INSERT INTO candles VALUES ('binance', 'BTCUSDT', 60000, ?, 1, 2, 0.5, 1.5, 10, 4)", [T0]
    )
    assert current_version(con) == 1
    con.close()
    assert "downloads" not in _tables(path)

    with Store.open(path) as store:
        assert store.schema_version == 2
        bars = store.read_candles("binance", "BTCUSDT", interval_ms=MIN)
        assert bars.ts_ms.tolist() == [T0] and bars.taker_buy_volume.tolist() == [4.0]
        store.record_download("http://x/a.zip", "a.zip", "0" * 64, 10, 1)  # a v2 table
        assert store.has_download("http://x/a.zip")
    con = duckdb.connect(str(path), read_only=True)
    rows = con.execute("SELECT version, note FROM schema_version ORDER BY version").fetchall()
    con.close()
    assert [r[0] for r in rows] == [1, 2] and all(r[1] for r in rows)


def test_read_only_open_migrates_an_old_store_first(tmp_path: Path) -> None:
    path = tmp_path / "liqmap.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, str(path), target=1)
    con.close()
    with Store.open(path, read_only=True) as store:
        assert store.schema_version == 2


def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    path = tmp_path / "liqmap.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, str(path), target=1)
    bad = Migration(2, "broken", ("CREATE TABLE half_done (a INTEGER)", "THIS IS NOT SQL"))
    with pytest.raises(duckdb.Error):
        migrate(con, str(path), migrations=(MIGRATIONS[0], bad))
    assert current_version(con) == 1
    names = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert "half_done" not in names
    con.close()


def test_newer_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "liqmap.duckdb"
    Store.open(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (99, 0, 'from the future')")
    con.close()
    for read_only in (False, True):
        with pytest.raises(StoreVersionError, match=r"schema version 99.*upgrade liqmap"):
            Store.open(path, read_only=read_only)


def test_read_only_store_reads_but_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "new" / "liqmap.duckdb"
    with Store.open(path, read_only=True) as store:  # created on first open
        assert len(store.read_candles("binance", "BTCUSDT", interval_ms=MIN)) == 0
        with pytest.raises(StoreError, match="read-only"):
            store.write_candles("binance", "BTCUSDT", _candles())
    with Store.open(path) as store:
        assert store.write_candles("binance", "BTCUSDT", _candles()) == 10
    with Store.open(path, read_only=True) as a, Store.open(path, read_only=True) as b:
        assert len(a.read_candles("binance", "BTCUSDT", interval_ms=MIN)) == 10
        assert len(b.read_candles("binance", "BTCUSDT", interval_ms=MIN)) == 10


def test_store_held_by_another_process_names_the_cause(tmp_path: Path) -> None:
    path = tmp_path / "liqmap.duckdb"
    Store.open(path).close()
    holder = textwrap.dedent(
        f"""
        import sys, duckdb
        con = duckdb.connect({str(path)!r})
        print("ready", flush=True)
        sys.stdin.read()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        with pytest.raises(StoreError, match="another process"):
            Store.open(path)
    finally:
        proc.communicate("", timeout=30)
    with Store.open(path) as store:  # free again once the holder exits
        assert store.schema_version == SCHEMA_VERSION


def test_a_file_that_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "liqmap.duckdb"
    path.write_bytes(b"this is a text file, not a database\n" * 200)
    with pytest.raises(StoreError, match=str(path)):
        Store.open(path)
