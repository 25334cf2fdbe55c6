"""Every real data file in ../shared/data loads, with the right counts (liqmap.io.files)."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from liqmap.domain.market import Candles
from liqmap.errors import ParameterError, UnknownSymbolError
from liqmap.io.files import (
    candle_gaps,
    load_candles,
    load_candles_report,
    load_flow,
    load_flow_report,
    load_liquidations,
    load_liquidations_report,
    load_open_interest,
    merge_flow,
)
from liqmap.io.report import LoadReport

pytestmark = pytest.mark.shared_data

MIN, H = 60_000, 3_600_000
RECORDER = "recorder-1m-btc-eth-sol-2026-01-24_2026-03-04.csv.gz"
FLOW = "recorder-minute-flow-2026-01-22_2026-02-28.csv.gz"
AVAX = "AVAXUSDT-1m-2026-02.csv.gz"
ONE_MIN_BTC = "binance-um-1m-BTCUSDT-2025-05-25_2025-06-24.csv.gz"
MARK = "binance-um-1h-markprice-btc-eth-sol-2024-12-31_2026-02-19.csv.gz"
VENUES_1H = "binance-bybit-perp-1h-btc-eth-sol-2025-03-06_2026-03-05.csv.gz"
OKX_TAPE = "okx-swap-btc-eth-sol-2026-03-04_2026-03-05.csv.gz"
HL_OI = "hyperliquid-oi-1h-btc-eth-sol-hype-doge-2025-03-08_2026-03-07.csv.gz"

# files holding several instruments or venues: the selection each test loads
SELECT: dict[str, dict[str, str]] = {
    RECORDER: {"symbol": "BTC"},
    FLOW: {"symbol": "BTC"},
    MARK: {"symbol": "BTCUSDT"},
    VENUES_1H: {"symbol": "BTCUSDT", "venue": "bybit"},
}

# file -> (layout, symbol, rows read, bars, duplicates dropped, interval)
BARS: dict[str, tuple[str, str, int, int, int, int]] = {
    AVAX: ("binance-klines", "AVAXUSDT", 40_320, 40_320, 0, MIN),
    "binance-um-1h-BTCUSDT-2025-05-11_2025-08-10.csv.gz": (
        "archive-1h",
        "BTCUSDT",
        2211,
        2208,
        3,
        H,
    ),
    "binance-um-1h-ETHUSDT-2025-05-11_2025-08-10.csv.gz": (
        "archive-1h",
        "ETHUSDT",
        2211,
        2208,
        3,
        H,
    ),
    "binance-um-1h-SOLUSDT-2025-05-11_2025-08-10.csv.gz": (
        "archive-1h",
        "SOLUSDT",
        2211,
        2208,
        3,
        H,
    ),
    ONE_MIN_BTC: ("bars", "BTCUSDT", 43_198, 43_198, 0, MIN),
    "binance-um-1m-ETHUSDT-2025-05-25_2025-06-24.csv.gz": (
        "bars",
        "ETHUSDT",
        43_199,
        43_199,
        0,
        MIN,
    ),
    "binance-um-1m-SOLUSDT-2025-05-25_2025-06-24.csv.gz": (
        "bars",
        "SOLUSDT",
        43_198,
        43_198,
        0,
        MIN,
    ),
    "binance-um-5m-BTCUSDT-2023-11-01_2024-12-30.csv.gz": (
        "bars",
        "BTCUSDT",
        122_687,
        122_687,
        0,
        5 * MIN,
    ),
    "binance-um-5m-SOLUSDT-2023-11-01_2024-12-30.csv.gz": (
        "bars",
        "SOLUSDT",
        122_687,
        122_687,
        0,
        5 * MIN,
    ),
    "binance-um-5m-BTCUSDT-2025-11-30_2026-01-29.csv.gz": (
        "bars",
        "BTCUSDT",
        17_358,
        17_358,
        0,
        5 * MIN,
    ),
    "binance-um-5m-ETHUSDT-2025-11-30_2026-01-29.csv.gz": (
        "bars",
        "ETHUSDT",
        17_358,
        17_358,
        0,
        5 * MIN,
    ),
    "binance-um-5m-SOLUSDT-2025-11-30_2026-01-29.csv.gz": (
        "bars",
        "SOLUSDT",
        17_358,
        17_358,
        0,
        5 * MIN,
    ),
    # round 2: continuous 5m bars with the one held-out gap, mark-price 1h, Binance+Bybit 1h
    **{
        f"binance-um-5m-{sym}-2024-12-31_2026-02-19.csv.gz": (
            "bars",
            sym,
            116_844,
            116_844,
            0,
            5 * MIN,
        )
        for sym in ("BTCUSDT", "ETHUSDT", "SOLUSDT")
    },
    MARK: ("binance-mark", "BTCUSDT", 29_217, 9741, 0, H),
    VENUES_1H: ("bars", "BTCUSDT", 50_976, 8496, 0, H),
    RECORDER: ("recorder-1m", "BTC", 49_974, 32_646, 0, MIN),
    FLOW: ("recorder-minute-flow", "BTC", 8697, 4798, 0, MIN),
}

TAPES = {
    "binance-btc-forceorder-2026-01-27_2026-02-16.csv.gz": (28_063, 16_646),
    "mixed-venues-btc-2026-02-23_2026-03-04.csv.gz": (30_477, 15_342),
    "mixed-venues-eth-2026-02-23_2026-03-04.csv.gz": (26_438, 13_412),
    "mixed-venues-sol-2026-02-23_2026-03-04.csv.gz": (15_177, 7748),
}


def _invariants(candles: Candles, report: LoadReport) -> None:
    assert len(candles) == report.records
    assert report.rows_read == (
        report.rows_used + report.duplicates_dropped + sum(report.excluded.values())
    )
    diffs = np.diff(candles.ts_ms)
    assert (diffs > 0).all()
    assert (diffs % candles.interval_ms == 0).all()
    assert (candles.low <= np.minimum(candles.open, candles.close)).all()
    assert (candles.high >= np.maximum(candles.open, candles.close)).all()
    assert report.gaps == candle_gaps(candles)


def test_every_bars_file_is_covered(shared_data: Path) -> None:
    present = {p.name for p in (shared_data / "bars").iterdir() if "funding" not in p.name}
    assert present == set(BARS)


@pytest.mark.parametrize("name", sorted(BARS))
def test_bars_file_loads(shared_data: Path, name: str) -> None:
    layout, symbol, rows_read, bars, dups, interval = BARS[name]
    candles, report = load_candles_report(shared_data / "bars" / name, **SELECT.get(name, {}))
    assert (report.layout, candles.symbol, report.rows_read) == (layout, symbol, rows_read)
    assert (len(candles), report.duplicates_dropped, candles.interval_ms) == (bars, dups, interval)
    _invariants(candles, report)


def test_archive_files_carry_taker_flow(shared_data: Path) -> None:
    for name in (AVAX, "binance-um-1h-BTCUSDT-2025-05-11_2025-08-10.csv.gz"):
        candles = load_candles(shared_data / "bars" / name)
        assert candles.has_taker_flow
        assert np.isfinite(candles.volume).all()
    plain = load_candles(shared_data / "bars" / ONE_MIN_BTC)
    assert not plain.has_taker_flow


def test_1h_text_times_are_utc(shared_data: Path) -> None:
    candles = load_candles(
        shared_data / "bars" / "binance-um-1h-BTCUSDT-2025-05-11_2025-08-10.csv.gz"
    )
    assert candles.ts_ms[0] == 1_746_921_600_000  # 2025-05-11 00:00:00 UTC
    assert candles.open[0] == 104_788.8
    assert candle_gaps(candles) == ()


def test_recorder_btc_gaps_match_the_readme(shared_data: Path) -> None:
    candles, report = load_candles_report(shared_data / "bars" / RECORDER, symbol="BTC")
    assert report.coverage == pytest.approx(0.58, abs=0.01)
    assert report.excluded == {"other_symbol": 49_974 - 32_646}
    ts = candles.ts_ms
    breaks = np.flatnonzero(np.diff(ts) != MIN)
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [len(ts) - 1]))
    longest = int(np.argmax(ends - starts))
    # README: longest BTC run 02-10 08:01 .. 02-15 12:44
    assert ts[starts[longest]] == 1_770_710_460_000
    assert ts[ends[longest]] == 1_771_159_440_000
    assert len(report.gaps) == len(breaks)


@pytest.mark.parametrize("alias", ["BTCUSDT", "BTC", "btc", " Btc "])
def test_symbol_aliases_select_the_same_rows(shared_data: Path, alias: str) -> None:
    ref = load_candles(shared_data / "bars" / RECORDER, symbol="BTC")
    got = load_candles(shared_data / "bars" / RECORDER, symbol=alias)
    assert np.array_equal(got.ts_ms, ref.ts_ms)
    assert got.symbol == alias.strip().upper()


def test_recorder_needs_a_known_symbol(shared_data: Path) -> None:
    path = shared_data / "bars" / RECORDER
    with pytest.raises(ParameterError, match=r"several symbols \(BTC, ETH, SOL\).*symbol="):
        load_candles(path)
    with pytest.raises(
        UnknownSymbolError, match=r"'DOGE' is not in this file; it holds BTC, ETH, SOL"
    ):
        load_candles(path, symbol="DOGE")
    for sym, n in (("ETH", 8664), ("SOLUSDT", 8664)):
        assert len(load_candles(path, symbol=sym)) == n


def test_flow_file(shared_data: Path) -> None:
    path = shared_data / "bars" / FLOW
    candles, oi, report = load_flow_report(path, symbol="BTC")
    raw = pl.read_csv(path).filter(pl.col("symbol") == "BTC")
    assert len(candles) == len(oi) == raw.height == 4798
    assert oi.kind == "change"
    assert np.allclose(oi.value_usd, raw["oi_change"].to_numpy())
    assert np.allclose(candles.volume, (raw["taker_buy_vol"] + raw["taker_sell_vol"]).to_numpy())
    assert np.array_equal(candles.taker_buy_volume, raw["taker_buy_vol"].to_numpy())
    assert np.array_equal(candles.close, raw["close"].to_numpy())
    assert "open = previous close for 4755 bars, src_price for 43 bars" in report.notes[0]
    assert "not_ok" not in report.excluded  # every row of the real file is ok
    _invariants(candles, report)
    for sym, n in (("ETH", 1551), ("solusdt", 2348)):
        assert len(load_flow(path, symbol=sym)[0]) == n


def test_flow_as_open_interest(shared_data: Path) -> None:
    oi = load_open_interest(shared_data / "bars" / FLOW, symbol="BTC")
    assert (oi.kind, len(oi)) == ("change", 4798)


def test_merge_recorder_bars_with_flow(shared_data: Path) -> None:
    bars = load_candles(shared_data / "bars" / RECORDER, symbol="BTC")
    flow, _ = load_flow(shared_data / "bars" / FLOW, symbol="BTC")
    merged = merge_flow(bars, flow)
    common = np.intersect1d(bars.ts_ms, flow.ts_ms)
    assert int(np.isfinite(merged.taker_buy_volume).sum()) == len(common) > 4000
    assert np.array_equal(merged.close, bars.close)
    # where both have the bar, the recorder's closes agree
    i = np.searchsorted(bars.ts_ms, common)
    j = np.searchsorted(flow.ts_ms, common)
    assert np.array_equal(bars.close[i], flow.close[j])


@pytest.mark.parametrize("name", sorted(TAPES))
def test_liquidation_tapes(shared_data: Path, name: str) -> None:
    rows, longs = TAPES[name]
    events, report = load_liquidations_report(shared_data / "liquidations" / name)
    assert len(events) == report.rows_read == rows
    assert events.excluded == {}
    assert int((events.side == 1).sum()) == longs
    assert int((events.side == -1).sum()) == rows - longs
    assert (np.diff(events.ts_ms) >= 0).all()
    assert np.allclose(events.notional_usd, events.price * events.qty, rtol=1e-9)


def test_binance_tape_cascade_day(shared_data: Path) -> None:
    events = load_liquidations(
        shared_data / "liquidations" / "binance-btc-forceorder-2026-01-27_2026-02-16.csv.gz"
    )
    day = events.between(1_770_249_600_000, 1_770_336_000_000)  # 2026-02-05 UTC
    assert len(day) > 5000
    assert day.notional_usd.sum() > 50e6


# --- archive-format variants built at test time from the real AVAX file ------------------


def _avax_csv(shared_data: Path) -> bytes:
    return gzip.decompress((shared_data / "bars" / AVAX).read_bytes())


def _zip(tmp_path: Path, name: str, member: str, data: bytes) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, data)
    return path


def _same(a: Candles, b: Candles) -> None:
    for field in ("ts_ms", "open", "high", "low", "close", "volume", "taker_buy_volume"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert (a.symbol, a.interval_ms) == (b.symbol, b.interval_ms)


@pytest.mark.parametrize("header", [True, False])
def test_archive_zip_with_and_without_header(
    shared_data: Path, tmp_path: Path, header: bool
) -> None:
    data = _avax_csv(shared_data)
    if not header:
        data = data.split(b"\n", 1)[1]
    path = _zip(tmp_path, "AVAXUSDT-1m-2026-02.zip", "AVAXUSDT-1m-2026-02.csv", data)
    candles, report = load_candles_report(path)
    _same(candles, load_candles(shared_data / "bars" / AVAX))
    assert report.layout == "binance-klines"
    assert report.path.endswith("AVAXUSDT-1m-2026-02.zip[AVAXUSDT-1m-2026-02.csv]")


def test_archive_microsecond_times_are_converted(shared_data: Path, tmp_path: Path) -> None:
    frame = pl.read_csv(io.BytesIO(_avax_csv(shared_data)))
    frame = frame.with_columns(pl.col("open_time") * 1000, pl.col("close_time") * 1000)
    assert len(str(frame["open_time"][0])) == 16
    buf = io.BytesIO()
    frame.write_csv(buf, include_header=False)
    path = _zip(tmp_path, "AVAXUSDT-1m-2026-02.zip", "AVAXUSDT-1m-2026-02.csv", buf.getvalue())
    candles, report = load_candles_report(path)
    _same(candles, load_candles(shared_data / "bars" / AVAX))
    assert any("40320 timestamps were in microseconds" in n for n in report.notes)


def test_parquet_of_a_real_file_round_trips(shared_data: Path, tmp_path: Path) -> None:
    from liqmap.io.files import save_candles

    ref = load_candles(shared_data / "bars" / AVAX)
    save_candles(ref, tmp_path / "avax.parquet")
    _same(load_candles(tmp_path / "avax.parquet"), ref)


def test_venue_column_selects_one_venue(shared_data: Path) -> None:
    path = shared_data / "bars" / VENUES_1H
    with pytest.raises(ParameterError, match=r"several venues \(binance, bybit\).*venue="):
        load_candles_report(path, symbol="BTCUSDT")
    binance = load_candles(path, symbol="BTC", venue="binance")
    bybit = load_candles(path, symbol="BTC", venue="Bybit")
    assert len(binance) == len(bybit) == 8496
    rel = np.abs(bybit.close / binance.close - 1.0)
    assert float(np.median(rel)) < 0.001, "Bybit closes within a median 0.007% of Binance"
    with pytest.raises(UnknownSymbolError, match="venue 'okx' is not in this file"):
        load_candles(path, symbol="BTC", venue="okx")
    with pytest.raises(ParameterError, match="no venue column"):
        load_candles(shared_data / "bars" / ONE_MIN_BTC, venue="binance")


def test_mark_price_bars_track_last_trade(shared_data: Path) -> None:
    mark = load_candles(shared_data / "bars" / MARK, symbol="BTC")
    last = load_candles(shared_data / "bars" / VENUES_1H, symbol="BTC", venue="binance")
    common, im, il = np.intersect1d(mark.ts_ms, last.ts_ms, return_indices=True)
    assert common.size > 7000
    rel = np.abs(mark.close[im] / last.close[il] - 1.0)
    assert float(np.median(rel)) < 0.0005, "README: mark vs last close median 0.0018%"


def test_coin_and_inst_id_columns_select_the_instrument(shared_data: Path) -> None:
    oi_path = shared_data / "open_interest" / HL_OI
    with pytest.raises(ParameterError, match="several symbols"):
        load_open_interest(oi_path)
    btc = load_open_interest(oi_path, symbol="BTC")
    eth = load_open_interest(oi_path, symbol="ETH")
    assert len(btc) > 8000 and len(eth) > 8000
    tape = shared_data / "liquidations" / OKX_TAPE
    counts = {s: len(load_liquidations(tape, symbol=s)) for s in ("BTC", "ETH", "SOL")}
    assert counts == {"BTC": 1611, "ETH": 1632, "SOL": 1052}
