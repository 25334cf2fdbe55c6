"""Recorded liquidations are checked against the recent price of their symbol (issue 13 item 5):
an OKX BTC event at 103.94 while BTC traded at 43,421 is rejected, counted and its raw kept."""

from __future__ import annotations

import json
from pathlib import Path

from liqmap.domain.enums import Venue
from liqmap.exchanges.stream import LiqRow
from liqmap.recorder.batching import Columns
from liqmap.recorder.engine import Recorder, RecorderConfig
from liqmap.recorder.plausible import PriceGuard
from liqmap.settings import Settings

T0 = 1_767_225_600_000


def _row(price: float, i: int = 0, symbol: str = "BTCUSDT") -> LiqRow:
    return LiqRow(symbol, T0 + i * 1000, 1, price, 0.5, price * 0.5, f'{{"px":"{price}"}}')


def test_guard_rejects_an_event_far_from_the_recent_price() -> None:
    guard = PriceGuard()
    ok, bad = guard.split([_row(43_421.0 + i, i) for i in range(5)])
    assert len(ok) == 5 and not bad
    ok, bad = guard.split([_row(103.94, 9), _row(43_500.0, 10), _row(1e300, 11)])
    assert [r.price for r in ok] == [43_500.0]
    assert [r.price for r, _ in bad] == [103.94, 1e300]
    # one outlier never moves the reference: real prices still pass, other symbols are apart
    ok, bad = guard.split([_row(43_300.0, 12), _row(2_300.0, 13, "ETHUSDT")])
    assert len(ok) == 2 and not bad


class _ListSink:
    name = "memory"

    def __init__(self) -> None:
        self.parts: list[tuple[Venue, str, Columns]] = []

    def append(self, venue: Venue, symbol: str, columns: Columns) -> None:
        self.parts.append((venue, symbol, columns))


def test_recorder_counts_and_keeps_the_raw_of_rejected_events(tmp_path: Path) -> None:
    cfg = RecorderConfig(venues=(Venue.OKX,), symbols=("BTCUSDT",))
    rec = Recorder(cfg, _ListSink(), Settings(home=tmp_path))
    rec._on_rows(Venue.OKX, [_row(43_421.0 + i, i) for i in range(4)] + [_row(103.94, 5)])
    stats = rec.report().venue(Venue.OKX)
    assert stats["implausible"] == 1
    assert rec.batcher.pending == 4
    kept = tmp_path / "recordings" / "rejected" / "okx.jsonl"
    line = json.loads(kept.read_text(encoding="utf-8").splitlines()[0])
    assert line["price"] == 103.94 and line["raw"] == '{"px":"103.94"}'
    assert "43" in line["reason"]
