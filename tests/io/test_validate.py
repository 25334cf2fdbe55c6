"""Row checks (liqmap.io.validate), message helpers and symbol matching."""

from __future__ import annotations

import numpy as np
import pytest

from liqmap.errors import DataFileError, ParameterError, UnknownSymbolError
from liqmap.io.report import LoadReport, Source, fmt_ms, fmt_num
from liqmap.io.table import base_asset, match_symbol, symbol_from_name
from liqmap.io.validate import (
    check_interval,
    check_non_negative,
    check_ohlc,
    check_order,
    check_positive,
    check_volumes,
    drop_duplicates,
    first,
)

SRC = Source("f.csv", 1)
ROWS = np.arange(1, 6, dtype=np.int64)


def test_source_row_and_line() -> None:
    assert Source("a", 1).at(4) == "data row 4 (line 5)"
    assert Source("a", 0).at(4) == "data row 4 (line 4)"
    assert Source("a", None).at(4) == "data row 4"
    err = SRC.error("boom", row=2, field="x")
    assert (str(err), err.row, err.field) == ("f.csv, row 2, field 'x': boom", 2, "x")


def test_formatting_helpers() -> None:
    assert fmt_ms(1_735_689_600_000) == "2025-01-01T00:00:00.000Z"
    assert fmt_ms(10**20) == f"{10**20} ms"
    assert fmt_num(np.float64(2.5)) == "2.5"
    assert fmt_num(np.bool_(True)) == "True"


def test_first() -> None:
    assert first(np.array([False, True, True])) == 1
    assert first(np.array([False])) is None


def test_check_order_allows_equal_times() -> None:
    check_order(np.array([1, 2, 2, 3]), ROWS[:4], SRC, "t")
    with pytest.raises(DataFileError, match=r"data row 3 \(line 4\) comes after .* data row 2"):
        check_order(np.array([1, 5, 4]), ROWS[:3], SRC, "t")


def test_drop_duplicates_nan_equals_nan() -> None:
    ts = np.array([1, 1, 2, 3, 3, 3])
    v = np.array([1.0, 1.0, np.nan, np.nan, np.nan, np.nan])
    rows = np.arange(1, 7)
    keep, n = drop_duplicates(ts, {"v": v}, rows, SRC, "t")
    assert keep.tolist() == [True, False, True, True, False, False]
    assert n == 3


def test_drop_duplicates_conflict_names_both_rows() -> None:
    ts = np.array([1, 2, 2])
    with pytest.raises(DataFileError) as exc:
        drop_duplicates(
            ts, {"a": np.zeros(3), "b": np.array([0.0, 1.0, np.nan])}, ROWS[:3], SRC, "t"
        )
    assert (exc.value.row, exc.value.field) == (3, "b")
    assert "data row 3 (line 4) and data row 2 (line 3)" in str(exc.value)
    assert "(nan vs 1.0)" in str(exc.value)


def test_drop_duplicates_without_any() -> None:
    keep, n = drop_duplicates(np.array([1, 2]), {"a": np.zeros(2)}, ROWS[:2], SRC, "t")
    assert keep.all() and n == 0


def test_price_checks() -> None:
    ok = np.array([1.0, 2.0])
    check_positive({"p": ok}, ROWS[:2], SRC)
    with pytest.raises(DataFileError, match="'p' is -inf at data row 2"):
        check_positive({"p": np.array([1.0, -np.inf])}, ROWS[:2], SRC)
    names = {k: k.upper() for k in ("open", "high", "low", "close")}
    ohlc = {"open": ok, "high": ok + 1, "low": ok - 0.5, "close": ok}
    check_ohlc(ohlc, ROWS[:2], SRC, names)
    with pytest.raises(DataFileError) as exc:
        check_ohlc({**ohlc, "open": np.array([1.0, 3.5])}, ROWS[:2], SRC, names)
    assert exc.value.field == "OPEN"


def test_volume_checks() -> None:
    nan = np.array([np.nan, np.nan])
    check_volumes(nan, nan, ROWS[:2], SRC, {})
    check_volumes(np.array([1.0, 2.0]), np.array([1.0, 0.0]), ROWS[:2], SRC, {})
    with pytest.raises(DataFileError, match="'v' is inf"):
        check_non_negative({"v": np.array([0.0, np.inf])}, ROWS[:2], SRC)
    with pytest.raises(DataFileError, match="exceeds volume"):
        check_volumes(np.array([1.0]), np.array([1.1]), ROWS[:1], SRC, {})


def test_check_interval() -> None:
    check_interval(np.array([0, 60, 180]), 60, ROWS[:3], SRC, "t", given=False)
    with pytest.raises(DataFileError, match="opens 30 ms after the previous bar"):
        check_interval(np.array([0, 60, 90]), 60, ROWS[:3], SRC, "t", given=False)


@pytest.mark.parametrize(
    ("symbol", "base"),
    [
        ("BTCUSDT", "BTC"),
        ("btc", "BTC"),
        ("BTC-USDT-SWAP", "BTC"),
        ("BTCUSD_PERP", "BTC"),
        ("USDC", "USDC"),
        ("1000PEPEUSDT", "1000PEPE"),
    ],
)
def test_base_asset(symbol: str, base: str) -> None:
    assert base_asset(symbol) == base


def test_match_symbol() -> None:
    assert match_symbol("btcusdt", ["BTC", "ETH"], "f") == "BTC"
    assert match_symbol("ETHUSDT", ["ETHUSDT", "ETH"], "f") == "ETHUSDT"  # exact name wins
    with pytest.raises(ParameterError, match="ambiguous"):
        match_symbol("BTC", ["BTCUSDT", "BTCUSDC"], "f")
    with pytest.raises(
        UnknownSymbolError, match="f: symbol 'XRP' is not in this file; it holds BTC"
    ):
        match_symbol("XRP", ["BTC"], "f")


@pytest.mark.parametrize(
    ("name", "symbol"),
    [
        ("/d/binance-um-1m-BTCUSDT-2025-05-25_2025-06-24.csv.gz", "BTCUSDT"),
        ("AVAXUSDT-1m-2026-02.csv.gz", "AVAXUSDT"),
        ("x.zip[BTCUSDT-1m-2026-02.csv]", "BTCUSDT"),
        ("recorder-1m-btc-eth-sol.csv.gz", ""),
    ],
)
def test_symbol_from_name(name: str, symbol: str) -> None:
    assert symbol_from_name(name) == symbol


def test_report_copies_counts_and_summarises() -> None:
    counts = {"x": 1}
    report = LoadReport("f", "bars", "BTC", rows_read=2, rows_used=1, excluded=counts, records=1)
    counts["x"] = 5
    assert report.excluded == {"x": 1}
    assert report.coverage == 1.0
    assert report.summary() == "f: bars; BTC; 2 rows read, 1 records; excluded x=1"
