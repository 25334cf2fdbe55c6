"""The web layer's parts on their own: cache, config, demo source, tier views, public surface."""

from __future__ import annotations

import gzip
import re
import threading
import time

import numpy as np
import pytest

import liqmap.web
from liqmap import api
from liqmap.errors import ParameterError
from liqmap.web.cache import LruCache, make_body
from liqmap.web.config import WebConfig
from liqmap.web.params import FieldError, parse_tiers
from liqmap.web.service import restrict_tiers
from liqmap.web.sources import HISTORY_DAYS, DemoSource


def test_public_surface() -> None:
    assert liqmap.web.__all__ == ["DEFAULT_HOST", "DEFAULT_PORT", "WebConfig", "create_app"]
    assert all(hasattr(liqmap.web, n) for n in liqmap.web.__all__)
    assert liqmap.web.DEFAULT_HOST == "127.0.0.1"  # loopback unless asked otherwise
    assert WebConfig().cors_origins == ()  # CORS off by default


def test_cache_builds_once_under_concurrency() -> None:
    cache: LruCache[int] = LruCache(4)
    calls = []

    def build() -> int:
        calls.append(1)
        time.sleep(0.05)
        return 42

    threads = [threading.Thread(target=lambda: cache.get_or_build("k", build)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert cache.stats()["hits"] >= 7


def test_cache_evicts_by_count_and_bytes_and_keeps_nothing_on_error() -> None:
    cache: LruCache[bytes] = LruCache(3, max_bytes=10, sizeof=len)
    for k in "abc":
        cache.get_or_build(k, lambda: b"123")
    cache.get_or_build("d", lambda: b"1234")  # 13 bytes > 10: the oldest goes
    assert cache.peek("a") is None and cache.peek("d") == b"1234"
    assert cache.stats()["bytes"] <= 10

    def boom() -> bytes:
        raise ValueError("no")

    with pytest.raises(ValueError, match="no"):
        cache.get_or_build("e", boom)
    assert cache.peek("e") is None
    assert cache.get_or_build("e", lambda: b"ok") == b"ok"  # no stuck in-flight lock


def test_body_has_gzip_and_etag() -> None:
    raw = b'{"x": "' + b"a" * 5000 + b'"}'
    body = make_body(raw)
    assert body.gz is not None and gzip.decompress(body.gz) == raw
    assert body.etag.startswith('"') and body.etag == make_body(raw).etag
    assert make_body(b"{}").gz is None  # too small to pay


@pytest.mark.parametrize(
    ("field", "value"),
    [("demo_speed", -1.0), ("demo_speed", float("nan")), ("store_poll_s", 0.0)],
)
def test_config_is_validated(field: str, value: float) -> None:
    with pytest.raises(ParameterError, match=field):
        WebConfig(**{field: value})  # type: ignore[arg-type]


def test_config_rejects_bad_origins_and_empty_hosts() -> None:
    with pytest.raises(ParameterError, match="cors_origins"):
        WebConfig(cors_origins=("file:///etc",))
    with pytest.raises(ParameterError, match="allowed_hosts"):
        WebConfig(allowed_hosts=())


def test_demo_source_reveals_the_market_bar_by_bar() -> None:
    demo = DemoSource(live_days=0.01)
    assert demo.version("BTCUSDT") is None
    snap = demo.snapshot("BTCUSDT")
    c = snap.data.candles
    assert (snap.end_ms - snap.start_ms) == HISTORY_DAYS * 86_400_000
    assert snap.version == int(c.ts_ms[-1]) + c.interval_ms == demo.version("BTCUSDT")
    events = snap.data.liquidations
    assert events is not None and int(events.ts_ms.max()) < snap.end_ms  # no future events
    moved = demo.advance(3)
    assert [(s, v) for s, v, _ in moved] == [("BTCUSDT", snap.version + 3 * 60_000)]
    later = demo.snapshot("BTCUSDT")
    assert len(later.data.candles) == len(c) + 3
    np.testing.assert_array_equal(later.data.candles.close[: len(c)], c.close)
    for _ in range(20):
        demo.advance(1)
    assert demo.exhausted("BTCUSDT")
    assert demo.advance(1) == []


def test_tier_view_keeps_only_the_tiers_shown() -> None:
    m = api.estimate_map(api.load_market("BTCUSDT", "demo", demo_days=2), window="24h")
    idx = parse_tiers("25x,100x", m.leverages)
    view = restrict_tiers(m, idx)
    assert [f"{lv:g}x" for lv in view.leverages] == ["25x", "100x"]
    np.testing.assert_allclose(view.long_usd, m.long_usd[list(idx)])
    assert view.total_long_usd <= m.total_long_usd
    assert all(len(c.usd_by_tier) == 2 for c in view.clusters)
    assert view.to_dict()["tiers"] == ["25x", "100x"]
    # one rule (issue 14 item 4): clusters and reading are recomputed from the tiers shown
    named = set(re.findall(r"\b(\d+)x\b", view.reading))
    assert named and named <= {"25", "100"}, view.reading
    assert sum(c.usd for c in view.clusters) <= view.total_long_usd + view.total_short_usd
    assert any("tiers shown only" in n for n in view.notes)
    assert restrict_tiers(m, parse_tiers(None, m.leverages)) is m
    with pytest.raises(FieldError, match="tiers"):
        parse_tiers("7x", m.leverages)


def test_freshness_rule() -> None:
    """Issue 14 item 2: stored data is live only while fresh; the demo runs on simulated time."""
    from liqmap.web.live_events import FRESH_MS, freshness

    now = 1_800_000_000_000
    assert freshness("store", now - 60_000, now)["status"] == "live"
    assert freshness("store", now - FRESH_MS, now)["status"] == "live"
    old = freshness("store", now - FRESH_MS - 1, now)
    assert old == {"status": "stale", "age_ms": FRESH_MS + 1, "fresh_ms": FRESH_MS}
    assert freshness("store", None, now)["status"] == "waiting"
    assert freshness("demo", now - 10**12, now)["status"] == "simulated"
    assert freshness("demo", now, now, advancing=False)["status"] == "paused"
