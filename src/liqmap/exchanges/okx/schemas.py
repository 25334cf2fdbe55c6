# ruff: noqa: N815 - wire structs copy the exchange's field names exactly
"""OKX v5 public wire formats (frozen msgspec structs, OKX's field names).

Every answer is ``{"code": "0", "msg": "", "data": [...]}``; ``code != "0"`` is an error even with
HTTP 200. Trading-statistics ("rubik") rows are bare JSON arrays.
Docs: https://www.okx.com/docs-v5/en/
"""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

__all__ = [
    "OkxCandleRow",
    "OkxFundingRate",
    "OkxInstrument",
    "OkxLiquidation",
    "OkxLiquidationDetail",
    "OkxLongShortRow",
    "OkxMarkPrice",
    "OkxOpenInterestRow",
    "OkxPositionTier",
    "OkxResponse",
    "OkxTakerVolumeRow",
]

D = TypeVar("D")


class OkxResponse(msgspec.Struct, Generic[D], frozen=True):
    """The v5 envelope."""

    code: str
    msg: str = ""
    data: list[D] = msgspec.field(default_factory=list)


class OkxOpenInterestRow(msgspec.Struct, array_like=True, frozen=True):
    """``GET /api/v5/rubik/stat/contracts/open-interest-history`` row ``[ts, oi, oiCcy, oiUsd]``."""

    ts: str
    oi: str
    oiCcy: str
    oiUsd: str


class OkxTakerVolumeRow(msgspec.Struct, array_like=True, frozen=True):
    """``GET /api/v5/rubik/stat/taker-volume-contract`` row ``[ts, sellVol, buyVol]``."""

    ts: str
    sellVol: str
    buyVol: str


class OkxLongShortRow(msgspec.Struct, array_like=True, frozen=True):
    """``GET /api/v5/rubik/stat/contracts/long-short-account-ratio-contract`` row
    ``[ts, longShortAcctRatio]``."""

    ts: str
    longShortAcctRatio: str


class OkxPositionTier(msgspec.Struct, frozen=True):
    """``GET /api/v5/public/position-tiers`` item (SWAP sizes are in contracts)::

    {"instFamily": "BTC-USDT", "uly": "BTC-USDT", "tier": "1", "minSz": "0", "maxSz": "2000",
     "mmr": "0.004", "imr": "0.008", "maxLever": "125", "instId": "", "optMgnFactor": "0",
     "quoteMaxLoan": "", "baseMaxLoan": ""}
    """

    tier: str
    minSz: str
    maxSz: str
    mmr: str
    imr: str
    maxLever: str
    instFamily: str = ""
    uly: str = ""


class OkxInstrument(msgspec.Struct, frozen=True):
    """``GET /api/v5/public/instruments`` item (the fields liqmap reads)."""

    instId: str
    ctVal: str
    ctValCcy: str = ""
    instFamily: str = ""


class OkxMarkPrice(msgspec.Struct, frozen=True):
    """``GET /api/v5/public/mark-price`` item: ``{"instId": "BTC-USDT-SWAP", "instType": "SWAP",
    "markPx": "97000.1", "ts": "1597026383085"}``."""

    instId: str
    markPx: str
    ts: str = ""


class OkxLiquidationDetail(msgspec.Struct, frozen=True):
    """One filled liquidation inside ``details``: ``sz`` in contracts, ``bkPx`` bankruptcy price,
    ``posSide`` the liquidated position (``long``/``short``; ``net`` in one-way mode, then
    ``side`` sell = a long was closed)."""

    bkPx: str
    sz: str
    side: str
    posSide: str
    ts: str
    bkLoss: str = ""


class OkxLiquidation(msgspec.Struct, frozen=True):
    """``GET /api/v5/public/liquidation-orders`` item."""

    details: list[OkxLiquidationDetail]
    instId: str = ""
    instFamily: str = ""
    uly: str = ""


class OkxCandleRow(msgspec.Struct, array_like=True, frozen=True):
    """``GET /api/v5/market/history-candles`` row (newest first)
    ``[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]``; for swaps ``vol`` counts contracts
    and ``volCcy`` is the base coin."""

    ts: str
    o: str
    h: str
    l: str  # noqa: E741 - OKX's field name
    c: str
    vol: str
    volCcy: str = ""
    volCcyQuote: str = ""
    confirm: str = ""


class OkxFundingRate(msgspec.Struct, frozen=True):
    """``GET /api/v5/public/funding-rate-history`` item (newest first)::

    {"instType": "SWAP", "instId": "BTC-USDT-SWAP", "fundingRate": "0.0000746",
     "realizedRate": "0.0000746", "fundingTime": "1703059200000", "method": "current_period"}
    """

    instId: str
    fundingRate: str
    fundingTime: str
    realizedRate: str = ""
    instType: str = ""
    method: str = ""
