"""Faults around the stream: a slow or failing sink, bursts, refused or absent servers."""

from __future__ import annotations

import asyncio
import errno
import http
import socket
import time
from collections.abc import Mapping
from pathlib import Path

import pytest
from recorder_harness import FAST, Harness
from recorder_wsdata import Event
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from liqmap.domain.enums import Venue
from liqmap.errors import DiskFullError
from liqmap.recorder import (
    FlushPolicy,
    ParquetSink,
    Recorder,
    RecorderConfig,
    read_recorded,
)
from liqmap.recorder.batching import Columns
from liqmap.settings import Settings
from liqmap.testing.replay import encode_liquidations


class SlowSink(ParquetSink):
    """A disk that takes 150 ms per write."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.calls = 0

    def append(self, venue: Venue, symbol: str, columns: Columns) -> None:
        self.calls += 1
        time.sleep(0.15)
        super().append(venue, symbol, columns)


class FillingSink(ParquetSink):
    """A disk that is full for the first ``fail`` writes, then has room again."""

    def __init__(self, root: Path, fail: int) -> None:
        super().__init__(root)
        self.fail = fail

    def append(self, venue: Venue, symbol: str, columns: Columns) -> None:
        if self.fail > 0:
            self.fail -= 1
            raise DiskFullError("no space left (test)") from OSError(errno.ENOSPC, "full")
        super().append(venue, symbol, columns)


@pytest.mark.asyncio
async def test_slow_sink_and_unpaced_burst_lose_nothing(
    harness: Harness, events: list[Event], okx_ct: Mapping[str, float]
) -> None:
    """20,000 messages as fast as the socket takes them, into a disk slower than the flush
    interval: receiving never waits for the disk, queued batches are merged, nothing is lost."""
    burst = [e for k in range(7) for e in events][:20_000]
    burst = [(s, 1_770_000_000_000 + k, side, p, q) for k, (s, _, side, p, q) in enumerate(burst)]
    await harness.serve(Venue.OKX, encode_liquidations(Venue.OKX, burst, okx_ct))
    sink = SlowSink(harness.tmp / "parts")
    run = await harness.record(sink=sink, flush=FlushPolicy(interval_s=0.05))
    assert run.report.rows_written == len(burst) and run.report.rows_pending == 0
    assert len(run.frame) == len(burst) and run.frame["ts_ms"].n_unique() == len(burst)
    assert sink.calls < 0.5 * (run.report.now_ms - run.report.started_ms) / 50  # merged


@pytest.mark.asyncio
async def test_a_full_disk_keeps_the_rows_and_retries(
    harness: Harness, events: list[Event], okx_ct: Mapping[str, float]
) -> None:
    await harness.serve(Venue.BINANCE, encode_liquidations(Venue.BINANCE, events[:300], okx_ct))
    sink = FillingSink(harness.tmp / "parts", fail=2)
    run = await harness.record(sink=sink, settle_s=1.2)
    assert run.report.write_errors == 2 and "no space left" in run.report.last_write_error
    assert run.report.rows_written == 300 and run.report.ok
    assert sorted(run.frame["ts_ms"].to_list()) == sorted(e[1] for e in events[:300])


@pytest.mark.asyncio
async def test_rows_that_cannot_be_written_at_the_end_are_reported(
    harness: Harness, events: list[Event], okx_ct: Mapping[str, float]
) -> None:
    await harness.serve(Venue.BYBIT, encode_liquidations(Venue.BYBIT, events[:50], okx_ct))
    run = await harness.record(sink=FillingSink(harness.tmp / "parts", fail=10**6))
    assert run.report.rows_written == 0 and run.report.rows_pending == 50
    assert not run.report.ok and run.report.to_dict()["ok"] is False


@pytest.mark.asyncio
async def test_geo_block_at_connect_is_final_with_a_hint(tmp_path: Path) -> None:
    def refuse(conn: ServerConnection, request: Request) -> Response:
        return conn.respond(http.HTTPStatus.UNAVAILABLE_FOR_LEGAL_REASONS, "blocked\n")

    async def never(ws: ServerConnection) -> None:  # pragma: no cover - never reached
        await ws.close()

    async with serve(never, "127.0.0.1", 0, process_request=refuse) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        settings = Settings(home=tmp_path, ws_urls={Venue.OKX: f"ws://127.0.0.1:{port}"})
        config = RecorderConfig(venues=(Venue.OKX,), symbols=("BTCUSDT",), connection=FAST)
        report = await asyncio.wait_for(
            Recorder(config, ParquetSink(tmp_path / "p"), settings).run(), 10
        )
    v = report.venue(Venue.OKX)
    assert v["state"].startswith("refused: HTTP 451") and "LIQMAP_OKX_WS_URL" in v["state"]
    assert v["connects"] == 0 and not report.ok


@pytest.mark.asyncio
async def test_no_server_backs_off_until_stopped(tmp_path: Path) -> None:
    """Connection refused: retried with growing, jittered delays; never subscribed."""
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(home=tmp_path, ws_urls={Venue.BYBIT: f"ws://127.0.0.1:{port}"})
    config = RecorderConfig(
        venues=(Venue.BYBIT,), symbols=("BTCUSDT",), duration_s=0.6, connection=FAST
    )
    t0 = time.monotonic()
    report = await asyncio.wait_for(
        Recorder(config, ParquetSink(tmp_path / "p"), settings).run(), 10
    )
    assert 0.55 < time.monotonic() - t0 < 3.0  # the duration ends the run
    v = report.venue(Venue.BYBIT)
    assert v["connects"] == 0 and v["first_subscribed_ms"] is None and v["gap_count"] == 0
    assert "ConnectionRefused" in v["last_error"] or "Errno" in v["last_error"]
    assert not report.ok and read_recorded(tmp_path / "p").is_empty()
