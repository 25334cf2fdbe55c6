"""Order-book replay (Binance U/u/pu sequencing), bookDepth, Hyperliquid l2Book, load_depth."""

from __future__ import annotations

import gzip
import itertools
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from liqmap.errors import DataFileError
from liqmap.io.orderbook import (
    load_depth,
    read_book_depth_csv,
    read_hyperliquid_l2,
    replay_binance,
    replay_binance_file,
)

BOOK = Path("orderbook") / "usdm_btcusdt_20240808.txt.gz"


def _snap(uid: int, bids: list[tuple[str, str]], asks: list[tuple[str, str]]) -> str:
    body = {"lastUpdateId": uid, "E": 1000, "T": 999, "bids": bids, "asks": asks}
    return f"1723161255319702566 {json.dumps(body)}"


def _diff(first: int, last: int, prev: int, b: list[tuple[str, str]], a: list[tuple[str, str]],
          t: int = 1001) -> str:  # fmt: skip
    data = {"e": "depthUpdate", "E": t, "T": t, "s": "TEST", "U": first, "u": last, "pu": prev,
            "b": b, "a": a}  # fmt: skip
    return f"1723161255030314667 {json.dumps({'stream': 'test@depth@0ms', 'data': data})}"


SNAP = _snap(100, [("99.0", "1"), ("98.0", "2")], [("101.0", "1"), ("102.0", "2")])


def test_sequencing_rules() -> None:
    lines = [
        _diff(90, 95, 89, [("99.0", "7")], []),  # before the snapshot, u < 100: dropped
        _diff(96, 103, 95, [("98.5", "1")], []),  # straddles lastUpdateId: applied first
        SNAP,
        _diff(104, 110, 103, [("99.0", "0")], [("101.5", "3")]),  # pu == previous u
        '1723161255088176367 {"stream":"test@trade","data":{"e":"trade"}}',  # skipped
    ]
    r = replay_binance(lines)
    assert (r.applied, r.dropped_stale, r.gaps) == (2, 1, ())
    f = r.final
    assert f is not None and f.update_id == 110
    np.testing.assert_array_equal(f.bid_price, [98.5, 98.0])  # 99.0 removed by qty 0
    np.testing.assert_array_equal(f.ask_price, [101.0, 101.5, 102.0])
    np.testing.assert_array_equal(f.ask_qty, [1.0, 3.0, 2.0])
    assert f.mid == pytest.approx(99.75)


def test_gap_is_detected_and_resynchronised_by_the_next_snapshot() -> None:
    lines = [
        SNAP,
        _diff(100, 105, 99, [("99.0", "5")], []),
        _diff(120, 125, 119, [("99.0", "6")], []),  # pu 119 != 105: events were missed
        _diff(126, 130, 125, [("99.0", "7")], []),  # waits for a snapshot
    ]
    r = replay_binance(lines)
    assert len(r.gaps) == 1 and (r.gaps[0].expected, r.gaps[0].got_first) == (105, 119)
    assert r.final is not None and r.final.update_id == 105  # last book in sequence
    assert float(r.final.bid_qty[0]) == 5.0
    resync = replay_binance([*lines, _snap(124, [("99.0", "6")], [("101.0", "1")])])
    assert resync.final is not None and resync.final.update_id == 130
    assert float(resync.final.bid_qty[0]) == 7.0 and resync.applied == 3


def test_first_event_must_cover_the_snapshot() -> None:
    r = replay_binance([SNAP, _diff(105, 110, 104, [("99.0", "5")], [])])  # U > lastUpdateId
    assert len(r.gaps) == 1 and r.applied == 0
    assert r.final is not None and r.final.update_id == 100  # the snapshot itself


def test_crossing_levels_are_cleared_and_never_negative() -> None:
    lines = [SNAP, _diff(100, 101, 99, [("101.5", "1")], [])]  # a bid above the best ask
    r = replay_binance(lines)
    assert r.crossed_cleared == 1
    f = r.final
    assert f is not None and f.bid_price[0] == 101.5 and f.ask_price[0] == 102.0
    with pytest.raises(DataFileError, match="row 2"):
        replay_binance([SNAP, _diff(100, 101, 99, [("99.0", "-1")], [])])


Recording = tuple[dict[str, object], list[dict[str, object]]]


@pytest.fixture(scope="module")
def recording(shared_data: Path) -> Recording:
    """The snapshot and the diff events after it, read with plain json (independent parsing)."""
    events, snap = [], None
    with gzip.open(shared_data / BOOK, "rt") as f:
        for line in f:
            msg = json.loads(line.split(" ", 1)[1])
            if "lastUpdateId" in msg:
                snap = msg
            elif msg.get("data", {}).get("e") == "depthUpdate":
                events.append(msg["data"])
    assert snap is not None
    live = [e for e in events if e["u"] >= snap["lastUpdateId"]]
    assert live[0]["U"] <= snap["lastUpdateId"] <= live[0]["u"]
    for prev, e in itertools.pairwise(live):
        assert e["pu"] == prev["u"]  # the recording has no gap
    return snap, live


