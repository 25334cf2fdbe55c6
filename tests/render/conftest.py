"""Synthetic result objects with realistic shapes for the renderer tests.

The map: 400 bins around 60,000, five tiers, entries from a mixture of Gaussians mapped to each
tier's liquidation price, crossed levels cleared, a few ranked clusters. The heatmap: 200 hourly
columns x 400 bins built by a small decaying-ledger simulation over a random-walk price path,
with the cleared levels reported as observed liquidation events.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg

from liqmap.core.results import Cluster, Coverage, LiquidationHeatmap, LiquidationMap, PricePath
from liqmap.domain.market import Gap
from liqmap.model_config import DEFAULT_PARAMS

T0_MS = 1_769_860_800_000  # 2026-01-31 12:00 UTC
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HOUR_MS = 3_600_000


def _coverage(events: int = 0) -> Coverage:
    gap = Gap(start_ms=T0_MS + 40 * HOUR_MS, end_ms=T0_MS + 42 * HOUR_MS, missing=120)
    return Coverage(
        bars=9_960,
        expected_bars=10_080,
        gaps=(gap,),
        oi_source="level",
        taker_flow=True,
        liquidation_events=events,
    )


def _clusters(
    edges: np.ndarray, usd: np.ndarray, side: str, price: float, k: int = 3
) -> list[Cluster]:
    """Top ``k`` peaks (7-bin windows, at least 1% of price apart) of one side."""
    total = usd.sum(axis=0)
    smooth = np.convolve(total, np.ones(7), mode="same")
    side_total = float(total.sum())
    out: list[Cluster] = []
    taken: list[int] = []
    for i in np.argsort(smooth)[::-1]:
        if len(out) == k or smooth[i] <= 0:
            break
        if any(abs(edges[int(i)] - edges[j]) < 0.01 * price for j in taken):
            continue
        taken.append(int(i))
        a, b = max(0, int(i) - 3), min(len(total), int(i) + 4)
        centers = 0.5 * (edges[a:b] + edges[a + 1 : b + 1])
        w = total[a:b]
        c_price = float((centers * w).sum() / w.sum())
        c_usd = float(w.sum())
        out.append(
            Cluster(
                side=side,
                price_low=float(edges[a]),
                price_high=float(edges[b]),
                price=c_price,
                usd=c_usd,
                usd_by_tier=tuple(float(x) for x in usd[:, a:b].sum(axis=1)),
                distance_pct=(c_price / price - 1.0) * 100.0,
                share_of_side=c_usd / side_total,
                score=c_usd / side_total,
                rank=len(out) + 1,
            )
        )
    return out


def make_map(n_bins: int = 400, price: float = 60_000.0, *, zero: bool = False) -> LiquidationMap:
    """A liquidation map over +-10% of ``price`` with ``n_bins`` bins."""
    rng = np.random.default_rng(7)
    params = DEFAULT_PARAMS
    spot = price + 37.5  # the current price sits inside a bin, as it usually does
    edges = np.linspace(price * 0.9, price * 1.1, n_bins + 1)
    centers = 0.5 * (edges[:-1] + edges[1:])
    n_tiers = len(params.leverages)
    long_usd = np.zeros((n_tiers, n_bins))
    short_usd = np.zeros((n_tiers, n_bins))
    if not zero:
        mix = [(0.995, 0.012, 0.5), (1.018, 0.005, 0.2), (0.972, 0.006, 0.2), (1.045, 0.004, 0.1)]
        parts = [rng.normal(price * mu, price * sd, int(200_000 * w)) for mu, sd, w in mix]
        entries = np.concatenate(parts)
        usd_each = 4.0e9 / len(entries)
        for t, (lev, weight) in enumerate(zip(params.leverages, params.weights, strict=True)):
            mm = 0.004
            long_px = entries * (1.0 - 1.0 / lev + mm)
            short_px = entries * (1.0 + 1.0 / lev - mm)
            long_usd[t] = np.histogram(long_px, bins=edges)[0] * usd_each * weight
            short_usd[t] = np.histogram(short_px, bins=edges)[0] * usd_each * weight
        long_usd[:, centers >= spot] = 0.0  # crossed levels are cleared
        short_usd[:, centers <= spot] = 0.0
    clusters = (
        ()
        if zero
        else tuple(
            _clusters(edges, long_usd, "long", spot) + _clusters(edges, short_usd, "short", spot)
        )
    )
    return LiquidationMap(
        symbol="BTCUSDT",
        exchange="binance",
        price=spot,
        as_of_ms=T0_MS + 168 * HOUR_MS,
        window_start_ms=T0_MS,
        window_label="7d",
        leverages=params.leverages,
        edges=edges,
        long_usd=long_usd,
        short_usd=short_usd,
        params=params,
        coverage=_coverage(),
        out_of_range_long_usd=0.0 if zero else 3.1e8,
        out_of_range_short_usd=0.0 if zero else 2.2e8,
        clusters=clusters,
        reading="Longs are concentrated 1-2% below price.",
    )


def _walk(n: int, start: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    steps = rng.normal(0.0, 0.006, n) + 0.0004 * np.sin(np.arange(n) / 15.0)
    close = start * np.exp(np.cumsum(steps))
    open_ = np.insert(close[:-1], 0, start)
    wick = np.abs(rng.normal(0.0, 0.003, (2, n))) * close
    high = np.maximum(open_, close) + wick[0]
    low = np.minimum(open_, close) - wick[1]
    return open_, high, low, close


def make_heatmap(
    n_times: int = 200, n_bins: int = 400, *, events: bool = True
) -> LiquidationHeatmap:
    """A heatmap of ``n_times`` hourly columns over a random-walk path."""
    rng = np.random.default_rng(11)
    params = DEFAULT_PARAMS
    open_, high, low, close = _walk(n_times, 60_000.0, rng)
    edges = np.linspace(low.min() * 0.93, high.max() * 1.07, n_bins + 1)
    centers = 0.5 * (edges[:-1] + edges[1:])
    ts = T0_MS + HOUR_MS * np.arange(n_times, dtype=np.int64)
    state_l, state_s = np.zeros(n_bins), np.zeros(n_bins)
    out_l, out_s = np.zeros((n_times, n_bins)), np.zeros((n_times, n_bins))
    ev: list[tuple[int, float, float, int]] = []
    width = float(edges[1] - edges[0])
    for j in range(n_times):
        state_l *= 0.97
        state_s *= 0.97
        vol = 2.0e7 * (0.3 + rng.gamma(1.5, 1.0))
        sd = close[j] * 0.0015
        for lev, w in zip(params.leverages[1:], params.weights[1:], strict=True):
            for target, state in ((1 - 1 / lev, state_l), (1 + 1 / lev, state_s)):
                bump = np.exp(-0.5 * ((centers - close[j] * target) / sd) ** 2)
                np.add(state, vol * w * bump * width / (sd * np.sqrt(2 * np.pi)), out=state)
        hit_l, hit_s = centers >= low[j], centers <= high[j]
        for hit, state, side, px in ((hit_l, state_l, 1, low[j]), (hit_s, state_s, -1, high[j])):
            cleared = float(state[hit].sum())
            if cleared > 0:
                ev.append((int(ts[j]) - HOUR_MS // 2, float(px), cleared * 0.2, side))
            state[hit] = 0.0
        out_l[j], out_s[j] = state_l, state_s
    ev = sorted(ev, key=lambda e: -e[2])[:14]
    chosen = ev if events else []
    return LiquidationHeatmap(
        symbol="BTCUSDT",
        exchange="binance",
        leverages=params.leverages,
        ts_ms=ts,
        edges=edges,
        long_usd=out_l,
        short_usd=out_s,
        price_path=PricePath(ts_ms=ts - HOUR_MS, open=open_, high=high, low=low, close=close),
        params=params,
        coverage=_coverage(len(chosen)),
        window_label="200h",
        events_ts_ms=np.array([e[0] for e in chosen], dtype=np.int64),
        events_price=np.array([e[1] for e in chosen], dtype=np.float64),
        events_usd=np.array([e[2] for e in chosen], dtype=np.float64),
        events_side=np.array([e[3] for e in chosen], dtype=np.int8),
    )


@pytest.fixture(scope="session")
def liq_map() -> LiquidationMap:
    """400 bins around 60,000, five tiers, six clusters."""
    return make_map()


@pytest.fixture(scope="session")
def big_map() -> LiquidationMap:
    """2,000 bins (the speed target)."""
    return make_map(n_bins=2_000)


@pytest.fixture(scope="session")
def zero_map() -> LiquidationMap:
    """Zero USD everywhere, no clusters."""
    return make_map(zero=True)


@pytest.fixture(scope="session")
def heatmap() -> LiquidationHeatmap:
    """200 hourly columns x 400 bins with observed events."""
    return make_heatmap()


@pytest.fixture(scope="session")
def heatmap_no_events() -> LiquidationHeatmap:
    """The same heatmap without events."""
    return make_heatmap(events=False)


@pytest.fixture(scope="session")
def map_factory() -> Callable[..., LiquidationMap]:
    """:func:`make_map` (``n_bins``, ``price``, ``zero``)."""
    return make_map


@pytest.fixture(scope="session")
def heatmap_factory() -> Callable[..., LiquidationHeatmap]:
    """:func:`make_heatmap` (``n_times``, ``n_bins``, ``events``)."""
    return make_heatmap


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the IHDR chunk, after checking the PNG signature."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert head[12:16] == b"IHDR"
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def check_png(path: Path, size: tuple[int, int] = (1600, 900)) -> None:
    """``path`` is a PNG of ``size`` pixels whose pixels vary (not a blank picture)."""
    assert path.is_file()
    assert png_size(path) == size
    std = float(np.asarray(mpimg.imread(path), dtype=np.float64).std())
    assert std > 0.05, f"{path} is (nearly) blank: pixel std {std:.4f}"


@pytest.fixture(scope="session")
def png_ok() -> Callable[..., None]:
    """:func:`check_png`: assert a valid, non-blank PNG of the expected size."""
    return check_png
