"""The recorder against local replay servers (real WebSocket servers on 127.0.0.1).

Sessions are JSON-lines files written at test time from ../shared/data: real liquidations of
the shared tapes encoded in each venue's documented push shape, the exchanges' own recorded
messages (ws-samples) and real Binance ``@trade`` messages as non-liquidation traffic.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Mapping
from pathlib import Path

import polars as pl
import pytest
from recorder_harness import FAST, VENUES, Harness
from recorder_wsdata import Event, binance_trades, read_jsonl, sample_messages, write_jsonl

from liqmap.domain.enums import Venue
from liqmap.recorder import (
    FlushPolicy,
    ParquetSink,
    Recorder,
    RecorderConfig,
    StoreSink,
    default_sink,
)
from liqmap.settings import Settings
from liqmap.store import Store
from liqmap.testing.replay import Fault, encode_liquidations

FAST_PINGS = dataclasses.replace(FAST, ping_interval_s=0.05, pong_timeout_s=0.2)


def _session(
    tmp: Path, venue: Venue, events: list[Event], okx_ct: Mapping[str, float], extra: list[str]
) -> list[str]:
    """Encoded events with ``extra`` messages interleaved, through a JSON-lines file."""
    msgs = encode_liquidations(venue, events, okx_ct)
    step = max(1, len(msgs) // (len(extra) + 1))
    for i, m in enumerate(extra):
        msgs.insert((i + 1) * step + i, m)
    return read_jsonl(write_jsonl(tmp / f"{venue.value}.jsonl", msgs))


def _check_rows(rows: pl.DataFrame, events: list[Event]) -> None:
    got = rows.sort(["ts_ms", "price", "qty"])
    want = pl.DataFrame(
        events, schema=["symbol", "ts_ms", "side", "price", "qty"], orient="row"
    ).sort(["ts_ms", "price", "qty"])
    assert got["symbol"].to_list() == want["symbol"].to_list()
    assert got["ts_ms"].to_list() == want["ts_ms"].to_list()
    assert got["side"].to_list() == want["side"].to_list()
    assert got["price"].to_list() == want["price"].to_list()
    assert got["qty"].to_numpy() == pytest.approx(want["qty"].to_numpy(), rel=1e-9)
    notional = (got["price"] * got["qty"]).to_numpy()
    assert got["notional_usd"].to_numpy() == pytest.approx(notional, rel=1e-12)


@pytest.mark.asyncio
async def test_three_venues_record_every_event_once(
    harness: Harness, events: list[Event], okx_ct: Mapping[str, float], shared_data: Path
) -> None:
    other = encode_liquidations(Venue.BINANCE, [("SOLUSDT", 1, 1, 100.0, 1.0)])
    extras = {
        Venue.BINANCE: binance_trades(shared_data, 50) + other,
        Venue.BYBIT: [],
        Venue.OKX: sample_messages(shared_data, "okx")[:-1],  # API3/SUI swaps: filtered
    }
    for venue in VENUES:
        await harness.serve(venue, _session(harness.tmp, venue, events, okx_ct, extras[venue]))
    run = await harness.record()
    assert run.report.ok and run.report.rows_pending == 0
    assert run.report.rows_written == 3 * len(events)
    for venue in VENUES:
        v = run.report.venue(venue)
        assert v["events"] == len(events) and v["malformed"] == 0 and v["gap_count"] == 0
        assert v["connects"] == 1 and v["state"] == "stopped"
        _check_rows(run.rows(venue), events)
    assert run.report.venue(Venue.BINANCE)["ignored"] == 50  # @trade events
    assert run.report.venue(Venue.BINANCE)["filtered"] == 1  # SOLUSDT
    assert run.report.venue(Venue.OKX)["filtered"] == len(extras[Venue.OKX])
    raw = run.rows(Venue.BINANCE)["raw"][0]
    assert json.loads(raw)["e"] == "forceOrder"


@pytest.mark.asyncio
async def test_the_store_sink_feeds_the_store(
    harness: Harness, events: list[Event], okx_ct: Mapping[str, float]
) -> None:
    """Batches go through ``liqmap.store.segments.append_segment``; a reader of the store (which
    never blocks the recorder) sees every event with the recorded side, price and size."""
    for venue in VENUES:
        await harness.serve(venue, encode_liquidations(venue, events, okx_ct))
    sink = default_sink(harness.tmp)
    assert isinstance(sink, StoreSink)
    run = await harness.record(sink=sink)
    assert run.report.rows_written == 3 * len(events)
    with Store.open(settings=Settings(home=harness.tmp), read_only=True) as store:
        for venue in VENUES:
            for symbol in ("BTCUSDT", "ETHUSDT"):
                got = store.read_liquidations(venue.value, symbol)
                want = sorted((e[1], e[2], e[3]) for e in events if e[0] == symbol)
                assert sorted(zip(got.ts_ms, got.side, got.price, strict=True)) == want


@pytest.mark.asyncio
@pytest.mark.parametrize("how", ["close", "drop"])
async def test_disconnect_mid_stream_reconnects_resubscribes_and_reports_the_gap(
    harness: Harness, events: list[Event], okx_ct: Mapping[str, float], how: str
) -> None:
    faults = [Fault(700, how), Fault(1900, how)]
    for venue in VENUES:
        msgs = encode_liquidations(venue, events, okx_ct)
        await harness.serve(venue, msgs, faults=faults)
    run = await harness.record()
    for venue in VENUES:
        v, server = run.report.venue(venue), run.servers[venue]
        assert v["connects"] == 3 and v["reconnects"] == 2
        assert server.connections == 3 and server.sent_per_connection == [700, 1200, 1100]
        subscribes = [m for m in server.received if "ubscribe" in m or "SUBSCRIBE" in m]
        assert len(subscribes) == 3 * (2 if venue is Venue.BYBIT else 1)  # per connection
        assert v["gap_count"] == 2 and all(g["end_ms"] >= g["start_ms"] for g in v["gaps"])
        reason = v["gaps"][0]["reason"]
        assert ("1011" in reason) if how == "close" else ("dropped" in reason or "1006" in reason)
        _check_rows(run.rows(venue), events)  # the replay resumes: nothing lost, nothing twice


@pytest.mark.asyncio
async def test_malformed_messages_are_counted_logged_with_raw_and_not_fatal(
    harness: Harness,
    events: list[Event],
    okx_ct: Mapping[str, float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    bad = {
        Venue.BINANCE: ["not json", '{"e":"forceOrder","E":1,"o":{"s":"BTCUSDT"}}', "{}"],
        Venue.BYBIT: ['{"topic":"allLiquidation.BTCUSDT","data":[{"T":1}]}', '{"op"'],
        Venue.OKX: ["{}", '{"arg":{"channel":"liquidation-orders"},"data":[{"instId":1}]}'],
    }
    for venue in VENUES:
        await harness.serve(venue, _session(harness.tmp, venue, events, okx_ct, bad[venue]))
    with caplog.at_level(logging.WARNING, logger="liqmap.recorder"):
        run = await harness.record()
    for venue in VENUES:
        v = run.report.venue(venue)
        assert v["malformed"] == len(bad[venue]) and v["connects"] == 1
        assert v["malformed_samples"] == bad[venue]
        _check_rows(run.rows(venue), events)
    logged = [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()]
    assert len(logged) == sum(len(b) for b in bad.values())
    assert any('raw payload: {"e":"forceOrder","E":1,"o":{"s":"BTCUSDT"}}' in m for m in logged)


@pytest.mark.asyncio
@pytest.mark.parametrize("venue", [Venue.BYBIT, Venue.OKX])
async def test_application_pings_are_sent_and_pongs_counted(harness: Harness, venue: Venue) -> None:
    """The server closes a connection that has not pinged within 0.4 s (like OKX's 30 s)."""
    server = await harness.serve(venue, [], require_ping_within_s=0.4)
    opts = FAST_PINGS
    run = await harness.record(until=lambda: server.pings >= 8, connection=opts)
    v = run.report.venue(venue)
    assert server.pings >= 8 and v["pings"] >= 8 and v["pongs"] >= 7
    assert v["connects"] == 1 and v["gap_count"] == 0
    sent = [m for m in server.received if "ubscribe" not in m]
    assert set(sent) == ({"ping"} if venue is Venue.OKX else {'{"op":"ping"}'})


@pytest.mark.asyncio
async def test_a_silent_link_is_detected_by_the_missing_pong(harness: Harness) -> None:
    server = await harness.serve(Venue.OKX, [], answer_pings=False)
    run = await harness.record(until=lambda: server.connections >= 3, connection=FAST_PINGS)
    v = run.report.venue(Venue.OKX)
    assert v["connects"] >= 3 and v["gap_count"] >= 2
    assert "no answer to ping" in v["gaps"][0]["reason"]


@pytest.mark.asyncio
async def test_protocol_pings_from_the_server_are_answered(harness: Harness) -> None:
    """Binance-style RFC 6455 pings: the server drops clients that do not pong within 0.1 s."""
    server = await harness.serve(Venue.BINANCE, [], protocol_ping_interval_s=0.1)
    run = await harness.record(until=lambda: False, max_s=0.8, settle_s=0)
    assert server.connections == 1 and run.report.venue(Venue.BINANCE)["gap_count"] == 0


@pytest.mark.asyncio
async def test_refused_subscriptions_stop_the_venue_without_retry_storm(harness: Harness) -> None:
    for venue in VENUES:
        await harness.serve(venue, [], reject=True)
    run = await harness.record(until=lambda: False, max_s=5.0)
    assert not run.report.ok
    for venue in VENUES:
        v = run.report.venue(venue)
        assert v["state"].startswith("refused: subscription refused") and v["connects"] == 1
        assert v["rejected"] == (2 if venue is Venue.BYBIT else 1)
    assert "handler not found" in run.report.venue(Venue.BYBIT)["last_error"]
    assert "60012" in run.report.venue(Venue.OKX)["last_error"]


@pytest.mark.asyncio
async def test_row_count_flush_policy_bounds_the_unflushed_rows(
    harness: Harness, events: list[Event], okx_ct: Mapping[str, float]
) -> None:
    """``--flush-every 500``: with no timer at all, at most 500 rows ever wait unwritten."""
    server = await harness.serve(Venue.BYBIT, encode_liquidations(Venue.BYBIT, events, okx_ct))
    config = RecorderConfig(
        venues=(Venue.BYBIT,),
        symbols=("BTCUSDT", "ETHUSDT"),
        flush=FlushPolicy(interval_s=None, max_rows=500),
        connection=FAST,
    )
    recorder = Recorder(config, ParquetSink(harness.tmp / "parts"), harness.settings())
    task = asyncio.create_task(recorder.run())
    await asyncio.wait_for(server.done.wait(), 10)
    for _ in range(200):  # the writer catches up
        await asyncio.sleep(0.02)
        if recorder.report().rows_pending == recorder.batcher.pending:
            break
    assert recorder.batcher.pending < 500
    assert recorder.rows_written == len(events) - recorder.batcher.pending
    recorder.stop()
    report = await asyncio.wait_for(task, 10)
    assert report.rows_written == len(events) and report.rows_pending == 0
