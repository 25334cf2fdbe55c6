"""Fixtures of the alert tests: hand-built maps and events, a real local webhook receiver."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import pytest
from pytest_httpserver import HTTPServer

from liqmap.core.results import Cluster, Coverage, LiquidationMap
from liqmap.domain.market import LiquidationEvents
from liqmap.model_config import DEFAULT_PARAMS

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
LEVERAGES = (5.0, 10.0, 25.0, 50.0, 100.0)  # hand-built maps: five fixed tiers

# (side, price, usd per tier aligned with LEVERAGES) or (side, price, total usd) split evenly
ClusterSpec = tuple[str, float, Sequence[float] | float]
MapMaker = Callable[..., LiquidationMap]
EventsMaker = Callable[[Sequence[tuple[int, int, float]]], LiquidationEvents]


def build_map(
    clusters: Sequence[ClusterSpec] = (),
    *,
    price: float = 100.0,
    symbol: str = "BTCUSDT",
    as_of_ms: int = T0,
    leverages: tuple[float, ...] = LEVERAGES,
) -> LiquidationMap:
    """A map whose clusters are exactly ``clusters`` (bins empty: rules read clusters only)."""
    built = []
    for rank, (side, cprice, usd) in enumerate(clusters, 1):
        by_tier = (
            tuple(float(u) for u in usd)
            if isinstance(usd, Sequence)
            else tuple(float(usd) / len(leverages) for _ in leverages)
        )
        built.append(
            Cluster(
                side=side,
                price_low=cprice * 0.998,
                price_high=cprice * 1.002,
                price=cprice,
                usd=float(sum(by_tier)),
                usd_by_tier=by_tier,
                distance_pct=(cprice / price - 1.0) * 100.0,
                share_of_side=0.1,
                score=1.0,
                rank=rank,
            )
        )
    n = 10
    zeros = np.zeros((len(leverages), n))
    return LiquidationMap(
        symbol=symbol, exchange="binance", price=price, as_of_ms=as_of_ms,
        window_start_ms=as_of_ms - 86_400_000, window_label="24h", leverages=leverages,
        edges=np.linspace(price * 0.5, price * 1.5, n + 1), long_usd=zeros, short_usd=zeros,
        params=DEFAULT_PARAMS, coverage=Coverage(bars=1440, expected_bars=1440),
        clusters=tuple(built),
    )  # fmt: skip


def build_events(rows: Sequence[tuple[int, int, float]]) -> LiquidationEvents:
    """Events from ``(ts_ms, side (+1 long / -1 short), usd)`` rows (sorted by time)."""
    rows = sorted(rows)
    return LiquidationEvents(
        ts_ms=np.array([r[0] for r in rows], dtype=np.int64),
        side=np.array([r[1] for r in rows], dtype=np.int8),
        price=np.full(len(rows), 100.0),
        qty=np.array([r[2] / 100.0 for r in rows]),
        notional_usd=np.array([r[2] for r in rows], dtype=np.float64),
    )


@pytest.fixture
def make_map() -> MapMaker:
    """``make_map([(side, price, usd), ...], price=..., symbol=..., as_of_ms=...)``."""
    return build_map


@pytest.fixture
def make_events() -> EventsMaker:
    """``make_events([(ts_ms, side, usd), ...])``."""
    return build_events


@pytest.fixture
def receiver() -> Iterator[HTTPServer]:
    """A real HTTP server on 127.0.0.1 (threaded: a slow handler does not block the next one).

    One per test, on a fresh port: an outbox thread of an earlier test that is still retrying
    can never deliver into this test's log (a shared server made the counts depend on test
    order)."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.stop()


class SleepLog:
    """A fake ``asyncio.sleep`` that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> SleepLog:
    """Records backoff delays (no waiting)."""
    return SleepLog()
