"""Bad input files: each error names the file, the row (and line) and the column, and the fix."""

from __future__ import annotations

import gzip
import re
import zipfile
from pathlib import Path

import polars as pl
import pytest

from liqmap.errors import (
    DataFileError,
    EmptyWindowError,
    InputError,
    MissingColumnError,
    ParameterError,
    UnknownSymbolError,
)
from liqmap.io.files import (
    load_candles,
    load_candles_report,
    load_flow,
    load_liquidations,
    load_liquidations_report,
    load_open_interest,
)

HEAD = "open_time_ms,open,high,low,close,volume\n"
T0 = 1_748_169_180_000
MIN = 60_000


def _bars(*rows: str) -> str:
    return HEAD + "".join(r + "\n" for r in rows)


def _row(
    i: int, *, o: str = "100", h: str = "101", lo: str = "99", c: str = "100", v: str = "5"
) -> str:
    return f"{T0 + i * MIN},{o},{h},{lo},{c},{v}"


def _write(tmp_path: Path, text: str, name: str = "BTCUSDT-bars.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _err(
    exc: pytest.ExceptionInfo[DataFileError], path: Path, row: int | None, field: str | None
) -> str:
    err = exc.value
    assert err.path == str(path)
    assert err.row == row
    assert err.field == field
    msg = str(err)
    assert msg.startswith(str(path))
    return msg


def test_missing_and_misnamed_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "open_time_ms,open,hihg,low,close\n1,2,3,1,2\n")
    with pytest.raises(MissingColumnError) as exc:
        load_candles(path)
    msg = _err(exc, path, None, "high")
    assert "found 'hihg': rename it to 'high'?" in msg
    assert "[open_time_ms, open, hihg, low, close]" in msg
    assert "Expected layouts" in msg and "recorder-1m: minute_ms,symbol,open,high,low,close" in msg


def test_unsorted_times_name_the_row_and_say_sort(tmp_path: Path) -> None:
    path = _write(tmp_path, _bars(_row(0), _row(2), _row(1)))
    with pytest.raises(DataFileError) as exc:
        load_candles(path)
    msg = _err(exc, path, 3, "open_time_ms")
    assert "data row 3 (line 4)" in msg and "data row 2 (line 3)" in msg
    assert "sort the file by 'open_time_ms'" in msg


def test_identical_duplicates_are_dropped_and_counted(tmp_path: Path) -> None:
    path = _write(tmp_path, _bars(_row(0), _row(1), _row(1), _row(1), _row(2)))
    candles, report = load_candles_report(path)
    assert len(candles) == 3
    assert (report.rows_read, report.rows_used, report.duplicates_dropped) == (5, 3, 2)


def test_conflicting_duplicates_are_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, _bars(_row(0), _row(1), _row(1, c="100.5")))
    with pytest.raises(DataFileError) as exc:
        load_candles(path)
    msg = _err(exc, path, 3, "close")
    assert "data row 3 (line 4) and data row 2 (line 3)" in msg
    assert "(100.5 vs 100.0)" in msg and "contradicts itself" in msg


@pytest.mark.parametrize(
    ("kwargs", "field", "shown"),
    [
        ({"o": "NaN"}, "open", "nan"),
        ({"lo": "0"}, "low", "0.0"),
        ({"h": "-101"}, "high", "-101.0"),
        ({"c": "inf"}, "close", "inf"),
    ],
)
def test_bad_prices(tmp_path: Path, kwargs: dict[str, str], field: str, shown: str) -> None:
    path = _write(tmp_path, _bars(_row(0), _row(1, **kwargs)))
    with pytest.raises(DataFileError) as exc:
        load_candles(path)
    msg = _err(exc, path, 2, field)
    assert f"'{field}' is {shown} at data row 2 (line 3); prices must be finite and > 0" in msg


def test_high_below_low(tmp_path: Path) -> None:
    path = _write(tmp_path, _bars(_row(0), _row(1, h="98")))
    with pytest.raises(DataFileError) as exc:
        load_candles(path)
    assert "high 98.0 is below low 99.0 at data row 2 (line 3)" in _err(exc, path, 2, "high")


@pytest.mark.parametrize(("kwargs", "field"), [({"o": "102"}, "open"), ({"c": "98.5"}, "close")])
def test_open_or_close_outside_range(tmp_path: Path, kwargs: dict[str, str], field: str) -> None:
    path = _write(tmp_path, _bars(_row(0), _row(1), _row(2, **kwargs)))
    with pytest.raises(DataFileError) as exc:
        load_candles(path)
    msg = _err(exc, path, 3, field)
    assert "is outside [low, high] = [99.0, 101.0] at data row 3 (line 4)" in msg


