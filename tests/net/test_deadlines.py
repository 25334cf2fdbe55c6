"""Every outgoing request ends by its total deadline, against a real trickling local server.

Issue 13, item 1: ``httpx.Timeout(t)`` bounds each read, so a server sending one byte every
0.5 s held ``liqmap alerts test --send`` forever and ``liqmap sync`` for minutes. These tests
reproduce that with a real socket server and fail (they hang ~100 s, then see a too-long
elapsed time) without the total deadline.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from _trickle import Trickler, elapsed

from liqmap.alerts.alert import Alert
from liqmap.alerts.config_file import WebhookConfig
from liqmap.alerts.webhook import WebhookSender
from liqmap.archive.fetch import ArchiveClient
from liqmap.archive.fetch import RetryPolicy as ArchiveRetry
from liqmap.archive.layout import ArchiveFile
from liqmap.domain.enums import Venue
from liqmap.errors import ExchangeTimeoutError
from liqmap.exchanges.rest import HttpClient, RetryPolicy
from liqmap.net import Deadline, DeadlineExceeded, within
from liqmap.settings import Settings

ONE_TRY = RetryPolicy(attempts=1)


@pytest.mark.asyncio
async def test_within_cancels_a_slow_call() -> None:
    start = time.monotonic()
    with pytest.raises(DeadlineExceeded, match=r"0\.2 s deadline"):
        await within(0.2, lambda: asyncio.sleep(5), what="a nap")
    assert elapsed(start) < 1.0
    assert await within(1.0, lambda: asyncio.sleep(0, "ok")) == "ok"


def test_deadline_budget_shrinks() -> None:
    now = [0.0]
    d = Deadline(10.0, clock=lambda: now[0])
    now[0] = 4.0
    assert d.remaining() == 6.0 and d.cap(8.0) == 6.0 and not d.expired
    now[0] = 11.0
    assert d.remaining() == 0.0 and d.expired


@pytest.mark.asyncio
@pytest.mark.parametrize("fixture", ["trickler", "slow_head"])
async def test_exchange_request_ends_by_its_deadline(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    server: Trickler = request.getfixturevalue(fixture)
    client = HttpClient(Venue.BINANCE, server.url, timeout_s=2.0, deadline_s=1.5, retry=ONE_TRY)
    start = time.monotonic()
    async with client:
        with pytest.raises(ExchangeTimeoutError, match=r"1\.5 s.*LIQMAP_HTTP_DEADLINE"):
            await client.get("/fapi/v1/ping", None, dict)
    assert elapsed(start) < 3.0


@pytest.mark.asyncio
async def test_exchange_client_takes_the_deadline_from_settings(trickler: Trickler) -> None:
    from liqmap.exchanges.registry import client_for

    settings = Settings(
        rest_urls={v: trickler.url for v in Venue}, http_timeout_s=5.0, http_deadline_s=1.0
    )
    start = time.monotonic()
    async with client_for(Venue.BINANCE, settings, retry=ONE_TRY) as c:
        assert c.http.deadline_s == 1.0
        with pytest.raises(ExchangeTimeoutError):
            await c.http.get("/fapi/v1/ping", None, dict)
    assert elapsed(start) < 3.0


@pytest.mark.asyncio
async def test_archive_checksum_ends_by_its_deadline(trickler: Trickler, tmp_path: Path) -> None:
    f = ArchiveFile("2026-01-01", "klines-1m", "BTCUSDT")
    client = ArchiveClient(
        trickler.url, tmp_path, timeout_s=2.0, deadline_s=1.0, retry=ArchiveRetry(attempts=1)
    )
    start = time.monotonic()
    async with client:
        with pytest.raises(ExchangeTimeoutError, match="deadline"):
            await client.fetch(f)
    assert elapsed(start) < 3.0


@pytest.mark.asyncio
async def test_archive_download_body_ends_by_its_deadline(tmp_path: Path) -> None:
    """The checksum comes at once; the zip itself trickles: the download is cut at its budget
    (deadline + size at the minimum rate) and the partial file is kept for a resume."""
    f = ArchiveFile("2026-01-01", "klines-1m", "BTCUSDT")
    server = Trickler(interval_s=0.5, body_bytes=400)
    client = ArchiveClient(
        server.url, tmp_path, timeout_s=2.0, deadline_s=1.0, retry=ArchiveRetry(attempts=1)
    )
    start = time.monotonic()
    try:
        async with client:
            with pytest.raises(ExchangeTimeoutError, match="deadline"):
                await client._download(f, "0" * 64)
    finally:
        server.close()
    assert elapsed(start) < 3.0
    assert client.part_path(f).exists()


def _alert() -> Alert:
    return Alert(
        rule="r", symbol="BTCUSDT", kind="cluster_proximity", message="m", values={},
        ts_ms=1, dedup_key="k",
    )  # fmt: skip


@pytest.mark.asyncio
async def test_webhook_delivery_ends_by_its_deadline(trickler: Trickler) -> None:
    cfg = WebhookConfig(
        name="slow", url=trickler.url + "/hook", timeout_s=2.0, max_attempts=3, backoff_s=0.0,
        deadline_s=1.5,
    )  # fmt: skip
    start = time.monotonic()
    result = await WebhookSender(cfg).send(_alert())
    assert elapsed(start) < 3.0
    assert result.status == "failed" and "deadline" in result.error


def test_a_whole_sync_ends_by_its_deadline(trickler: Trickler, tmp_path: Path) -> None:
    """Each request ends by its own deadline and is retried; the sync as a whole still stops
    at ``LIQMAP_SYNC_DEADLINE`` with an error naming it."""
    from liqmap.services.sync import sync
    from liqmap.store import Store

    settings = Settings(
        home=tmp_path, rest_urls={v: trickler.url for v in Venue}, http_timeout_s=5.0,
        http_deadline_s=1.0, sync_deadline_s=2.0,
    )  # fmt: skip
    start = time.monotonic()
    with (
        Store.open(tmp_path / "liqmap.duckdb", settings=settings) as store,
        pytest.raises(ExchangeTimeoutError, match="LIQMAP_SYNC_DEADLINE"),
    ):
        sync(
            store, Venue.BINANCE, "BTCUSDT", start_ms=1_767_225_600_000,
            end_ms=1_767_225_600_000 + 3_600_000, settings=settings,
        )  # fmt: skip
    assert elapsed(start) < 4.0
