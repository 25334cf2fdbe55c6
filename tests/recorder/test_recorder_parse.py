"""Venue adapters parse the exchanges' real and documented messages (no network).

Side convention under test: ``side = +1`` when a LONG position was liquidated.
* Binance ``o.S`` is the liquidation ORDER side: SELL closes a long.
* Bybit ``S`` is the POSITION side: Buy means a long was liquidated (allLiquidation docs).
* OKX ``posSide`` is the position in hedge mode; in net mode the order ``side`` decides.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pytest
from recorder_wsdata import sample_messages

from liqmap.domain.enums import Venue
from liqmap.errors import MalformedResponseError, ParameterError
from liqmap.exchanges.binance.stream import BinanceLiquidationStream
from liqmap.exchanges.bybit.stream import BybitLiquidationStream
from liqmap.exchanges.okx.stream import OkxLiquidationStream, inst_id
from liqmap.recorder import Kind, LiqRow
from liqmap.testing.replay import encode_liquidations

BTC = frozenset({"BTCUSDT"})


def test_binance_real_sample_is_a_long_liquidation(shared_data: Path) -> None:
    msgs = sample_messages(shared_data, "binance")
    assert len(msgs) == 3
    d = BinanceLiquidationStream(BTC).decode(msgs[1])
    assert d.kind is Kind.DATA and d.filtered == 0
    (row,) = d.rows
    assert row == LiqRow("BTCUSDT", 1568014460893, 1, 9910.0, 0.014, 9910 * 0.014, msgs[1])


def test_bybit_real_sample_values_in_the_all_liquidation_shape(shared_data: Path) -> None:
    """The ws-samples hold the deprecated ``liquidation.BTCUSDT`` shape; its values, put into
    the current ``allLiquidation`` shape, parse with the documented position-side meaning."""
    legacy = json.loads(sample_messages(shared_data, "bybit")[-1])
    assert legacy["topic"] == "liquidation.BTCUSDT"
    item = legacy["data"]
    msg = {
        "topic": "allLiquidation.BTCUSDT",
        "type": "snapshot",
        "ts": legacy["ts"],
        "data": [
            {"T": item["updatedTime"], "s": item["symbol"], "S": item["side"],
             "v": item["size"], "p": item["price"]},
        ],
    }  # fmt: skip
    d = BybitLiquidationStream(BTC).decode(json.dumps(msg))
    (row,) = d.rows
    assert (row.ts_ms, row.side, row.price, row.qty) == (1703485237953, -1, 43511.70, 0.003)
    assert row.notional_usd == pytest.approx(130.5351)
    # the legacy topic itself is a valid Bybit push, but not the stream we record
    assert BybitLiquidationStream(BTC).decode(json.dumps(legacy)).kind is Kind.IGNORED


def test_bybit_documented_example_and_buy_means_long() -> None:
    doc = (
        '{"topic": "allLiquidation.ROSEUSDT", "type": "snapshot", "ts": 1739502303204, "data": '
        '[{"T": 1739502302929, "s": "ROSEUSDT", "S": "Sell", "v": "20000", "p": "0.04499"}]}'
    )
    (row,) = BybitLiquidationStream(frozenset({"ROSEUSDT"})).decode(doc).rows
    assert (row.side, row.qty, row.price) == (-1, 20000.0, 0.04499)
    buy = doc.replace('"Sell"', '"Buy"')
    assert BybitLiquidationStream(frozenset({"ROSEUSDT"})).decode(buy).rows[0].side == 1


def test_okx_real_samples_filtered_and_contracts_to_base(shared_data: Path) -> None:
    msgs = sample_messages(shared_data, "okx")
    adapter = OkxLiquidationStream(BTC)
    decoded = [adapter.decode(m) for m in msgs]
    assert all(d.kind is Kind.DATA for d in decoded)
    rows = [r for d in decoded for r in d.rows]
    assert sum(d.filtered for d in decoded) == len(msgs) - 1  # API3/SUI swaps dropped
    (row,) = rows
    # posSide short / side buy: a short was liquidated; 16 contracts x ctVal 0.01 BTC
    assert (row.symbol, row.ts_ms, row.side, row.price) == ("BTCUSDT", 1706608385092, -1, 103.94)
    assert row.qty == pytest.approx(0.16) and row.notional_usd == pytest.approx(16.6304)


def test_okx_net_mode_uses_the_order_side(shared_data: Path) -> None:
    msg = json.loads(sample_messages(shared_data, "okx")[-1])
    detail = msg["data"][0]["details"][0]
    detail.update(posSide="net", side="sell")
    assert OkxLiquidationStream(BTC).decode(json.dumps(msg)).rows[0].side == 1
    detail.update(posSide="long", side="sell")
    assert OkxLiquidationStream(BTC).decode(json.dumps(msg)).rows[0].side == 1


def test_okx_unknown_contract_value_is_refused_with_the_fix() -> None:
    with pytest.raises(ParameterError, match="--okx-contract-value XRP-USDT-SWAP="):
        OkxLiquidationStream(frozenset({"XRPUSDT"}))
    a = OkxLiquidationStream(frozenset({"XRPUSDT"}), {"XRP-USDT-SWAP": 100.0})
    assert inst_id("XRPUSDT") == "XRP-USDT-SWAP" and a.symbols == {"XRPUSDT"}


CONTROL = [
    (Venue.BINANCE, '{"result": null, "id": 1}', Kind.ACK),
    (Venue.BINANCE, '{"error": {"code": 2, "msg": "Invalid request"}, "id": 1}', Kind.REJECT),
    (Venue.BINANCE, '{"e": "trade", "E": 1, "s": "BTCUSDT"}', Kind.IGNORED),
    (Venue.BYBIT, '{"success": true, "ret_msg": "", "conn_id": "c", "op": "subscribe"}', Kind.ACK),
    (Venue.BYBIT, '{"success": false, "ret_msg": "error:handler not found", "op": "subscribe"}',
     Kind.REJECT),
    (Venue.BYBIT, '{"success": true, "ret_msg": "pong", "conn_id": "c", "req_id": "", "op": "ping"}',
     Kind.PONG),
    (Venue.OKX, "pong", Kind.PONG),
    (Venue.OKX, '{"event": "subscribe", "arg": {"channel": "liquidation-orders", "instType": "SWAP"},'
     ' "connId": "a4d3ae55"}', Kind.ACK),
    (Venue.OKX, '{"event": "error", "code": "60012", "msg": "Invalid request", "connId": "a"}',
     Kind.REJECT),
    (Venue.OKX, '{"event": "notice", "code": "64008", "msg": "service upgrade", "connId": "a"}',
     Kind.IGNORED),
]  # fmt: skip


def _adapter(
    venue: Venue,
) -> BinanceLiquidationStream | BybitLiquidationStream | OkxLiquidationStream:
    if venue is Venue.BINANCE:
        return BinanceLiquidationStream(BTC)
    if venue is Venue.BYBIT:
        return BybitLiquidationStream(BTC)
    return OkxLiquidationStream(BTC)


@pytest.mark.parametrize(("venue", "raw", "kind"), CONTROL)
def test_control_messages(venue: Venue, raw: str, kind: Kind) -> None:
    d = _adapter(venue).decode(raw)
    assert d.kind is kind and d.rows == ()
    if kind is Kind.REJECT:
        assert d.detail


MALFORMED = [
    (Venue.BINANCE, "not json"),
    (Venue.BINANCE, '{"e": "forceOrder", "E": 1}'),  # no order
    (Venue.BINANCE, '{"e": "forceOrder", "E": 1, "o": {"s": "BTCUSDT", "S": "SELL", "q": 1}}'),
    (Venue.BINANCE, '{"e":"forceOrder","E":1,"o":{"s":"BTCUSDT","S":"HOLD","q":"1","p":"2","T":3}}'),
    (Venue.BINANCE, '{"e":"forceOrder","E":1,"o":{"s":"BTCUSDT","S":"SELL","q":"1","p":"-2","T":3}}'),
    (Venue.BINANCE, '{"e":"forceOrder","E":1,"o":{"s":"BTCUSDT","S":"SELL","q":"NaN","p":"2","T":3}}'),
    (Venue.BINANCE, "{}"),
    (Venue.BYBIT, '{"topic": "allLiquidation.BTCUSDT", "type": "snapshot", "ts": 1}'),
    (Venue.BYBIT, '{"topic": "allLiquidation.BTCUSDT", "data": [{"T": 1, "s": "BTCUSDT"}]}'),
    (Venue.BYBIT, '{"topic":"allLiquidation.BTCUSDT","data":[{"T":1,"s":"BTCUSDT","S":"Long","v":"1","p":"2"}]}'),
    (Venue.BYBIT, '{"topic": "allLiquidation.BTCUSDT", "data": {"T": 1}}'),
    (Venue.BYBIT, "[1, 2"),
    (Venue.OKX, "{}"),
    (Venue.OKX, '{"arg": {"channel": "liquidation-orders"}, "data": [{"instId": "BTC-USDT-SWAP"}]}'),
    (Venue.OKX, '{"arg":{"channel":"liquidation-orders"},"data":[{"instId":"BTC-USDT-SWAP","details":'
     '[{"bkPx":"1","sz":"1","ts":"x","posSide":"long"}]}]}'),
    (Venue.OKX, '{"arg":{"channel":"liquidation-orders"},"data":[{"instId":"BTC-USDT-SWAP","details":'
     '[{"bkPx":"1","sz":"1","ts":"1","posSide":"net","side":"hold"}]}]}'),
    (Venue.OKX, b"\xff\xfe"),
]  # fmt: skip


@pytest.mark.parametrize(("venue", "raw"), MALFORMED)
def test_malformed_messages_raise_with_the_raw_payload(venue: Venue, raw: str | bytes) -> None:
    with pytest.raises(MalformedResponseError) as info:
        _adapter(venue).decode(raw)
    text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
    assert info.value.raw == text


def test_encoders_round_trip_and_match_the_real_shapes(
    shared_data: Path, okx_ct: Mapping[str, float]
) -> None:
    events = [
        ("BTCUSDT", 1706608385092, 1, 43391.2, 0.16),
        ("BTCUSDT", 1706608385999, -1, 43400.5, 2.0),
    ]
    real = {
        v: json.loads(sample_messages(shared_data, v.value)[-1]) for v in (Venue.BINANCE, Venue.OKX)
    }
    for venue in (Venue.BINANCE, Venue.BYBIT, Venue.OKX):
        msgs = encode_liquidations(venue, events, okx_ct)
        rows = [r for m in msgs for r in _adapter(venue).decode(m).rows]
        assert [(r.symbol, r.ts_ms, r.side, r.price) for r in rows] == [e[:4] for e in events]
        assert [r.qty for r in rows] == pytest.approx([e[4] for e in events])
        if venue in real:  # same keys, nesting and value types as the recorded messages
            assert _shape(json.loads(msgs[0])) == _shape(real[venue])


def _shape(obj: object) -> object:
    if isinstance(obj, dict):
        return {k: _shape(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_shape(obj[0])] if obj else []
    return type(obj).__name__


def test_stream_urls_under_the_configured_base() -> None:
    b, y, o = BinanceLiquidationStream(BTC), BybitLiquidationStream(BTC), OkxLiquidationStream(BTC)
    assert b.url("wss://fstream.binance.com") == "wss://fstream.binance.com/market/ws"
    assert b.url("wss://fstream.binance.com/market/") == "wss://fstream.binance.com/market/ws"
    assert y.url("wss://stream.bybit.com") == "wss://stream.bybit.com/v5/public/linear"
    assert o.url("wss://ws.okx.com:8443/ws/v5/public") == "wss://ws.okx.com:8443/ws/v5/public"
    assert [json.loads(m)["args"] for m in y.subscribe_messages()] == [["allLiquidation.BTCUSDT"]]
    assert json.loads(o.subscribe_messages()[0])["args"] == [
        {"channel": "liquidation-orders", "instType": "SWAP"}
    ]
    assert json.loads(b.subscribe_messages()[0])["params"] == ["!forceOrder@arr"]