@pytest.mark.parametrize(
    ("value", "what"),
    [("abc", "'abc' at data row 2 (line 3) is not a number"), ("", "empty value")],
)
def test_unparseable_or_empty_value(tmp_path: Path, value: str, what: str) -> None:
    path = _write(tmp_path, _bars(_row(0), _row(1, v=value)))
    with pytest.raises(DataFileError) as exc:
        load_candles(path)
    assert what in _err(exc, path, 2, "volume")


def test_bad_text_time(tmp_path: Path) -> None:
    text = (
        "timestamp,open,high,low,close\n2025-05-11 00:00:00,1,1,1,1\n2025-13-11 01:00:00,1,1,1,1\n"
    )
    path = _write(tmp_path, text)
    with pytest.raises(DataFileError) as exc:
        load_candles(path)
    assert "'2025-13-11 01:00:00' at data row 2 (line 3) is not a time" in _err(
        exc, path, 2, "timestamp"
    )


def test_negative_volume_and_taker_above_volume(tmp_path: Path) -> None:
    path = _write(tmp_path, _bars(_row(0, v="-1")))
    with pytest.raises(DataFileError, match="volumes must be >= 0"):
        load_candles(path, interval_ms=MIN)
    text = "open_time_ms,open,high,low,close,volume,taker_buy_volume\n" + _row(0) + ",6\n"
    path = _write(tmp_path, text)
    with pytest.raises(DataFileError) as exc:
        load_candles(path, interval_ms=MIN)
    assert "taker-buy volume 6.0 exceeds volume 5.0" in _err(exc, path, 1, "taker_buy_volume")


