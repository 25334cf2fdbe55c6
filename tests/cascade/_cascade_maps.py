"""Tiny hand-built maps and bars for the cascade and plan tests (numbers checkable by hand)."""

from __future__ import annotations

import numpy as np

from liqmap.core.results import Cluster, Coverage, LiquidationMap
from liqmap.domain.market import Candles
from liqmap.model_config import DEFAULT_PARAMS

HOUR = 3_600_000
T0 = 1_767_225_600_000  # 2026-01-01T00:00Z


def ladder_map(
    longs: dict[int, float] | None = None,
    shorts: dict[int, float] | None = None,
    *,
    price: float = 100.0,
    lo: float = 90.0,
    hi: float = 110.0,
    tiers: int = 1,
    clusters: tuple[Cluster, ...] = (),
    as_of_ms: int = T0 + 24 * HOUR,
) -> LiquidationMap:
    """A map on unit-wide bins ``[lo, hi)``; ``longs`` / ``shorts`` map a bin's low edge (an
    integer price) to its USD, split evenly over ``tiers`` tiers."""
    edges = np.arange(lo, hi + 0.5, 1.0)
    n = len(edges) - 1
    lu, su = np.zeros((tiers, n)), np.zeros((tiers, n))
    for arr, levels in ((lu, longs or {}), (su, shorts or {})):
        for low, usd in levels.items():
            arr[:, int(low - lo)] = usd / tiers
    leverages = DEFAULT_PARAMS.leverages[-tiers:]
    return LiquidationMap(
        symbol="TESTUSDT", exchange="binance", price=price, as_of_ms=as_of_ms,
        window_start_ms=as_of_ms - 24 * HOUR, window_label="24h", leverages=leverages,
        edges=edges, long_usd=lu, short_usd=su, params=DEFAULT_PARAMS,
        coverage=Coverage(bars=24, expected_bars=24), clusters=clusters,
    )  # fmt: skip


def cluster(side: str, low: float, high: float, usd: float, price: float = 100.0) -> Cluster:
    """A one-tier cluster record spanning ``[low, high]``."""
    mid = 0.5 * (low + high)
    return Cluster(
        side=side, price_low=low, price_high=high, price=mid, usd=usd, usd_by_tier=(usd,),
        distance_pct=(mid / price - 1) * 100, share_of_side=1.0, score=usd, rank=1,
    )  # fmt: skip


def flat_bars(
    n: int = 24, *, high: float = 101.0, low: float = 99.0, close: float = 100.0
) -> Candles:
    """``n`` hourly bars ending at ``T0 + n h``, each with range ``[low, high]`` (ATR = high - low)."""
    ts = T0 + HOUR * np.arange(n)
    full = np.full(n, 1.0)
    return Candles(
        "TESTUSDT", HOUR, ts, full * close, full * high, full * low, full * close, full,
        np.full(n, np.nan),
    )  # fmt: skip
