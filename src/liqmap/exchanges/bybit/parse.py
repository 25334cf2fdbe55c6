"""Bybit wire structs -> liqmap records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from liqmap.domain.margin import MarginTable, MarginTier
from liqmap.domain.market import Candles, OpenInterest
from liqmap.errors import (
    ExchangeClientError,
    MalformedResponseError,
    RateLimitError,
    UnknownSymbolError,
)
from liqmap.exchanges._wire import num
from liqmap.exchanges.bybit.schemas import (
    BybitAccountRatio,
    BybitOpenInterest,
    BybitResponse,
    BybitRiskLimit,
)
from liqmap.exchanges.records import LongShortRatios

__all__ = ["check", "parse_long_short", "parse_open_interest", "parse_risk_limits", "usd_at"]

RATE_LIMIT_CODES = {10006, 10018}  # "Too many visits!", IP rate limit


def check(resp: BybitResponse[object], url: str) -> None:
    """Raise for ``retCode != 0`` (10006/10018: rate limit; 10001 bad parameter; others)."""
    if resp.retCode == 0:
        if resp.result is None:
            raise MalformedResponseError(
                f"bybit answered retCode 0 without a result at {url}", url=url
            )
        return
    msg = f"bybit answered retCode {resp.retCode} ({resp.retMsg}) at {url}"
    if resp.retCode in RATE_LIMIT_CODES:
        raise RateLimitError(msg + "; slowing down", url=url, retry_after_s=1.0)
    if "symbol" in resp.retMsg.lower():
        raise UnknownSymbolError(msg + "; check the symbol, e.g. BTCUSDT")
    raise ExchangeClientError(msg, url=url)


def usd_at(ts_ms: np.ndarray, prices: Candles | None) -> np.ndarray:
    """Price at each time: the close of the last bar that ended at or before it (NaN before the
    first bar)."""
    out = np.full(len(ts_ms), np.nan)
    if prices is None or not len(prices):
        return out
    ends = prices.ts_ms + prices.interval_ms
    i = np.searchsorted(ends, ts_ms, side="right") - 1
    ok = i >= 0
    out[ok] = prices.close[i[ok]]
    first = (~ok) & (ts_ms >= prices.ts_ms[0])
    out[first] = prices.open[0]
    return out


def parse_open_interest(
    rows: Sequence[BybitOpenInterest], prices: Candles | None, *, source: str = ""
) -> OpenInterest:
    """OI in base coin x price -> USD levels, oldest first; points with no price are dropped."""
    ts = np.array([int(num(r.timestamp, "timestamp", "bybit")) for r in rows], dtype=np.int64)
    qty = np.array([num(r.openInterest, "openInterest", "bybit") for r in rows])
    px = usd_at(ts, prices)
    keep = np.isfinite(px)
    o = np.argsort(ts[keep], kind="stable")
    return OpenInterest(ts[keep][o], (qty[keep] * px[keep])[o], "level", source)


def parse_long_short(rows: Sequence[BybitAccountRatio], *, source: str = "") -> LongShortRatios:
    """``buyRatio / sellRatio`` (share of accounts long over share short), oldest first."""
    ts = np.array([int(num(r.timestamp, "timestamp", "bybit")) for r in rows], dtype=np.int64)
    buy = np.array([num(r.buyRatio, "buyRatio", "bybit") for r in rows])
    sell = np.array([num(r.sellRatio, "sellRatio", "bybit") for r in rows])
    ratio = np.divide(buy, sell, out=np.full(len(buy), np.nan), where=sell > 0)
    o = np.argsort(ts, kind="stable")
    return LongShortRatios(ts[o], ratio[o], "accounts", source)


def parse_risk_limits(rows: Sequence[BybitRiskLimit], *, symbol: str, source: str) -> MarginTable:
    """Risk-limit tiers -> a :class:`MarginTable` (floor = previous tier's ``riskLimitValue``;
    ``mmDeduction`` is the maintenance amount, empty = 0)."""
    mine = sorted(
        (r for r in rows if r.symbol == symbol),
        key=lambda r: num(r.riskLimitValue, "riskLimitValue", "bybit"),
    )
    if not mine:
        raise UnknownSymbolError(f"bybit has no risk-limit tiers for {symbol!r}")
    tiers = []
    floor = 0.0
    for i, r in enumerate(mine, start=1):
        cap = num(r.riskLimitValue, "riskLimitValue", "bybit")
        tiers.append(
            MarginTier(
                tier=i, notional_floor=floor, notional_cap=cap,
                maint_margin_ratio=num(r.maintenanceMargin, "maintenanceMargin", "bybit"),
                maint_amount=num(r.mmDeduction or 0, "mmDeduction", "bybit"),
                max_leverage=num(r.maxLeverage, "maxLeverage", "bybit"),
            )
        )  # fmt: skip
        floor = cap
    today = datetime.now(UTC).date().isoformat()
    return MarginTable(symbol, "bybit", tuple(tiers), as_of=today, source=source)
