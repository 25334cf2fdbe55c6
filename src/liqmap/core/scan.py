"""Rank many symbols' liquidation maps by their nearest large clusters (pure; no I/O).

For each map the **scale** is the symbol's open interest at the map time (USD, when OI levels
are known) or else its average daily traded value over the window (USD, ``sum volume x close``
per day). A cluster is **large** when it holds at least ``min_share`` of the scale. A symbol's
score is the largest ``share / max(|distance %|, 0.1)`` over its large clusters: a cluster of 2%
of OI 1% away scores 2, one of 4% of OI 4% away scores 1. Symbols with no large cluster score 0
and sort last; failed symbols are kept with their error, never dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from liqmap.core.results import Cluster, LiquidationMap
from liqmap.domain.market import Candles, OpenInterest

__all__ = ["DEFAULT_MIN_SHARE", "ScanResult", "ScanRow", "rank", "scale_of", "scan_row"]

DEFAULT_MIN_SHARE = 0.005  # 0.5% of OI (or of a day's traded value)
_DAY_MS = 86_400_000
ScaleKind = Literal["open_interest", "daily_volume", "none"]


@dataclass(frozen=True, slots=True)
class ScanRow:
    """One symbol of a scan: its nearest large clusters below and above the price, or its error."""

    symbol: str
    exchange: str
    price: float = float("nan")
    scale_usd: float = float("nan")
    scale_kind: ScaleKind = "none"
    score: float = 0.0
    long: Cluster | None = None  # nearest large long cluster (below the price)
    short: Cluster | None = None  # nearest large short cluster (above the price)
    table: str = ""  # the margin-table label of the map (``margin table: ...``)
    error: str = ""

    @property
    def ok(self) -> bool:
        """True when the symbol's map was built."""
        return not self.error

    def share(self, c: Cluster | None) -> float:
        """A cluster's USD as a share of the scale (NaN without one)."""
        if c is None or not (self.scale_usd > 0):
            return float("nan")
        return c.usd / self.scale_usd

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (NaN as null)."""

        def side(c: Cluster | None) -> dict[str, float | None] | None:
            if c is None:
                return None
            return {"price": c.price, "usd": c.usd, "distance_pct": c.distance_pct,
                    "share_of_scale": _num(self.share(c))}  # fmt: skip

        return {
            "symbol": self.symbol, "exchange": self.exchange, "ok": self.ok,
            "price": _num(self.price), "scale_usd": _num(self.scale_usd),
            "scale_kind": self.scale_kind, "score": self.score,
            "nearest_long": side(self.long), "nearest_short": side(self.short),
            "table": self.table, "error": self.error or None,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Every scanned symbol, best score first (failures last), with the scan's settings."""

    rows: tuple[ScanRow, ...]
    window: str
    min_share: float

    @property
    def failures(self) -> tuple[ScanRow, ...]:
        """The symbols whose map could not be built."""
        return tuple(r for r in self.rows if not r.ok)

    def to_dict(self) -> dict[str, Any]:
        """The ``liqmap.scan/1`` JSON layout."""
        return {
            "schema": "liqmap.scan/1",
            "window": self.window,
            "min_share": self.min_share,
            "symbols": len(self.rows),
            "failed": len(self.failures),
            "rows": [r.to_dict() for r in self.rows],
        }


def scale_of(candles: Candles, oi: OpenInterest | None) -> tuple[float, ScaleKind]:
    """OI at the map time (levels), else the window's average daily traded value (USD)."""
    if oi is not None and oi.kind == "level" and len(oi):
        return float(oi.value_usd[-1]), "open_interest"
    if not len(candles):
        return float("nan"), "none"
    traded = candles.volume * candles.close
    ok = np.isfinite(traded)
    if not ok.any():
        return float("nan"), "none"
    days = max(len(candles) * candles.interval_ms / _DAY_MS, 1.0 / 24.0)
    return float(traded[ok].sum()) / days, "daily_volume"


def scan_row(
    m: LiquidationMap, scale_usd: float, scale_kind: ScaleKind, *,
    min_share: float = DEFAULT_MIN_SHARE, table: str = "",
) -> ScanRow:  # fmt: skip
    """The scan row of one map (see the module docstring for the score)."""
    big = [c for c in m.clusters if scale_usd > 0 and c.usd >= min_share * scale_usd]
    longs = [c for c in big if c.side == "long"]
    shorts = [c for c in big if c.side == "short"]
    near_long = min(longs, key=lambda c: abs(c.distance_pct), default=None)
    near_short = min(shorts, key=lambda c: abs(c.distance_pct), default=None)
    score = max((c.usd / scale_usd / max(abs(c.distance_pct), 0.1) for c in big), default=0.0)
    return ScanRow(m.symbol, m.exchange, m.price, scale_usd, scale_kind, float(score),
                   near_long, near_short, table)  # fmt: skip


def rank(rows: Sequence[ScanRow], *, window: str, min_share: float) -> ScanResult:
    """Rows sorted by score (highest first), failures last, ties by symbol."""
    ordered = sorted(rows, key=lambda r: (not r.ok, -r.score, r.symbol))
    return ScanResult(tuple(ordered), window, min_share)


def _num(x: float) -> float | None:
    return x if np.isfinite(x) else None
