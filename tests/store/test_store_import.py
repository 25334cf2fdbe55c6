"""Importing files into the store: every layout of ../shared/data, archive zips and folders of
them; idempotent (a second import adds 0 rows); a bad file stores nothing of itself."""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from liqmap.errors import DataFileError, MissingColumnError, ParameterError
from liqmap.store import Store
from liqmap.store.importer import detect_kind, import_file, import_path

DAY = 86_400_000
AVAX = "AVAXUSDT-1m-2026-02.csv.gz"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "liqmap.duckdb") as s:
        yield s


def _zip(path: Path, member: str, data: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(member, data)
    return path


@pytest.fixture
def avax_days(shared_data: Path, tmp_path: Path) -> Path:
    """A folder of three daily archive zips cut from the real AVAX month, and a CHECKSUM."""
    frame = pl.read_csv(gzip.decompress((shared_data / "bars" / AVAX).read_bytes()))
    folder = tmp_path / "zips"
    folder.mkdir()
    t0 = 1_769_904_000_000  # 2026-02-01
    for k in range(3):
        part = frame.filter(
            (pl.col("open_time") >= t0 + k * DAY) & (pl.col("open_time") < t0 + (k + 1) * DAY)
        )
        buf = io.BytesIO()
        part.write_csv(buf, include_header=k != 1)  # the middle one headerless
        name = f"AVAXUSDT-1m-2026-02-0{k + 1}"
        _zip(folder / f"{name}.zip", f"{name}.csv", buf.getvalue())
    (folder / "AVAXUSDT-1m-2026-02-01.zip.CHECKSUM").write_text("0" * 64 + "  x.zip\n")
    return folder


SHARED = [
    ("bars/binance-um-1m-BTCUSDT-2025-05-25_2025-06-24.csv.gz", "BTCUSDT", "candles", {"candles:60000": 43_198}),
    ("bars/binance-um-1h-ETHUSDT-2025-05-11_2025-08-10.csv.gz", "ETHUSDT", "candles", {"candles:3600000": 2_208}),
    ("bars/recorder-1m-btc-eth-sol-2026-01-24_2026-03-04.csv.gz", "SOL", "candles", None),
    ("bars/recorder-minute-flow-2026-01-22_2026-02-28.csv.gz", "BTC", "flow", {"candles:60000": 4_798, "oi-change": 4_798}),
    ("liquidations/binance-btc-forceorder-2026-01-27_2026-02-16.csv.gz", "BTCUSDT", "liquidations", {"liquidations": 28_063}),
    ("liquidations/mixed-venues-eth-2026-02-23_2026-03-04.csv.gz", "ETHUSDT", "liquidations", None),
]  # fmt: skip


@pytest.mark.parametrize(("rel", "symbol", "kind", "new"), SHARED)
def test_shared_files_import_once(
    store: Store, shared_data: Path, rel: str, symbol: str, kind: str, new: dict[str, int] | None
) -> None:
    path = shared_data / rel
    assert detect_kind(path)[0] == kind
    first = import_file(store, path, venue="binance", symbol=symbol)
    assert first.kind == kind and first.added > 0
    if new is not None:
        assert dict(first.new_rows) == new
    assert first.report.rows_read >= first.added // max(len(first.new_rows), 1)
    again = import_file(store, path, venue="binance", symbol=symbol)
    assert again.added == 0 and set(again.new_rows) == set(first.new_rows)
    assert "nothing new" not in first.summary() and "+0" in again.summary()


def test_funding_in_freqtrade_layout_needs_the_kind(store: Store, shared_data: Path) -> None:
    path = shared_data / "bars" / "binance-um-funding-BTCUSDT-to-2026-01-28.csv.gz"
    r = import_file(store, path, venue="binance", symbol="BTCUSDT", kind="funding")
    assert dict(r.new_rows) == {"funding": 180}
    ts, rate = store.read_funding("binance", "BTCUSDT")
    assert len(ts) == 180 and (ts[1:] - ts[:-1] == 8 * 3_600_000).all() and abs(rate).max() < 0.01


def test_folder_of_archive_zips_is_idempotent(store: Store, avax_days: Path) -> None:
    results = import_path(store, avax_days, venue="binance", symbol="AVAXUSDT")
    assert [Path(r.path.split("[")[0]).name for r in results] == [
        "AVAXUSDT-1m-2026-02-01.zip",
        "AVAXUSDT-1m-2026-02-02.zip",
        "AVAXUSDT-1m-2026-02-03.zip",
    ]
    assert sum(r.added for r in results) == 3 * 1440
    assert (
        sum(r.added for r in import_path(store, avax_days, venue="binance", symbol="AVAXUSDT")) == 0
    )
    (info,) = store.info()
    assert (info.kind, info.rows, info.gaps) == ("candles:60000", 3 * 1440, ())


def test_archive_name_must_match_the_symbol(store: Store, avax_days: Path) -> None:
    with pytest.raises(ParameterError, match=r"for AVAXUSDT but --symbol is BTCUSDT"):
        import_path(store, avax_days, venue="binance", symbol="BTCUSDT")
    assert store.info() == []


def test_a_bad_file_stores_nothing_of_itself(store: Store, avax_days: Path) -> None:
    bad = avax_days / "AVAXUSDT-1m-2026-02-04.zip"
    _zip(
        bad,
        "AVAXUSDT-1m-2026-02-04.csv",
        b"1770163200000,1,2,0.5,1.5,10,1770163259999,1,1,5,1,0\n"
        b"1770163260000,1,2,oops,1.5,10,1770163319999,1,1,5,1,0\n",
    )
    with pytest.raises(DataFileError, match=r"AVAXUSDT-1m-2026-02-04.*row 2.*'low'"):
        import_path(store, avax_days, venue="binance", symbol="AVAXUSDT")
    bars = store.read_candles("binance", "AVAXUSDT", interval_ms=60_000)
    assert len(bars) == 3 * 1440 and int(bars.ts_ms[-1]) < 1_770_163_200_000


def test_unknown_files_and_folders(store: Store, tmp_path: Path) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b\n1,2\n")
    with pytest.raises(MissingColumnError, match="no known"):
        import_file(store, odd, venue="binance", symbol="BTCUSDT")
    with pytest.raises(DataFileError, match="no such file"):
        import_file(store, tmp_path / "missing.csv", venue="binance", symbol="BTCUSDT")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataFileError, match="no data files"):
        import_path(store, empty, venue="binance", symbol="BTCUSDT")
    with pytest.raises(ParameterError, match="unknown file kind"):
        import_file(store, odd, venue="binance", symbol="BTCUSDT", kind="trades")  # type: ignore[arg-type]
