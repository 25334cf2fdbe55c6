"""Synthetic files in every layout: aggTrades, metrics, generic OI, flow, round trips, merge."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from liqmap.domain.market import Candles, Gap
from liqmap.errors import ParameterError
from liqmap.io.files import (
    candle_gaps,
    load_candles,
    load_candles_report,
    load_flow_report,
    load_open_interest,
    load_open_interest_report,
    merge_flow,
    save_candles,
)

T0 = 1_735_689_600_000  # 2025-01-01 00:00 UTC
MIN = 60_000

# (agg_trade_id, price, quantity, transact_time offset ms, is_buyer_maker)
TRADES = [
    (10, 100.0, 1.0, 5, "false"),  # minute 0: taker buy
    (11, 102.0, 2.0, 20_000, "true"),  # taker sell
    (12, 99.0, 0.5, 59_999, "false"),
    (13, 101.0, 3.0, 60_000, "True"),  # minute 1
    (14, 103.0, 1.0, 61_000, "FALSE"),
    (15, 104.0, 4.0, 180_500, "false"),  # minute 3 (minute 2 has no trade)
]


def _agg_rows(scale: int = 1, spot: bool = False) -> list[str]:
    rows = []
    for i, p, q, dt, maker in TRADES:
        row = f"{i},{p},{q},{i * 10},{i * 10 + 2},{(T0 + dt) * scale},{maker}"
        rows.append(row + (",True" if spot else ""))
    return rows


def _check_agg(candles: Candles) -> None:
    assert candles.interval_ms == MIN
    assert candles.ts_ms.tolist() == [T0, T0 + MIN, T0 + 3 * MIN]
    assert candles.open.tolist() == [100.0, 101.0, 104.0]
    assert candles.high.tolist() == [102.0, 103.0, 104.0]
    assert candles.low.tolist() == [99.0, 101.0, 104.0]
    assert candles.close.tolist() == [99.0, 103.0, 104.0]
    assert candles.volume.tolist() == [3.5, 4.0, 4.0]
    assert candles.taker_buy_volume.tolist() == [1.5, 1.0, 4.0]
    assert candle_gaps(candles) == (Gap(T0 + 2 * MIN, T0 + 3 * MIN, 1),)


def test_aggtrades_with_header(tmp_path: Path) -> None:
    head = "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n"
    path = tmp_path / "BTCUSDT-aggTrades-2025-01-01.csv"
    path.write_text(head + "\n".join(_agg_rows()) + "\n")
    candles, report = load_candles_report(path)
    _check_agg(candles)
    assert (candles.symbol, report.layout, report.rows_read, report.records) == (
        "BTCUSDT",
        "binance-aggtrades",
        6,
        3,
    )
    assert report.missing_bars == 1


@pytest.mark.parametrize(("scale", "spot"), [(1, False), (1000, True)])
def test_aggtrades_headerless_zip(tmp_path: Path, scale: int, spot: bool) -> None:
    # USD-M futures: 7 columns, ms; spot from 2025: 8 columns, µs
    path = tmp_path / "BTCUSDT-aggTrades-2025-01-01.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("BTCUSDT-aggTrades-2025-01-01.csv", "\n".join(_agg_rows(scale, spot)) + "\n")
    candles, report = load_candles_report(path)
    _check_agg(candles)
    assert any("microseconds" in n for n in report.notes) == (scale == 1000)


def test_aggtrades_into_5m_bars_and_duplicate_trades(tmp_path: Path) -> None:
    head = "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker\n"
    rows = _agg_rows()
    rows.insert(2, rows[1])  # the same trade twice
    path = tmp_path / "agg.csv"
    path.write_text(head + "\n".join(rows) + "\n")
    candles, report = load_candles_report(path, symbol="BTCUSDT", interval_ms=5 * MIN)
    assert candles.ts_ms.tolist() == [T0]
    assert (candles.open[0], candles.close[0], candles.volume[0]) == (100.0, 104.0, 11.5)
    assert candles.taker_buy_volume[0] == 6.5
    assert (report.duplicates_dropped, report.rows_used, report.rows_read) == (1, 6, 7)


METRICS_HEAD = (
    "create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio,"
    "sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio\n"
)


def _metrics_row(minute: int, symbol: str, oi_usd: float) -> str:
    t = datetime.fromtimestamp((T0 + minute * MIN) / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
    return f"{t},{symbol},{oi_usd / 1e5},{oi_usd},1.5,1.6,1.7,0.9\n"


def test_metrics_file(tmp_path: Path) -> None:
    rows = [_metrics_row(m, "BTCUSDT", 8e9 + m) for m in (0, 5, 10, 10, 20)]
    path = tmp_path / "BTCUSDT-metrics-2025-01-01.csv"
    path.write_text(METRICS_HEAD + "".join(rows))
    oi, report = load_open_interest_report(path)
    assert oi.kind == "level"
    assert oi.ts_ms.tolist() == [T0, T0 + 5 * MIN, T0 + 10 * MIN, T0 + 20 * MIN]
    assert oi.value_usd.tolist() == [8e9, 8e9 + 5, 8e9 + 10, 8e9 + 20]
    assert (report.layout, report.duplicates_dropped, report.interval_ms) == (
        "binance-metrics",
        1,
        5 * MIN,
    )
    assert report.gaps == (Gap(T0 + 15 * MIN, T0 + 20 * MIN, 1),)


def test_metrics_with_several_symbols(tmp_path: Path) -> None:
    rows = [_metrics_row(m, s, 1e9) for m in (0, 5) for s in ("BTCUSDT", "ETHUSDT")]
    path = tmp_path / "metrics.csv"
    path.write_text(METRICS_HEAD + "".join(rows))
    oi, report = load_open_interest_report(path, symbol="eth")
    assert len(oi) == 2
    assert report.excluded == {"other_symbol": 2}


def test_generic_oi_level_and_change(tmp_path: Path) -> None:
    level = tmp_path / "level.csv"
    level.write_text(f"ts_ms,open_interest_usd\n{T0},1e9\n{T0 + MIN},1.1e9\n")
    assert load_open_interest(level).value_usd.tolist() == [1e9, 1.1e9]
    change = tmp_path / "change.csv"
    change.write_text("timestamp,oi_change\n2025-01-01T00:00:00Z,-5\n2025-01-01T00:01:00Z,7.5\n")
    oi = load_open_interest(change)
    assert (oi.kind, oi.ts_ms.tolist(), oi.value_usd.tolist()) == (
        "change",
        [T0, T0 + MIN],
        [-5.0, 7.5],
    )


FLOW_HEAD = "minute_ms,symbol,src_price,high,low,close,taker_buy_vol,taker_sell_vol,oi_change,ok\n"


def test_flow_open_rule_and_not_ok_rows(tmp_path: Path) -> None:
    rows = [
        f"{T0},BTC,100.5,101,100,100.8,1,2,10,True",  # first: open = src_price
        f"{T0 + MIN},BTC,100.9,101.2,100.6,101,3,1,-4,True",  # open = previous close 100.8
        f"{T0 + 2 * MIN},BTC,50,51,49,50,1,1,0,False",  # not ok: excluded
        f"{T0 + 2 * MIN},ETH,3,3,3,3,1,1,0,True",  # other symbol
        f"{T0 + 3 * MIN},BTC,101.5,102,101.2,101.9,0,0,0,True",  # after a gap: src_price
        f"{T0 + 4 * MIN},BTC,105.5,106,105,105.2,1,0,0,true",  # prev close 101.9 outside: src
    ]
    path = tmp_path / "flow.csv"
    path.write_text(FLOW_HEAD + "\n".join(rows) + "\n")
    candles, oi, report = load_flow_report(path, symbol="BTCUSDT")
    assert candles.open.tolist() == [100.5, 100.8, 101.5, 105.5]
    assert candles.volume.tolist() == [3.0, 4.0, 0.0, 1.0]
    assert candles.taker_buy_volume.tolist() == [1.0, 3.0, 0.0, 1.0]
    assert oi.value_usd.tolist() == [10.0, -4.0, 0.0, 0.0]
    assert report.excluded == {"not_ok": 1, "other_symbol": 1}
    assert report.gaps == (Gap(T0 + 2 * MIN, T0 + 3 * MIN, 1),)
    assert "open = previous close for 1 bars, src_price for 3 bars" in report.notes[0]
    with pytest.raises(ParameterError, match="1-minute bars"):
        load_candles(path, symbol="BTC", interval_ms=5 * MIN)


def _candles(n: int = 5, symbol: str = "BTCUSDT", step: int = MIN) -> Candles:
    ts = T0 + np.arange(n) * step
    close = 100.0 + np.arange(n)
    vol = np.full(n, np.nan)
    vol[1:] = 10.0
    return Candles(symbol, step, ts, close, close + 1, close - 1, close, vol, np.full(n, np.nan))


def _same(a: Candles, b: Candles) -> None:
    for field in ("ts_ms", "open", "high", "low", "close", "volume", "taker_buy_volume"):
        assert np.array_equal(getattr(a, field), getattr(b, field), equal_nan=True), field
    assert (a.symbol, a.interval_ms) == (b.symbol, b.interval_ms)


@pytest.mark.parametrize("name", ["c.parquet", "c.csv", "c.csv.gz"])
def test_save_and_load_round_trip(tmp_path: Path, name: str) -> None:
    ref = _candles()
    save_candles(ref, tmp_path / name)
    _same(load_candles(tmp_path / name), ref)
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_save_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match=r"\*.parquet, \*.csv or \*.csv.gz"):
        save_candles(_candles(), tmp_path / "c.json")


@pytest.mark.parametrize("tz", [None, "UTC", "Europe/Berlin"])
def test_parquet_with_datetime_column(tmp_path: Path, tz: str | None) -> None:
    # naive times are UTC; zoned times are converted to their UTC instant
    times = pl.Series("time", [datetime(2025, 1, 1, 0, m) for m in range(3)])
    if tz is not None:
        times = times.dt.replace_time_zone("UTC").dt.convert_time_zone(tz)
    ones = [1.0] * 3
    frame = pl.DataFrame({"time": times, "open": ones, "high": ones, "low": ones, "close": ones})
    frame.write_parquet(tmp_path / "t.parquet")
    candles = load_candles(tmp_path / "t.parquet", symbol="x")
    assert candles.ts_ms.tolist() == [T0, T0 + MIN, T0 + 2 * MIN]
    assert candles.symbol == "X"


def test_symbol_defaults_to_empty_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    path.write_text(f"ts_ms,open,high,low,close\n{T0},1,1,1,1\n{T0 + MIN},1,1,1,1\n")
    candles, report = load_candles_report(path)
    assert candles.symbol == ""
    assert any("pass symbol=" in n for n in report.notes)


def test_merge_flow_attaches_by_time() -> None:
    bars = _candles(5)
    flow = Candles(
        "BTC",
        MIN,
        [T0 + MIN, T0 + 3 * MIN, T0 + 9 * MIN],
        [1.0] * 3,
        [1.0] * 3,
        [1.0] * 3,
        [1.0] * 3,
        [4.0, 6.0, 8.0],
        [1.0, 5.0, 2.0],
    )
    merged = merge_flow(bars, flow)
    assert np.array_equal(
        merged.taker_buy_volume, [np.nan, 1.0, np.nan, 5.0, np.nan], equal_nan=True
    )
    assert np.array_equal(merged.volume, [np.nan, 4.0, 10.0, 6.0, 10.0], equal_nan=True)
    assert np.array_equal(merged.close, bars.close)


def test_merge_flow_refuses_mismatches() -> None:
    with pytest.raises(ParameterError, match="300000 ms bars into candles with 60000 ms"):
        merge_flow(_candles(), _candles(step=5 * MIN))
    with pytest.raises(ParameterError, match="cannot merge ETH flow into BTCUSDT candles"):
        merge_flow(_candles(), _candles(symbol="ETH"))
    empty = _candles(0)
    assert np.isnan(merge_flow(_candles(), empty).taker_buy_volume).all()


def test_report_to_dict_is_json_ready(tmp_path: Path) -> None:
    path = tmp_path / "BTCUSDT.csv"
    rows = "".join(f"{T0 + m * MIN},1,1,1,1\n" for m in (0, 1, 1, 4))
    path.write_text("ts_ms,open,high,low,close\n" + rows)
    _, report = load_candles_report(path)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["duplicates_dropped"] == 1
    assert data["gaps"] == [{"start_ms": T0 + 2 * MIN, "end_ms": T0 + 4 * MIN, "missing": 2}]
    assert data["coverage"] == pytest.approx(3 / 5)
    assert "1 duplicate rows dropped" in report.summary()
    assert "1 gaps (2 bars missing, coverage 60.0%)" in report.summary()
