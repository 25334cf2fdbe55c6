"""The parts of the result objects and the helpers they share.

:class:`Coverage` (how much of the window the input covered), :class:`Cluster` (a dense run of
levels), :class:`PricePath` (the bars drawn over a heatmap), and :func:`read_only`,
:func:`iso_ms`, :func:`tier_label`. :mod:`liqmap.core.results` re-exports the public ones (import
them from there).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from liqmap.core.columns import bars_at_columns
from liqmap.domain.market import Gap, is_frozen

__all__ = ["Cluster", "Coverage", "PricePath", "iso_ms", "read_only", "tier_label"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def iso_ms(ts_ms: int) -> str:
    """ISO-8601 UTC text of an epoch-millisecond time (``2026-02-05T12:00:00Z``)."""
    dt = datetime.fromtimestamp(ts_ms / 1000.0, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def read_only(a: NDArray[Any]) -> NDArray[Any]:
    """``a`` itself if it and every array it views are read-only (no copy), else a read-only copy."""
    if is_frozen(a):
        return a
    arr = np.array(a, copy=True)
    arr.setflags(write=False)
    return arr


def tier_label(leverage: float) -> str:
    """``25.0 -> '25x'``, ``12.5 -> '12.5x'``."""
    return f"{leverage:g}x"


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of the requested window the input covered, and where it had holes."""

    bars: int
    expected_bars: int
    gaps: tuple[Gap, ...] = ()
    oi_source: str = "none"  # "level", "change" or "none" (volume fallback)
    taker_flow: bool = False
    liquidation_events: int = 0

    @property
    def fraction(self) -> float:
        """Share of the expected bars present (1.0 = complete)."""
        return 1.0 if self.expected_bars <= 0 else min(1.0, self.bars / self.expected_bars)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "bars": self.bars,
            "expected_bars": self.expected_bars,
            "fraction": round(self.fraction, 6),
            "gaps": [g.to_dict() for g in self.gaps],
            "oi_source": self.oi_source,
            "taker_flow": self.taker_flow,
            "liquidation_events": self.liquidation_events,
        }


@dataclass(frozen=True, slots=True)
class Cluster:
    """A dense, tall run of liquidation levels on one side.

    ``price`` is the USD-weighted centre; ``distance_pct`` is signed ((price / current - 1) * 100,
    negative below price); ``usd_by_tier`` is aligned with the map's ``leverages``.
    """

    side: str  # "long" or "short"
    price_low: float
    price_high: float
    price: float
    usd: float
    usd_by_tier: tuple[float, ...]
    distance_pct: float
    share_of_side: float
    score: float
    rank: int

    def to_dict(self, leverages: tuple[float, ...]) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "rank": self.rank,
            "side": self.side,
            "price": self.price,
            "price_low": self.price_low,
            "price_high": self.price_high,
            "usd": self.usd,
            "usd_by_tier": {
                tier_label(lv): u for lv, u in zip(leverages, self.usd_by_tier, strict=True)
            },
            "distance_pct": self.distance_pct,
            "share_of_side": self.share_of_side,
            "score": self.score,
        }


@dataclass(frozen=True, slots=True)
class PricePath:
    """The bars of the window, for drawing the price path over a heatmap."""

    ts_ms: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray

    def __post_init__(self) -> None:
        for name in ("ts_ms", "open", "high", "low", "close"):
            object.__setattr__(self, name, read_only(getattr(self, name)))

    def at_columns(self, col_ts_ms: IntArray) -> PricePath:
        """One bar per heatmap column (:func:`liqmap.core.columns.bars_at_columns`)."""
        return PricePath(
            *bars_at_columns(self.ts_ms, (self.open, self.high, self.low, self.close), col_ts_ms)
        )
