"""Inputs that used to be read silently wrong (issue 13 item 9): epoch seconds read as
milliseconds (bars in 1970), a file named for another symbol, `;`/tab/UTF-16 files, NUL bytes
echoed into huge error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from liqmap.errors import DataFileError, UnknownSymbolError
from liqmap.io.files import load_candles

HEADER = "open_time,open,high,low,close,volume\n"


def _rows(t0: int, step: int, sep: str = ",") -> str:
    return "".join(
        sep.join([str(t0 + i * step), "100", "101", "99", "100.5", "3"]) + "\n" for i in range(5)
    )


def test_epoch_seconds_are_refused_not_read_as_1970(tmp_path: Path) -> None:
    p = tmp_path / "bars.csv"
    p.write_text(HEADER + _rows(1_767_225_600, 60), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"epoch seconds.*1970-01-21.*multiply"):
        load_candles(p)


def test_a_file_named_for_another_symbol_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "BTCUSDT-1m-2026-01.csv"
    p.write_text(HEADER + _rows(1_767_225_600_000, 60_000), encoding="utf-8")
    with pytest.raises(UnknownSymbolError, match=r"file name says BTCUSDT.*ETHUSDT"):
        load_candles(p, symbol="ETHUSDT")
    assert len(load_candles(p, symbol="BTC")) == 5  # the same base asset is fine


@pytest.mark.parametrize("sep", [";", "\t"])
def test_other_delimiters_are_detected(tmp_path: Path, sep: str) -> None:
    p = tmp_path / "bars.csv"
    p.write_text(HEADER.replace(",", sep) + _rows(1_767_225_600_000, 60_000, sep), "utf-8")
    c = load_candles(p)
    assert len(c) == 5 and c.close[0] == 100.5


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_is_detected(tmp_path: Path, encoding: str) -> None:
    p = tmp_path / "bars.csv"
    p.write_text(HEADER + _rows(1_767_225_600_000, 60_000), encoding=encoding)
    c = load_candles(p)
    assert len(c) == 5 and int(c.ts_ms[0]) == 1_767_225_600_000


def test_echoed_values_are_truncated(tmp_path: Path) -> None:
    p = tmp_path / "bars.csv"
    p.write_text(HEADER + "1767225600000," + "\x00" * 400_000 + ",101,99,100.5,3\n", "utf-8")
    with pytest.raises(DataFileError) as err:
        load_candles(p)
    assert len(str(err.value)) < 1_000 and "\x00" not in str(err.value)
