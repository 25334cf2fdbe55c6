# ruff: noqa: N815 - wire structs copy the exchange's field names exactly
"""Hyperliquid ``POST /info`` wire formats (frozen msgspec structs, Hyperliquid's field names).

Docs: https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint
"""

from __future__ import annotations

import msgspec

__all__ = [
    "HlAssetCtx",
    "HlAssetPosition",
    "HlCandle",
    "HlClearinghouseState",
    "HlFunding",
    "HlLeverage",
    "HlMarginSummary",
    "HlMarginTable",
    "HlMarginTier",
    "HlMeta",
    "HlMetaAndAssetCtxs",
    "HlPosition",
    "HlUniverseAsset",
]


class HlCandle(msgspec.Struct, frozen=True):
    """``{"type": "candleSnapshot", "req": {...}}`` item::

    {"t": 1681923600000, "T": 1681924499999, "s": "BTC", "i": "15m", "o": "29295.0",
     "c": "29258.0", "h": "29309.0", "l": "29250.0", "v": "0.98639", "n": 189}
    """

    t: int
    T: int
    s: str
    i: str
    o: str
    c: str
    h: str
    l: str  # noqa: E741 - Hyperliquid's field name
    v: str
    n: int = 0


class HlUniverseAsset(msgspec.Struct, frozen=True):
    """``meta.universe`` item: ``{"name": "BTC", "szDecimals": 5, "maxLeverage": 40,
    "marginTableId": 56}``."""

    name: str
    szDecimals: int
    maxLeverage: int
    marginTableId: int | None = None
    onlyIsolated: bool = False
    isDelisted: bool = False


class HlMarginTier(msgspec.Struct, frozen=True):
    """``{"lowerBound": "0.0", "maxLeverage": 40}`` (position value in USDC)."""

    lowerBound: str
    maxLeverage: int


class HlMarginTable(msgspec.Struct, frozen=True):
    """``{"description": "tiered 40x", "marginTiers": [...]}``."""

    description: str
    marginTiers: list[HlMarginTier]


class HlMeta(msgspec.Struct, frozen=True):
    """``{"type": "meta"}`` answer (also the first element of ``metaAndAssetCtxs``)."""

    universe: list[HlUniverseAsset]
    marginTables: list[tuple[int, HlMarginTable]] = msgspec.field(default_factory=list)


class HlAssetCtx(msgspec.Struct, frozen=True):
    """``metaAndAssetCtxs`` second element item (aligned with ``universe``)::

    {"funding": "0.0000125", "openInterest": "688.11", "prevDayPx": "1.0", "dayNtlVlm": "1.0",
     "premium": "0.0", "oraclePx": "1.0", "markPx": "1.0", "midPx": "1.0",
     "impactPxs": ["1.0", "1.0"], "dayBaseVlm": "1.0"}
    """

    openInterest: str
    markPx: str
    funding: str = "0"
    oraclePx: str = ""
    midPx: str | None = None
    prevDayPx: str = ""
    dayNtlVlm: str = ""


HlMetaAndAssetCtxs = tuple[HlMeta, list[HlAssetCtx]]


class HlLeverage(msgspec.Struct, frozen=True):
    """``{"type": "cross", "value": 20}`` or ``{"type": "isolated", "value": 10, "rawUsd": "..."}``."""

    type: str
    value: float
    rawUsd: str | None = None


class HlPosition(msgspec.Struct, frozen=True):
    """``assetPositions[].position``: signed size ``szi``, ``liquidationPx`` null when none."""

    coin: str
    szi: str
    entryPx: str | None
    positionValue: str
    leverage: HlLeverage
    marginUsed: str
    liquidationPx: str | None = None
    unrealizedPnl: str = "0"
    maxLeverage: int | None = None


class HlAssetPosition(msgspec.Struct, frozen=True):
    """``{"type": "oneWay", "position": {...}}``."""

    position: HlPosition
    type: str = "oneWay"


class HlMarginSummary(msgspec.Struct, frozen=True):
    """``marginSummary``/``crossMarginSummary``."""

    accountValue: str
    totalNtlPos: str = "0"
    totalMarginUsed: str = "0"
    totalRawUsd: str = "0"


class HlClearinghouseState(msgspec.Struct, frozen=True):
    """``{"type": "clearinghouseState", "user": "0x..."}`` answer."""

    assetPositions: list[HlAssetPosition]
    marginSummary: HlMarginSummary
    crossMarginSummary: HlMarginSummary | None = None
    crossMaintenanceMarginUsed: str = "0"
    withdrawable: str = "0"
    time: int = 0


class HlFunding(msgspec.Struct, frozen=True):
    """``{"type": "fundingHistory", "coin": ..., "startTime": ...}`` item::

    {"coin": "ETH", "fundingRate": "-0.00022196", "premium": "-0.00052196", "time": 1683849600076}
    """

    coin: str
    fundingRate: str
    time: int
    premium: str = ""