@pytest.mark.parametrize("text", ["", "   \n", HEAD])
def test_empty_files(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(EmptyWindowError, match=re.escape(str(path))):
        load_candles(path)


def test_ragged_line(tmp_path: Path) -> None:
    path = _write(tmp_path, _bars(_row(0), _row(1) + ",7"))
    with pytest.raises(DataFileError) as exc:
        load_candles(path)
    assert "line 3 has 7 fields but line 1 has 6" in _err(exc, path, 2, None)


def test_headerless_file_of_unknown_width(tmp_path: Path) -> None:
    path = _write(tmp_path, _row(0) + "\n")
    with pytest.raises(DataFileError) as exc:
        load_candles(path)
    msg = _err(exc, path, 1, None)
    assert "no header row" in msg and "binance-klines (12 columns)" in msg and "Add a header" in msg


def test_headerless_rows_are_their_own_lines(tmp_path: Path) -> None:
    good = f"{T0},1,2,0.5,1,10,{T0 + MIN - 1},10,3,4,4,0\n"
    bad = f"{T0 + MIN},1,2,0.5,3,10,{T0 + 2 * MIN - 1},10,3,4,4,0\n"
    path = _write(tmp_path, good + bad, "k.csv")
    with pytest.raises(DataFileError) as exc:
        load_candles(path)
    assert "at data row 2 (line 2)" in _err(exc, path, 2, "close")


def test_parquet_rows_have_no_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "b.parquet"
    pl.DataFrame(
        {
            "ts_ms": [T0, T0 + MIN],
            "open": [1.0, 1.0],
            "high": [1.0, 0.5],
            "low": [1.0, 1.0],
            "close": [1.0, 1.0],
        }
    ).write_parquet(path)
    with pytest.raises(DataFileError) as exc:
        load_candles(path)
    msg = _err(exc, path, 2, "high")
    assert "at data row 2;" in msg and "line" not in msg.split("at data row 2")[1][:8]


def test_bar_that_breaks_the_interval(tmp_path: Path) -> None:
    rows = [f"{T0 + i * 5 * MIN},1,1,1,1,1" for i in range(5)]
    rows.insert(3, f"{T0 + 11 * MIN},1,1,1,1,1")  # a 1m bar inside a 5m file
    path = _write(tmp_path, _bars(*rows))
    with pytest.raises(DataFileError) as exc:
        load_candles(path)
    assert "not a multiple of the 300000 ms bar interval; keep one bar length" in _err(
        exc, path, 4, "open_time_ms"
    )


def test_interval_given_does_not_fit(tmp_path: Path) -> None:
    path = _write(tmp_path, _bars(_row(0), _row(1), _row(2)))
    with pytest.raises(
        DataFileError, match=r"pass the file's bar interval.*median spacing is 60000"
    ):
        load_candles(path, interval_ms=5 * MIN)
    with pytest.raises(ParameterError, match="interval_ms must be > 0"):
        load_candles(path, interval_ms=0)


def test_single_bar_needs_an_interval(tmp_path: Path) -> None:
    path = _write(tmp_path, _bars(_row(0)))
    with pytest.raises(
        ParameterError, match=re.escape(str(path)) + r": cannot infer the bar interval.*interval_ms"
    ):
        load_candles(path)
    assert load_candles(path, interval_ms=MIN).interval_ms == MIN


def _gz(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "bars.csv.gz"
    path.write_bytes(data)
    return path


def test_truncated_gzip(tmp_path: Path) -> None:
    full = gzip.compress(_bars(*(_row(i) for i in range(500))).encode())
    path = _gz(tmp_path, full[: len(full) // 2])
    with pytest.raises(DataFileError) as exc:
        load_candles(path)
    assert "cannot decompress the gzip file (" in _err(exc, path, None, None)
    assert "download it again" in str(exc.value)


def test_corrupt_gzip(tmp_path: Path) -> None:
    path = _gz(tmp_path, b"\x1f\x8b\x08\x00garbage-garbage-garbage")
    with pytest.raises(DataFileError, match="cannot decompress the gzip file"):
        load_candles(path)


def test_corrupt_zip_and_parquet(tmp_path: Path) -> None:
    z = tmp_path / "x.zip"
    z.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(DataFileError, match=r"x.zip: cannot read the zip archive \("):
        load_candles(z)
    p = tmp_path / "x.parquet"
    p.write_bytes(b"PAR1" + b"\x00" * 40)
    with pytest.raises(DataFileError, match=r"x.parquet: cannot read the Parquet file \("):
        load_candles(p)


@pytest.mark.parametrize("members", [["a.csv", "b.csv"], ["readme.txt"]])
def test_zip_must_hold_one_csv(tmp_path: Path, members: list[str]) -> None:
    path = tmp_path / "multi.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for m in members:
            zf.writestr(m, _bars(_row(0)))
    with pytest.raises(DataFileError, match=r"exactly one \.csv file.*" + members[0]):
        load_candles(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"cannot open the file.*check the path"):
        load_candles(tmp_path / "nope.csv")


def _recorder(tmp_path: Path) -> Path:
    head = "minute_open_utc,minute_ms,symbol,open,high,low,close\n"
    rows = [f"x,{T0 + i * MIN},{s},1,1,1,1\n" for i in range(3) for s in ("BTC", "ETH")]
    return _write(tmp_path, head + "".join(rows), "rec.csv")


def test_multi_symbol_file_needs_symbol(tmp_path: Path) -> None:
    path = _recorder(tmp_path)
    with pytest.raises(
        ParameterError,
        match=re.escape(str(path)) + r": the file holds several symbols \(BTC, ETH\)",
    ):
        load_candles(path)
    with pytest.raises(UnknownSymbolError, match=r"'SOL' is not in this file; it holds BTC, ETH"):
        load_candles(path, symbol="SOL")
    assert isinstance(UnknownSymbolError("x"), InputError)


def test_ambiguous_symbol(tmp_path: Path) -> None:
    text = HEAD.rstrip("\n") + ",symbol\n" + _row(0) + ",BTCUSDT\n" + _row(0) + ",BTCUSDC\n"
    path = _write(tmp_path, text)
    with pytest.raises(
        ParameterError, match="'BTC' is ambiguous here: it matches BTCUSDC, BTCUSDT"
    ):
        load_candles(path, symbol="BTC")
    assert len(load_candles(path, symbol="btcusdc", interval_ms=MIN)) == 1


def test_wrong_loader(tmp_path: Path) -> None:
    path = _write(tmp_path, _bars(_row(0)))
    with pytest.raises(MissingColumnError, match=r"this is a bars file.*load_candles\(\)"):
        load_liquidations(path)
    with pytest.raises(MissingColumnError, match=r"load_candles\(\)"):
        load_open_interest(path)


FLOW_HEAD = "minute_ms,symbol,src_price,high,low,close,taker_buy_vol,taker_sell_vol,oi_change,ok\n"


def test_flow_with_no_ok_rows(tmp_path: Path) -> None:
    path = _write(tmp_path, FLOW_HEAD + f"{T0},BTC,1,1,1,1,1,1,0,False\n", "flow.csv")
    with pytest.raises(EmptyWindowError, match=r"no usable rows for BTC: all 1 rows have ok=false"):
        load_flow(path, symbol="BTC")


def test_flow_bad_ok_value(tmp_path: Path) -> None:
    path = _write(tmp_path, FLOW_HEAD + f"{T0},BTC,1,1,1,1,1,1,0,maybe\n", "flow.csv")
    with pytest.raises(DataFileError) as exc:
        load_flow(path, symbol="BTC")
    assert "'maybe' at data row 1 (line 2) is not true or false" in _err(exc, path, 1, "ok")


@pytest.mark.parametrize(
    ("value", "match"),
    [("-5", "is negative; levels must be >= 0"), ("nan", "must be a finite number")],
)
def test_bad_open_interest(tmp_path: Path, value: str, match: str) -> None:
    path = _write(tmp_path, f"ts_ms,oi_usd\n{T0},1e9\n{T0 + MIN},{value}\n", "oi.csv")
    with pytest.raises(DataFileError, match=match) as exc:
        load_open_interest(path)
    assert "data row 2 (line 3)" in _err(exc, path, 2, "oi_usd")


TAPE_HEAD = "ts_ms,time_utc,liquidated_side,order_side,price,qty,notional_usd\n"


def test_unsorted_tape_is_an_error(tmp_path: Path) -> None:
    rows = f"{T0 + 5},x,long,SELL,100,1,100\n{T0},x,long,SELL,100,1,100\n"
    path = _write(tmp_path, TAPE_HEAD + rows, "tape.csv")
    with pytest.raises(DataFileError) as exc:
        load_liquidations(path)
    assert "sort the file by 'ts_ms'" in _err(exc, path, 2, "ts_ms")


def test_tape_rows_are_excluded_by_reason(tmp_path: Path) -> None:
    rows = [
        f"{T0},x,long,SELL,100,1,100",  # ok
        f"{T0},x,long,SELL,100,1,100",  # duplicate of the row above
        f"{T0},x,short,BUY,100,1,100",  # ok: same ms, other side
        f"{T0 + 1},x,long,BUY,100,1,100",  # side_mismatch
        f"{T0 + 2},x,flat,SELL,100,1,100",  # unknown_side
        f"{T0 + 3},x,short,BUY,0,1,0",  # bad_price
        f"{T0 + 4},x,short,BUY,-3,1,-3",  # bad_price
        f"{T0 + 5},x,short,BUY,100,0,0",  # bad_qty
        f"{T0 + 6},x,short,BUY,100,1,nan",  # bad_notional
        f"{T0 + 7},x,LONG,sell,100,2,200",  # ok (case-insensitive)
    ]
    path = _write(tmp_path, TAPE_HEAD + "\n".join(rows) + "\n", "tape.csv")
    events, report = load_liquidations_report(path)
    assert len(events) == 3
    assert events.side.tolist() == [1, -1, 1]
    assert events.excluded == {
        "side_mismatch": 1,
        "unknown_side": 1,
        "bad_price": 2,
        "bad_qty": 1,
        "bad_notional": 1,
        "duplicate": 1,
    }
    assert report.duplicates_dropped == 1
    assert report.rows_read == report.rows_used + 1 + sum(report.excluded.values())


def test_tape_with_no_usable_row(tmp_path: Path) -> None:
    rows = f"{T0},x,long,BUY,100,1,100\n{T0 + 1},x,short,BUY,0,1,0\n"
    path = _write(tmp_path, TAPE_HEAD + rows, "tape.csv")
    with pytest.raises(
        EmptyWindowError, match=r"all 2 rows were excluded \(side_mismatch=1, bad_price=1\)"
    ):
        load_liquidations(path)


def test_tape_unparseable_price_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path, TAPE_HEAD + f"{T0},x,long,SELL,1O0,1,100\n", "tape.csv")
    with pytest.raises(DataFileError) as exc:
        load_liquidations(path)
    assert "'1O0' at data row 1 (line 2) is not a number" in _err(exc, path, 1, "price")


AGG_HEAD = "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n"


def test_aggtrades_conflicting_id_and_unsorted(tmp_path: Path) -> None:
    rows = f"1,100,1,1,1,{T0},true\n1,101,1,1,1,{T0},true\n"
    path = _write(tmp_path, AGG_HEAD + rows, "agg.csv")
    with pytest.raises(DataFileError) as exc:
        load_candles(path)
    assert "same 'agg_trade_id' (1) but different 'price' (101.0 vs 100.0)" in _err(
        exc, path, 2, "price"
    )
    rows = f"2,100,1,1,1,{T0},true\n1,100,1,1,1,{T0},true\n"
    path = _write(tmp_path, AGG_HEAD + rows, "agg.csv")
    with pytest.raises(DataFileError, match=r"not sorted by 'agg_trade_id': 1 at data row 2"):
        load_candles(path)
