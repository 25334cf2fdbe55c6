"""The numpy reader of all-numeric CSV files (liqmap.io.numeric) gives exactly what the polars
reader gives, and hands every file it cannot promise that for to the polars reader."""

from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liqmap.errors import LiqmapError
from liqmap.io import files
from liqmap.io.numeric import NumericTable, numeric_table
from liqmap.io.read import read_content
from liqmap.io.table import table_from_content

HEADER = "open_time_ms,open,high,low,close,volume"
KINDS = ("candles", "agg_trades", "flow")


def _bars(n: int = 50, start: int = 1_748_169_180_000) -> str:
    rows = [HEADER]
    for i in range(n):
        p = 100_000 + i * 1.5
        rows.append(f"{start + i * 60_000},{p},{p + 2.25},{p - 1.125},{p + 0.5},{i * 0.001 + 3}")
    return "\n".join(rows) + "\n"


def _both(path: Path, kinds: tuple[str, ...] = KINDS) -> tuple[object, object]:
    content = read_content(path)
    return numeric_table(content, kinds, None, None), table_from_content(content, kinds, None)  # type: ignore[arg-type]


def _same_columns(fast: NumericTable, slow: object) -> None:
    assert fast.times()[0].tolist() == slow.times()[0].tolist()  # type: ignore[attr-defined]
    assert fast.rows.tolist() == slow.rows.tolist()  # type: ignore[attr-defined]
    assert (fast.symbol, fast.rows_read, fast.layout) == (
        slow.symbol, slow.rows_read, slow.layout,  # type: ignore[attr-defined]
    )  # fmt: skip
    for field in ("open", "high", "low", "close", "volume"):
        a, b = fast.floats(field), slow.floats(field)  # type: ignore[attr-defined]
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), field


def test_plain_bars_take_the_numeric_path_with_identical_columns(tmp_path: Path) -> None:
    path = tmp_path / "BTCUSDT-1m.csv.gz"
    path.write_bytes(gzip.compress(_bars().encode()))
    fast, slow = _both(path)
    assert isinstance(fast, NumericTable)
    _same_columns(fast, slow)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(min_value=1e-6, max_value=1e9, allow_nan=False).map(repr),
            st.decimals(min_value=0, max_value=10**7, places=8).map(str),
            st.integers(1, 10**12).map(lambda v: f"{v}e-4"),
            st.integers(1, 10**15).map(str),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_any_decimal_text_parses_to_the_same_float(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str]
) -> None:
    path = tmp_path_factory.mktemp("num") / "x.csv"
    rows = [HEADER] + [
        f"{1_700_000_000_000 + i * 60_000},{t},{t},{t},{t},{t}" for i, t in enumerate(texts)
    ]
    path.write_text("\n".join(rows))
    content = read_content(path)
    fast = numeric_table(content, KINDS, None, None)
    if fast is None:  # a token numpy refuses: the polars reader reads it instead
        return
    slow = table_from_content(content, KINDS, None)
    assert fast.floats("open").tobytes() == slow.floats("open").tobytes()


@pytest.mark.parametrize(
    "text",
    [
        _bars(3).replace("\n", "\r\n"),  # CRLF
        _bars(3).replace(",100001.5,", ", 100001.5,"),  # a space
        _bars(3).replace(",100001.5,", ",,"),  # an empty value
        _bars(3).replace(",100001.5,", ",nan,"),  # text
        _bars(3) + "\n" + _bars(1).split("\n")[1] + "\n",  # a blank line
        _bars(3).replace(",100001.5,", ",100001.5,7,"),  # a ragged line
        _bars(3).replace("1748169240000", "1748169240000.0"),  # a time that is not an integer
        _bars(3)
        .replace(HEADER, HEADER + ",symbol")
        .replace("\n1", ",BTCUSDT\n1"),  # a symbol column
        _bars(3).replace(HEADER, '"open_time_ms",open,high,low,close,volume'),  # a quoted name
        HEADER + "\n",  # no rows
        _bars(3).replace("volume", "open"),  # a repeated name
    ],
)
def test_anything_else_goes_to_the_polars_reader(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(text)
    assert numeric_table(read_content(path), KINDS, None, None) is None


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace(",100001.5,", ",,"),
        lambda t: t.replace(",100001.5,", ",abc,"),
        lambda t: t.replace(",100001.5,", ",100001.5,7,"),
        lambda t: t.replace("1748169240000", "1748169240000.5"),
        lambda t: t.replace(",100001.5,", ",-100001.5,"),
        lambda t: t.replace("1748169240000", "1748169120000"),
        lambda t: HEADER + "\n",
    ],
)
def test_bad_files_get_the_polars_readers_error(tmp_path: Path, edit: object) -> None:
    """The loader's error for a bad file is the one the polars reader alone gives."""
    path = tmp_path / "BTCUSDT.csv"
    path.write_text(edit(_bars(5)))  # type: ignore[operator]
    with pytest.raises(LiqmapError) as fast:
        files.load_candles(path)
    content = read_content(path)
    with pytest.raises(LiqmapError) as slow:
        from liqmap.io.bars import bars_from_table

        bars_from_table(table_from_content(content, KINDS, None), None)
    assert str(fast.value) == str(slow.value)


