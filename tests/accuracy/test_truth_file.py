"""Aggregated per-interval truth: reading exports (good and bad files) and summing tapes."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import pytest

from liqmap.accuracy.truth import IntervalTruth, aggregate_events, read_interval_truth
from liqmap.domain.market import LiquidationEvents
from liqmap.errors import DataFileError

H = 3_600_000
T0 = 1_772_000_000_000 // H * H


def _write(tmp_path: Path, text: str, name: str = "truth.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "stamps",
    [
        [str(T0), str(T0 + H), str(T0 + 2 * H)],  # epoch ms
        [str(T0 // 1000), str((T0 + H) // 1000), str((T0 + 2 * H) // 1000)],  # epoch s
        ["2026-02-25T06:00:00Z", "2026-02-25T07:00:00Z", "2026-02-25 08:00"],  # ISO, naive = UTC
    ],
)
def test_reads_ms_seconds_and_iso(tmp_path: Path, stamps: list[str]) -> None:
    rows = "\n".join(f"{s},{10 * i},{i}" for i, s in enumerate(stamps))
    t = read_interval_truth(
        _write(tmp_path, f"timestamp,liquidation_long_usd,liquidation_short_usd\n{rows}\n")
    )
    assert t.interval_ms == H and len(t) == 3
    assert t.long_usd.tolist() == [0.0, 10.0, 20.0] and t.short_usd.tolist() == [0.0, 1.0, 2.0]
    assert t.over(int(t.ts_ms[0]), 2 * H) == (10.0, 1.0)


def test_aliases_gzip_and_missing_rows_are_missing_not_zero(tmp_path: Path) -> None:
    body = f"ts_ms,long_usd,short_usd\n{T0},5,1\n{T0 + H},6,2\n{T0 + 3 * H},7,3\n"
    p = tmp_path / "t.csv.gz"
    p.write_bytes(gzip.compress(body.encode()))
    t = read_interval_truth(p)
    assert len(t) == 4 and math.isnan(t.long_usd[2])
    assert t.over(T0, 2 * H) == (11.0, 3.0)
    assert t.over(T0 + H, 2 * H) is None  # needs the missing hour
    assert t.over(T0 + 30 * 60_000, H) is None  # not on the interval grid
    assert t.over(T0 + 3 * H, 2 * H) is None  # runs past the end


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "truth.csv: the truth file is empty"),
        ("timestamp,liquidation_long_usd,liquidation_short_usd\n", "truth.csv: the truth file has a header but no rows"),
        ("time,long,short\n1,2,3\n", "truth.csv: no long liquidation USD column; expected one of liquidation_long_usd, long_usd"),
        (f"timestamp,long_usd,short_usd\n{T0},1,2\n{T0 + H},x,2\n", "truth.csv, field 'long_usd': line 3: 'x' is not a non-negative USD amount"),
        (f"timestamp,long_usd,short_usd\n{T0},1,-2\n", "truth.csv, field 'short_usd': line 2: '-2' is not a non-negative USD amount"),
        (f"timestamp,long_usd,short_usd\n{T0},1,\n", "truth.csv, field 'short_usd': line 2: '' is not a non-negative USD amount"),
        (f"timestamp,long_usd,short_usd\n{T0 + H},1,2\n{T0},1,2\n", f"truth.csv, field 'timestamp': line 3: timestamp {T0} is not after the previous row's; sort the file"),
        ("timestamp,long_usd,short_usd\nsoon,1,2\n", "truth.csv, field 'timestamp': line 2: timestamp: cannot read 'soon'"),
        (f"timestamp,long_usd,short_usd\n{T0},1\n", "truth.csv: line 2: 2 fields, the header has 3"),
        (f"timestamp,long_usd,short_usd\n{T0},1,2\n{T0 + H},1,2\n{T0 + 2 * H},1,2\n{T0 + 2 * H + 60_000},1,2\n{T0 + 4 * H},1,2\n", "truth.csv: line 5: timestamp is not on the 3600000 ms interval grid"),
        (f"timestamp,long_usd,short_usd\n{T0},1,2\n{T0 + H},1,2\n{T0 + H + 60_000},1,2\n{T0 + 3 * H},1,2\n", "truth.csv: cannot tell the interval: the steps between rows vary (3 different ones)"),
        (f"timestamp,long_usd,short_usd\n{T0},1,2\n", "truth.csv: one row cannot tell the interval"),
    ],
)  # fmt: skip
def test_bad_files_name_file_line_and_field(tmp_path: Path, text: str, message: str) -> None:
    p = _write(tmp_path, text)
    with pytest.raises(DataFileError) as err:
        read_interval_truth(p)
    assert str(err.value).replace(str(p), "truth.csv").startswith(message)


def test_missing_file_is_a_data_file_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read the truth file"):
        read_interval_truth(tmp_path / "absent.csv")


def test_aggregate_events_sums_per_side_and_blanks_outages() -> None:
    ts = np.array([T0 + 10, T0 + 20, T0 + H + 5, T0 + 2 * H + 1, T0 + 3 * H + 9], np.int64)
    ev = LiquidationEvents(ts, np.array([1, -1, 1, 1, -1], np.int8), np.ones(5), np.ones(5),
                           np.array([10.0, 4.0, 7.0, 100.0, 3.0]))  # fmt: skip
    t = aggregate_events(ev, H, T0, T0 + 4 * H, outages=((T0 + 2 * H + 100, T0 + 2 * H + 200),))
    assert isinstance(t, IntervalTruth) and t.ts_ms.tolist() == [T0 + k * H for k in range(4)]
    assert t.long_usd[[0, 1, 3]].tolist() == [10.0, 7.0, 0.0]
    assert t.short_usd[[0, 1, 3]].tolist() == [4.0, 0.0, 3.0]
    assert math.isnan(t.long_usd[2]) and math.isnan(t.short_usd[2])
    assert t.over(T0, 2 * H) == (17.0, 4.0) and t.over(T0 + H, 2 * H) is None