def _naive(rec: Recording, n: int) -> tuple[dict[float, float], dict[float, float]]:
    """Independent replay: plain dicts, the documented rules, the first ``n`` events."""
    snap, live = rec
    bids = {float(p): float(q) for p, q in snap["bids"]}  # type: ignore[attr-defined]
    asks = {float(p): float(q) for p, q in snap["asks"]}  # type: ignore[attr-defined]
    for e in live[:n]:
        for side, book in (("b", bids), ("a", asks)):
            for p, q in e[side]:  # type: ignore[attr-defined]
                if float(q) == 0:
                    book.pop(float(p), None)
                else:
                    book[float(p)] = float(q)
    return bids, asks


@pytest.mark.shared_data
@pytest.mark.parametrize("n", [1, 25, 500, 100_000])
def test_replay_equals_naive_replay(shared_data: Path, recording: Recording, n: int) -> None:
    r = replay_binance_file(shared_data / BOOK, max_events=n)
    bids, asks = _naive(recording, n)
    f = r.final
    assert f is not None and r.gaps == () and r.crossed_cleared == 0
    assert dict(zip(f.bid_price.tolist(), f.bid_qty.tolist(), strict=True)) == bids
    assert dict(zip(f.ask_price.tolist(), f.ask_qty.tolist(), strict=True)) == asks
    assert r.applied == min(n, len(recording[1]))


@pytest.mark.shared_data
def test_replayed_books_are_never_crossed_or_negative(shared_data: Path) -> None:
    r = replay_binance_file(shared_data / BOOK, sample_every_ms=1_000)
    assert len(r.snapshots) > 300
    for s in r.snapshots:
        assert np.all(np.diff(s.bid_price) < 0) and np.all(np.diff(s.ask_price) > 0)
        assert np.all(s.bid_qty > 0) and np.all(s.ask_qty > 0)
        assert s.bid_price[0] < s.ask_price[0]


def _book_depth_csv(path: Path) -> None:
    rows = ["timestamp,percentage,depth,notional"]
    for t, k in (("2024-08-08 00:00:08", 1.0), ("2024-08-08 00:00:38", 2.0)):
        for pct in (-5, -4, -3, -2, -1, -0.2, 0.2, 1, 2, 3, 4, 5):
            rows.append(f"{t},{pct},{abs(pct) * 100 * k},{abs(pct) * 6e6 * k}")
    path.write_text("\n".join(rows) + "\n")


def test_book_depth_csv_and_zip(tmp_path: Path) -> None:
    csv = tmp_path / "BTCUSDT-bookDepth-2024-08-08.csv"
    _book_depth_csv(csv)
    last = read_book_depth_csv(csv)
    assert last.bid.usd_within(0.01) == pytest.approx(12e6)  # the later snapshot, doubled
    first = read_book_depth_csv(csv, at_ms=1723075220000)  # 00:00:20
    assert first.ask.usd_within(0.05) == pytest.approx(30e6) and first.ts_ms == 1723075208000
    assert first.bid.exponent == pytest.approx(1.0)
    z = tmp_path / "depth.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(csv, csv.name)
    assert load_depth(z).bid.usd_within(0.02) == pytest.approx(24e6)
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,pct,notional\n2024-08-08 00:00:08,1,5\n")
    with pytest.raises(DataFileError, match="bookDepth"):
        read_book_depth_csv(bad)
    with pytest.raises(DataFileError, match="before the requested time"):
        read_book_depth_csv(csv, at_ms=0)


def test_rest_snapshot_file(tmp_path: Path) -> None:
    bids = [[f"{100 - i * 0.1:.1f}", "2"] for i in range(1, 30)]
    asks = [[f"{100 + i * 0.1:.1f}", "1"] for i in range(1, 30)]
    p = tmp_path / "depth.json"
    p.write_text(json.dumps({"lastUpdateId": 1, "E": 5, "T": 4, "bids": bids, "asks": asks}))
    prof = load_depth(p)
    assert prof.kind == "book" and prof.bid.usd_within(0.029) > prof.ask.usd_within(0.029)
    assert load_depth(p, model="power").kind == "power"


def test_load_depth_errors(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no such"):
        load_depth(tmp_path / "missing.txt")
    only_diffs = tmp_path / "diffs.txt"
    only_diffs.write_text(_diff(1, 2, 0, [("99.0", "1")], []) + "\n")
    with pytest.raises(DataFileError, match="snapshot"):
        load_depth(only_diffs)
    hl = tmp_path / "hl.txt"
    hl.write_text('1 {"channel":"l2Book","data":{"coin":"BTC","time":1,"levels":[[]]}}\n')
    with pytest.raises(DataFileError, match="bids, asks"):
        read_hyperliquid_l2(hl)


@pytest.mark.shared_data
def test_real_recordings_give_profiles(shared_data: Path) -> None:
    books = read_hyperliquid_l2(shared_data / "orderbook" / "hyperliquid_btcusd_20250126.txt.gz")
    assert len(books) == 46 and all(b.bid_price[0] < b.ask_price[0] for b in books)
    hl = load_depth(shared_data / "orderbook" / "hyperliquid_btcusd_20250126.txt.gz")
    assert hl.bid.usd_within(0.0002) > 0
    btc = load_depth(shared_data / BOOK)
    assert "median of 12 books" in btc.source
    assert 1e7 < btc.bid.usd_within(0.002) < 1e8  # tens of millions of USD within 0.2%
    at = load_depth(shared_data / BOOK, at_ms=1723161400000)
    assert at.ts_ms is not None and at.ts_ms <= 1723161400000
