"""Store writes and reads: round trips of every record, idempotency (new-row counts), time
ranges, empty reads, coverage (missing ranges, info) — on real market data where it fits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from liqmap.domain.margin import MarginTable, MarginTier
from liqmap.domain.market import Candles, Gap, LiquidationEvents, OpenInterest
from liqmap.errors import ParameterError
from liqmap.io.files import load_candles, load_liquidations
from liqmap.store import Store
from liqmap.store.coverage import missing_ranges

MIN = 60_000
DAY = 86_400_000
VENUE, SYM = "binance", "BTCUSDT"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "liqmap.duckdb") as s:
        yield s


@pytest.fixture(scope="module")
def btc_1m(shared_data: Path) -> Candles:
    return load_candles(shared_data / "bars" / "binance-um-1m-BTCUSDT-2025-05-25_2025-06-24.csv.gz")


def test_candles_round_trip_and_idempotent(store: Store, btc_1m: Candles) -> None:
    assert store.write_candles(VENUE, SYM, btc_1m) == len(btc_1m) == 43_198
    assert store.write_candles(VENUE, SYM, btc_1m) == 0
    assert store.write_candles(VENUE, SYM, btc_1m.take(slice(100, 200))) == 0
    back = store.read_candles(VENUE, SYM, interval_ms=MIN)
    for name in ("ts_ms", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(back, name), getattr(btc_1m, name))
    assert np.isnan(back.taker_buy_volume).all()  # unknown stays unknown (NaN)
    assert back.symbol == SYM and back.interval_ms == MIN and back.source == "store:binance"
    t0 = int(btc_1m.ts_ms[1000])
    part = store.read_candles(VENUE, SYM, interval_ms=MIN, start_ms=t0, end_ms=t0 + 60 * MIN)
    assert len(part) == 60 and part.ts_ms[0] == t0
    assert len(store.read_candles(VENUE, SYM, interval_ms=5 * MIN)) == 0
    assert len(store.read_candles("bybit", SYM, interval_ms=MIN)) == 0


def test_replace_overwrites_without_duplicating(store: Store) -> None:
    ts = np.array([0, MIN], np.int64)
    one = Candles(SYM, MIN, ts, [1, 1], [2, 2], [1, 1], [1.5, 1.5], [5, 5], [1, 1])
    two = Candles(SYM, MIN, ts[1:], [1], [3], [1], [2.5], [9], [4])
    assert store.write_candles(VENUE, SYM, one) == 2
    assert store.write_candles(VENUE, SYM, two) == 0  # kept as stored
    assert store.read_candles(VENUE, SYM, interval_ms=MIN).volume.tolist() == [5, 5]
    assert store.write_candles(VENUE, SYM, two, replace=True) == 0
    back = store.read_candles(VENUE, SYM, interval_ms=MIN)
    assert back.volume.tolist() == [5, 9] and back.high.tolist() == [2, 3]


def test_open_interest_keeps_levels_and_changes_apart(store: Store) -> None:
    ts = np.arange(5, dtype=np.int64) * 5 * MIN
    level = OpenInterest(ts, [1e9, 1.1e9, 1.2e9, 1.1e9, 1.0e9], kind="level")
    change = OpenInterest(ts, [1.0, -2.0, 3.0, 0.0, 5.0], kind="change")
    assert store.write_open_interest(VENUE, SYM, level) == 5
    assert store.write_open_interest(VENUE, SYM, change) == 5
    assert store.write_open_interest(VENUE, SYM, level) == 0
    got = store.read_open_interest(VENUE, SYM)
    assert (
        got is not None
        and got.kind == "level"
        and got.value_usd.tolist() == level.value_usd.tolist()
    )
    ch = store.read_open_interest(VENUE, SYM, kind="change")
    assert ch is not None and ch.value_usd.tolist() == change.value_usd.tolist()
    assert store.read_open_interest(VENUE, SYM, int(ts[1]), int(ts[3])) is not None
    assert store.read_open_interest(VENUE, "ETHUSDT") is None


def test_liquidations_from_the_real_tape(store: Store, shared_data: Path) -> None:
    tape = load_liquidations(
        shared_data / "liquidations" / "binance-btc-forceorder-2026-01-27_2026-02-16.csv.gz"
    )
    assert store.write_liquidations(VENUE, SYM, tape) == len(tape)
    assert store.write_liquidations(VENUE, SYM, tape) == 0
    back = store.read_liquidations(VENUE, SYM)
    order = np.lexsort((tape.qty, tape.price, tape.side, tape.ts_ms))
    np.testing.assert_array_equal(back.ts_ms, tape.ts_ms[order])
    np.testing.assert_array_equal(back.notional_usd, tape.notional_usd[order])
    assert set(np.unique(back.side).tolist()) == {-1, 1}
    crash = back.between(1_770_249_600_000, 1_770_336_000_000)  # 2026-02-05
    assert (
        len(store.read_liquidations(VENUE, SYM, 1_770_249_600_000, 1_770_336_000_000))
        == len(crash)
        > 1000
    )


def test_bad_liquidation_side_is_refused(store: Store) -> None:
    ev = LiquidationEvents([1], [0], [1.0], [1.0], [1.0])
    with pytest.raises(ParameterError, match=r"side 0.*\+1"):
        store.write_liquidations(VENUE, SYM, ev)


def test_funding_series_and_book_depth(store: Store) -> None:
    ts = np.array([0, 8, 16], np.int64) * 3_600_000
    assert store.write_funding(VENUE, SYM, ts, np.array([1e-4, -2e-4, 3e-4])) == 3
    assert store.write_funding(VENUE, SYM, ts, np.array([1e-4, -2e-4, 3e-4])) == 0
    got_ts, rate = store.read_funding(VENUE, SYM)
    assert got_ts.tolist() == ts.tolist() and rate.tolist() == [1e-4, -2e-4, 3e-4]
    assert store.write_series(VENUE, SYM, "long_short_ratio", ts, np.array([1.1, 1.2, 1.3])) == 3
    assert store.write_series(VENUE, SYM, "taker_buy_sell_ratio", ts, np.ones(3)) == 3
    s_ts, val = store.read_series(VENUE, SYM, "long_short_ratio", start_ms=1)
    assert s_ts.tolist() == ts[1:].tolist() and val.tolist() == [1.2, 1.3]
    with pytest.raises(ParameterError, match="differ in length"):
        store.write_series(VENUE, SYM, "x", ts, np.ones(2))
    depth = {
        "ts_ms": np.repeat(ts[:1], 2),
        "percentage": np.array([-1.0, 1.0]),
        "depth": np.array([10.0, 12.0]),
        "notional": np.array([1e6, 1.2e6]),
    }
    assert store.write_book_depth(VENUE, SYM, depth) == 2
    assert store.write_book_depth(VENUE, SYM, depth) == 0
    assert store.read_book_depth(VENUE, SYM)["percentage"].tolist() == [-1.0, 1.0]


def _table(mmr: float, as_of: str) -> MarginTable:
    tiers = (
        MarginTier(1, 0, 50_000, mmr, 0, 125),
        MarginTier(2, 50_000, 250_000, 2 * mmr, 50_000 * mmr, 100),
    )
    return MarginTable(SYM, VENUE, tiers, as_of=as_of, source="test")


def test_brackets_latest_wins(store: Store) -> None:
    assert store.latest_brackets(VENUE, SYM) is None
    assert store.write_brackets(VENUE, _table(0.004, "2026-01-01"), 1_000) == 2
    assert store.write_brackets(VENUE, _table(0.004, "2026-01-01"), 1_000) == 0
    assert store.write_brackets(VENUE, _table(0.005, "2026-02-01"), 2_000) == 2
    latest = store.latest_brackets(VENUE, SYM)
    assert latest == _table(0.005, "2026-02-01")


def test_positions_snapshots(store: Store) -> None:
    rows = {
        "address": np.array(["0xa", "0xb"]),
        "coin": np.array(["BTC", "ETH"]),
        "szi": np.array([1.5, -2.0]),
        "entry_px": np.array([60_000.0, 3_000.0]),
        "position_value": np.array([90_000.0, 6_000.0]),
        "leverage": np.array([10.0, 5.0]),
        "margin_type": np.array(["cross", "isolated"]),
        "liquidation_px": np.array([54_000.0, None], dtype=object),
    }
    assert store.write_positions("hyperliquid", 1_000, rows) == 2
    assert store.write_positions("hyperliquid", 1_000, rows) == 0
    assert store.write_positions("hyperliquid", 2_000, {**rows, "szi": np.array([2.0, -1.0])}) == 2
    latest = store.read_positions("hyperliquid")
    assert latest["snapshot_ms"].tolist() == [2_000, 2_000] and latest["szi"].tolist() == [
        2.0,
        -1.0,
    ]
    old = store.read_positions("hyperliquid", coin="ETH", snapshot_ms=1_000)
    assert old["address"].tolist() == ["0xb"] and np.isnan(old["liquidation_px"][0])
    assert len(store.read_positions("okx")["address"]) == 0
    with pytest.raises(ParameterError, match="margin_type"):
        store.write_positions(
            "hyperliquid", 3_000, {k: v for k, v in rows.items() if k != "margin_type"}
        )


def test_missing_ranges_buckets() -> None:
    times = np.array([0, 1, 2, 5, 9], np.int64) * MIN
    assert missing_ranges(times, 0, 10 * MIN, MIN) == [(3 * MIN, 5 * MIN), (6 * MIN, 9 * MIN)]
    assert missing_ranges(times, 30_000, 4 * MIN, MIN) == [(3 * MIN, 4 * MIN)]
    assert missing_ranges(np.array([], np.int64), 10, 20, MIN) == [(10, 20)]
    funding = np.array([0, 8 * 3_600_000 + 7], np.int64)  # a settlement stamped 7 ms late
    assert missing_ranges(funding, 0, 24 * 3_600_000, 8 * 3_600_000) == [
        (16 * 3_600_000, 24 * 3_600_000)
    ]
    with pytest.raises(ParameterError):
        missing_ranges(times, 0, 10, 0)


def test_store_missing_ranges_and_info(store: Store, btc_1m: Candles) -> None:
    first = int(btc_1m.ts_ms[0])
    cut = btc_1m.take(slice(0, 100))
    rest = btc_1m.take(slice(160, 400))
    store.write_candles(VENUE, SYM, cut)
    store.write_candles(VENUE, SYM, rest)
    holes = store.missing_ranges(
        VENUE, SYM, "candles:60000", first - 2 * MIN, first + 400 * MIN, MIN
    )
    assert holes == [(first - 2 * MIN, first), (first + 100 * MIN, first + 160 * MIN)]
    assert store.missing_ranges(VENUE, SYM, "oi", first, first + DAY, 5 * MIN) == [
        (first, first + DAY)
    ]
    with pytest.raises(ParameterError, match="unknown store kind"):
        store.missing_ranges(VENUE, SYM, "klines", first, first + DAY, MIN)
    store.write_open_interest(VENUE, SYM, OpenInterest(cut.ts_ms[::5], cut.close[::5] * 1e4))
    (candles, oi) = store.info()
    assert (candles.kind, candles.rows, candles.first_ms, candles.step_ms) == (
        "candles:60000",
        340,
        first,
        MIN,
    )
    assert (
        candles.gaps == (Gap(first + 100 * MIN, first + 160 * MIN, 60),) and candles.missing == 60
    )
    assert (oi.kind, oi.rows, oi.step_ms, oi.gaps) == ("oi", 20, 5 * MIN, ())
    d = candles.to_dict()
    assert d["first"] == "2025-05-25T10:33:00.000Z" and d["gaps"][0]["missing"] == 60
