"""Layout detection from column names (liqmap.io.layouts)."""

from __future__ import annotations

import pytest

from liqmap.errors import MissingColumnError
from liqmap.io.layouts import (
    LAYOUTS,
    Kind,
    detect_layout,
    headerless_columns,
    normalize_column,
)

CANDLES: tuple[Kind, ...] = ("candles", "agg_trades", "flow")

HEADERS = {
    "bars": "open_time_ms,open,high,low,close,volume",
    "recorder-1m": "minute_open_utc,minute_ms,symbol,open,high,low,close",
    "recorder-minute-flow": (
        "minute_open_utc,minute_ms,symbol,src_price,high,low,close,taker_buy_vol,"
        "taker_sell_vol,oi_change,ok"
    ),
    "archive-1h": (
        "timestamp,open,high,low,close,volume,close_time,quote_volume,trades,taker_buy_base,"
        "taker_buy_quote,ignore"
    ),
    "binance-klines": (
        "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
        "taker_buy_quote_volume,ignore"
    ),
    "binance-aggtrades": (
        "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker"
    ),
    "binance-metrics": (
        "create_time,symbol,sum_open_interest,sum_open_interest_value,"
        "count_toptrader_long_short_ratio,sum_toptrader_long_short_ratio,"
        "count_long_short_ratio,sum_taker_long_short_vol_ratio"
    ),
    "binance-mark": "open_time_ms,symbol,mark_open,mark_high,mark_low,mark_close",
    "oi-level": "ts_ms,oi_usd",
    "oi-change": "timestamp,oi_change",
    "liquidation-tape": "ts_ms,time_utc,liquidated_side,order_side,price,qty,notional_usd",
}
ALL_KINDS: tuple[Kind, ...] = ("candles", "agg_trades", "flow", "open_interest", "liquidations")


def test_layout_names_are_unique_and_all_tested() -> None:
    names = [layout.name for layout in LAYOUTS]
    assert len(names) == len(set(names))
    assert set(names) == set(HEADERS)


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_each_documented_header_is_detected(name: str) -> None:
    match = detect_layout(HEADERS[name].split(","), ALL_KINDS, "f.csv")
    assert match.layout.name == name


def test_symbol_column_is_found_case_insensitively() -> None:
    match = detect_layout(["Open_Time_MS", "OPEN", "High", "low", "close", "Symbol"], CANDLES, "f")
    assert match.layout.name == "bars"
    assert match.symbol_column == "Symbol"
    assert match.columns["ts"] == "Open_Time_MS"
    assert match.columns["open"] == "OPEN"


def test_normalize_column_strips_bom_quotes_space() -> None:
    assert normalize_column('\ufeff "Open_Time" ') == "open_time"


def test_generic_bars_accept_aliases_and_optional_volume() -> None:
    match = detect_layout(["ts_ms", "open", "high", "low", "close"], CANDLES, "f")
    assert match.layout.name == "bars"
    assert "volume" not in match.columns


def test_oi_level_wins_over_change_when_both_present() -> None:
    match = detect_layout(["ts_ms", "oi_change", "open_interest_usd"], ("open_interest",), "f")
    assert match.layout.name == "oi-level"
    assert match.columns["oi_level"] == "open_interest_usd"


def test_misspelt_column_gets_a_suggestion() -> None:
    with pytest.raises(MissingColumnError) as info:
        detect_layout(["open_time_ms", "open", "high", "low", "clsoe"], CANDLES, "x.csv")
    err = info.value
    msg = str(err)
    assert err.path == "x.csv"
    assert err.field == "close"
    assert "found 'clsoe': rename it to 'close'?" in msg
    assert "[open_time_ms, open, high, low, clsoe]" in msg  # the columns found
    assert "binance-klines: open_time,open,high,low,close" in msg  # the expected layouts
    assert "Closest is bars" in msg


def test_unrelated_columns_list_expected_layouts() -> None:
    with pytest.raises(MissingColumnError, match="no known open-interest layout") as info:
        detect_layout(["a", "b"], ("open_interest",), "y.csv")
    assert "oi-level: ts_ms,oi_usd" in str(info.value)


def test_file_of_another_kind_names_the_right_loader() -> None:
    cols = HEADERS["liquidation-tape"].split(",")
    with pytest.raises(MissingColumnError, match=r"liquidation-tape file.*load_liquidations\(\)"):
        detect_layout(cols, CANDLES, "tape.csv")
    with pytest.raises(MissingColumnError, match=r"load_candles\(\)"):
        detect_layout(HEADERS["bars"].split(","), ("liquidations",), "bars.csv")


@pytest.mark.parametrize(
    ("n", "first", "last"),
    [
        (12, "open_time", "ignore"),
        (7, "agg_trade_id", "is_buyer_maker"),
        (8, "agg_trade_id", "is_best_match"),
    ],
)
def test_headerless_forms(n: int, first: str, last: str) -> None:
    names = headerless_columns(n)
    assert names is not None
    assert (len(names), names[0], names[-1]) == (n, first, last)


def test_no_headerless_form_for_other_widths() -> None:
    assert headerless_columns(6) is None


def test_signature_marks_optional_columns() -> None:
    bars = next(layout for layout in LAYOUTS if layout.name == "bars")
    assert bars.signature() == "open_time_ms,open,high,low,close,[volume],[taker_buy_volume]"


@pytest.mark.parametrize(
    ("header", "symbol_col", "venue_col"),
    [
        ("ts_ms,coin,oi_usd", "coin", None),
        ("ts_ms,time_utc,inst_id,liquidated_side,order_side,price,contracts,qty", "inst_id", None),
        ("open_time_ms,venue,symbol,open,high,low,close,volume", "symbol", "venue"),
        ("open_time_ms,Exchange,open,high,low,close", None, "Exchange"),
    ],
)
def test_instrument_and_venue_columns(
    header: str, symbol_col: str | None, venue_col: str | None
) -> None:
    match = detect_layout(header.split(","), ALL_KINDS, "f.csv")
    assert (match.symbol_column, match.venue_column) == (symbol_col, venue_col)
