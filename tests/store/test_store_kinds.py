"""``SeriesKind``: the typed store kind and its text spelling (issue 15 item 5)."""

from __future__ import annotations

import pytest

from liqmap.errors import ParameterError
from liqmap.store.coverage import source_of
from liqmap.store.kinds import FUNDING, LIQUIDATIONS, OI, OI_CHANGE, SeriesKind


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        (SeriesKind.candles(60_000), "candles:60000"),
        (SeriesKind.series("long_short_ratio"), "series:long_short_ratio"),
        (OI, "oi"), (OI_CHANGE, "oi-change"), (FUNDING, "funding"), (LIQUIDATIONS, "liquidations"),
    ],
)  # fmt: skip
def test_kinds_round_trip_through_their_spelling(kind: SeriesKind, text: str) -> None:
    assert str(kind) == text
    assert SeriesKind.parse(text) == kind
    assert SeriesKind.parse(kind) is kind


def test_candle_kinds_carry_their_interval() -> None:
    assert SeriesKind.parse("candles:300000").interval_ms == 300_000
    assert OI.interval_ms is None


@pytest.mark.parametrize(
    "text", ["candles", "candles:0", "candles:abc", "series:", "oi:x", "ohlc", "brackets"]
)
def test_unknown_kinds_are_refused_naming_the_kind(text: str) -> None:
    with pytest.raises(ParameterError, match="unknown store kind") as info:
        source_of(text)
    assert info.value.field == "kind"


def test_kinds_select_their_table() -> None:
    assert source_of(SeriesKind.candles(60_000)) == ("candles", " AND interval_ms = ?", [60_000])
    assert source_of("oi-change") == ("open_interest", " AND kind = ?", ["change"])
    assert source_of(SeriesKind.series("x")) == ("series", " AND kind = ?", ["x"])
    assert source_of("book-depth") == ("book_depth", "", [])