def test_epoch_seconds_are_refused_alike(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(_bars(5, start=1_748_169_180).replace("60000", "60"))
    fast, slow = _both(path)
    assert isinstance(fast, NumericTable)
    with pytest.raises(LiqmapError) as a:
        fast.times()
    with pytest.raises(LiqmapError) as b:
        slow.times()  # type: ignore[attr-defined]
    assert str(a.value) == str(b.value)


def test_microseconds_are_converted_alike(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(_bars(5, start=1_748_169_180_000_000).replace("60000", "60000000"))
    fast, slow = _both(path)
    assert isinstance(fast, NumericTable)
    assert fast.times()[1] == 5
    _same_columns(fast, slow)


def test_loaded_candles_equal_the_polars_readers(tmp_path: Path) -> None:
    path = tmp_path / "BTCUSDT.csv"
    path.write_text(_bars(200))
    candles, report = files.load_candles_report(path)
    from liqmap.io.bars import bars_from_table

    slow, slow_report = bars_from_table(table_from_content(read_content(path), KINDS, None), None)
    assert report == slow_report
    for f in ("ts_ms", "open", "high", "low", "close", "volume", "taker_buy_volume"):
        assert np.array_equal(getattr(candles, f), getattr(slow, f), equal_nan=True), f
    assert (candles.symbol, candles.interval_ms, candles.source) == (
        slow.symbol, slow.interval_ms, slow.source,
    )  # fmt: skip


def test_a_numeric_bar_file_loads_without_polars(tmp_path: Path) -> None:
    path = tmp_path / "BTCUSDT.csv.gz"
    path.write_bytes(gzip.compress(_bars().encode()))
    code = (
        "import sys\nfrom liqmap.io.files import load_candles\n"
        f"assert len(load_candles({str(path)!r})) == 50\n"
        "print('polars' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ},
    )  # fmt: skip
    assert out.stdout.strip() == "False"


def _kernel(body: bytes, n_cols: int, n_rows: int) -> tuple[int, np.ndarray, np.ndarray]:
    from liqmap._aot import load

    out, ts = np.zeros((n_cols, n_rows)), np.zeros(n_rows, np.int64)
    got = load("liqmap.io._csv_kernel").parse_numeric_csv(
        np.frombuffer(body, np.uint8), ord(","), 0, out, ts
    )
    return int(got), out, ts


@given(
    st.one_of(
        st.floats(min_value=-1e9, max_value=1e9, allow_nan=False).map(repr),
        st.decimals(min_value=-(10**7), max_value=10**7, places=8).map(str),
        st.decimals(min_value=0, max_value=1, places=22).map(str),
        st.integers(-(2**53), 2**53).map(str),
        st.integers(0, 10**6).map(lambda v: f"+{v}.5"),
        st.integers(0, 10**6).map(lambda v: f".{v}"),
    )
)
def test_the_compiled_parser_gives_pythons_float_or_hands_over(text: str) -> None:
    got, out, ts = _kernel(f"1700000000000,{text}\n".encode(), 2, 1)
    if got == -1:  # outside the exact fast path: loadtxt reads it
        mantissa = text.lstrip("+-")
        if "e" not in mantissa.lower():  # an exponent is always handed over
            whole, _, frac = mantissa.partition(".")
            assert int(whole + frac) > 2**53 or len(frac) > 22
        return
    assert got == 1 and ts[0] == 1_700_000_000_000
    v = float(text)
    assert out[1, 0] == v and np.signbit(out[1, 0]) == np.signbit(v)


@pytest.mark.parametrize(
    "body",
    [
        b"1,1e5\n",  # an exponent
        b"1,\n",  # an empty field
        b"1,9007199254740993\n",  # beyond 2**53: not exact as an integer
        b"1,1.2.3\n",  # two points
        b"1.0,2\n",  # a time with a point
        b"-1,2\n",  # a signed time
        b"1,2,3\n",  # a ragged line
        b"1,2\n3,4\n5,6\n",  # more lines than expected
        b"1,0." + b"1" * 23 + b"\n",  # 23 digits after the point
    ],
)
def test_the_compiled_parser_hands_over_what_it_cannot_parse_exactly(body: bytes) -> None:
    assert _kernel(body, 2, body.count(b"\n") if body.count(b"\n") < 3 else 2)[0] == -1


def test_the_compiled_parser_takes_real_bar_files_whole(shared_data: Path) -> None:
    path = shared_data / "bars/binance-um-1m-BTCUSDT-2025-05-25_2025-06-24.csv.gz"
    body = gzip.decompress(path.read_bytes()).partition(b"\n")[2]
    n = body.count(b"\n")
    got, out, ts = _kernel(body, 6, n)
    assert got == n == 43_198  # the fast path reads the whole file
    ref = np.loadtxt(io.BytesIO(body), delimiter=",", ndmin=2, comments=None)
    assert ts.tolist() == ref[:, 0].astype(np.int64).tolist()
    assert out[1:].tobytes() == np.ascontiguousarray(ref[:, 1:].T).tobytes()
