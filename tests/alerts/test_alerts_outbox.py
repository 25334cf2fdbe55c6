"""The per-webhook outbox: bounded, never blocks the caller, counts what it drops."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from liqmap.alerts.alert import Alert
from liqmap.alerts.config_file import WebhookConfig
from liqmap.alerts.outbox import Outbox
from liqmap.alerts.webhook import WebhookSender


@pytest.fixture
def hung_url() -> Iterator[str]:
    """A listening socket nobody accepts from: connections hang in the backlog."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    sock.close()


def _alert(i: int) -> Alert:
    return Alert(
        rule="r", symbol="BTCUSDT", kind="cluster_proximity", message=f"m{i}", values={},
        ts_ms=i, dedup_key=f"k{i}",
    )  # fmt: skip


def _until(cond: object, seconds: float = 5.0) -> None:
    end = time.monotonic() + seconds
    while not callable(cond) or not cond():
        assert time.monotonic() < end, "condition not met in time"
        time.sleep(0.01)


def test_a_full_outbox_drops_the_oldest_and_counts(hung_url: str) -> None:
    cfg = WebhookConfig(name="hung", url=hung_url, timeout_s=0.5, max_attempts=1, deadline_s=0.5)
    box = Outbox(WebhookSender(cfg), capacity=2)
    start = time.monotonic()
    assert box.offer(_alert(0))
    _until(lambda: box.stats()["in_flight"] == 1)
    for i in range(1, 5):
        assert box.offer(_alert(i))
    assert time.monotonic() - start < 0.5  # offering never waits for the receiver
    s = box.stats()
    assert (s["queued"], s["dropped"]) == (2, 2)
    assert box.wait_idle(5.0)
    s = box.stats()
    assert s["failed"] == 3 and s["delivered"] == 0 and s["queued"] == 0
    box.close()
    assert not box.offer(_alert(9))


def test_close_without_waiting_counts_the_queue_as_dropped(hung_url: str) -> None:
    cfg = WebhookConfig(name="hung", url=hung_url, timeout_s=2.0, max_attempts=1, deadline_s=1.0)
    box = Outbox(WebhookSender(cfg), capacity=10)
    for i in range(4):
        box.offer(_alert(i))
    _until(lambda: box.stats()["in_flight"] == 1)
    box.close(wait=False)
    assert box.stats()["dropped"] == 3
