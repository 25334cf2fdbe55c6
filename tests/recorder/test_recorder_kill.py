"""The real ``liqmap record`` process against a local replay server: SIGKILL loses at most the
unflushed batch and a restart continues cleanly; SIGINT flushes everything and reports."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import polars as pl
import pytest
from recorder_wsdata import Event

from liqmap.domain.enums import Venue
from liqmap.settings import Settings
from liqmap.store import Store
from liqmap.store.segments import segment_dir, segment_files
from liqmap.testing.replay import ReplayServer, encode_liquidations

SYMBOLS = ("BTCUSDT", "ETHUSDT")
RATE = 500  # messages per second
FLUSH_S = 0.2
WAIT_S = 30.0


def _env(home: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIQMAP_")}
    return {**env, "LIQMAP_HOME": str(home), "LIQMAP_BINANCE_WS_URL": url, "COLUMNS": "120"}


async def _start(home: Path, url: str, *extra: str) -> asyncio.subprocess.Process:
    args = ["-m", "liqmap", "record", "-e", "binance", "-s", "BTCUSDT,ETHUSDT", *extra]
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        env=_env(home, url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _until(cond: Callable[[], bool], what: str) -> None:
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    while not cond():
        if loop.time() - t0 > WAIT_S:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def _parts(home: Path) -> list[Path]:
    return [f for s in SYMBOLS for f in segment_files(home, "liquidations", "binance", s)]


def _rows(home: Path) -> pl.DataFrame:
    """Every row of every complete segment file (no de-duplication: to count copies)."""
    files = _parts(home)
    if not files:
        return pl.DataFrame(schema={"ts_ms": pl.Int64, "raw": pl.String})
    return pl.concat([pl.read_parquet(f) for f in files], how="vertical")


def _store_count(home: Path) -> int:
    """What another process reading the store sees (read-only, while the recorder runs)."""
    with Store.open(settings=Settings(home=home), read_only=True) as store:
        return sum(len(store.read_liquidations("binance", s)) for s in SYMBOLS)


@pytest.mark.asyncio
async def test_sigkill_loses_at_most_the_unflushed_batch_and_restarts_cleanly(
    tmp_path: Path, events: list[Event], okx_ct: Mapping[str, float]
) -> None:
    messages = encode_liquidations(Venue.BINANCE, events, okx_ct)
    async with ReplayServer(Venue.BINANCE, messages, rate_per_s=RATE) as server:
        proc = await _start(tmp_path, server.url, "--flush-every", f"{FLUSH_S * 1000:.0f}ms")
        await _until(lambda: server.sent >= 500 and len(_parts(tmp_path)) >= 3, "flushed parts")
        assert _store_count(tmp_path) > 0  # readable by another process while recording
        await _until(lambda: server.sent >= 700, "more messages")
        proc.kill()
        await proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        first = _rows(tmp_path)
        sent_to_killed = server.sent_per_connection[0]
        lost = sent_to_killed - len(first)
        # at most one flush interval (plus the batch in flight and socket buffers) is lost
        assert 0 <= lost <= RATE * (FLUSH_S + 0.3), (sent_to_killed, len(first))
        assert first["raw"].n_unique() == len(first)
        assert set(first["raw"]) <= set(messages[:sent_to_killed])
        # a writer killed mid-write leaves only a temporary file, never read, removed later
        day = next(p for p in segment_dir(tmp_path, "liquidations", "binance", "BTCUSDT").iterdir())
        stale = day / f".part-1-{proc.pid}.000000.parquet.x1y2.tmp"
        stale.write_bytes(b"PAR1 half a file")
        os.utime(stale, (1, 1))  # older than the store's 1-hour rule

        proc2 = await _start(tmp_path, server.url, "--duration", "1s", "--json")
        out, err = await asyncio.wait_for(proc2.communicate(), WAIT_S)
        assert proc2.returncode == 0, err.decode()
        report = json.loads(out)
    assert report["schema"] == "liqmap.record/1" and report["ok"] and report["rows_pending"] == 0
    assert report["venues"][0]["connects"] == 1 and report["venues"][0]["malformed"] == 0
    after = _rows(tmp_path)  # every part is a complete Parquet file
    assert len(after) == len(first) + report["rows_written"] and report["rows_written"] > 0
    assert after["raw"].n_unique() == len(after)  # nothing twice
    assert set(first["raw"]) <= set(after["raw"])  # everything flushed before the kill is kept
    assert not stale.exists()
    assert _store_count(tmp_path) == len(after)


@pytest.mark.asyncio
async def test_sigint_flushes_everything_and_prints_the_report(
    tmp_path: Path, events: list[Event], okx_ct: Mapping[str, float]
) -> None:
    messages = encode_liquidations(Venue.BINANCE, events[:600], okx_ct)
    garbage = ["{oops", '{"e":"forceOrder","E":1,"o":{"s":"BTCUSDT","S":"SELL"}}']
    messages[100:100] = garbage
    async with ReplayServer(Venue.BINANCE, messages, rate_per_s=2000) as server:
        proc = await _start(tmp_path, server.url, "--flush-every", "10m", "--json")
        await _until(server.done.is_set, "replay")
        await asyncio.sleep(0.5)
        assert not _parts(tmp_path)  # a 10-minute flush interval: nothing written yet
        proc.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(proc.communicate(), WAIT_S)
    assert proc.returncode == 0, err.decode()
    report = json.loads(out)
    venue = report["venues"][0]
    assert report["rows_written"] == 600 and venue["events"] == 600
    assert venue["malformed"] == 2 and venue["malformed_samples"] == garbage
    assert len(_rows(tmp_path)) == 600
    text = err.decode()
    assert "malformed" in text and "{oops" in text  # logged with the raw payload
    assert "binance" in text and "done:" in text  # the final table
