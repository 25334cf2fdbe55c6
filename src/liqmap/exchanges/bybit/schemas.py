# ruff: noqa: N815 - wire structs copy the exchange's field names exactly
"""Bybit v5 public market wire formats (frozen msgspec structs, Bybit's field names).

Every answer is wrapped in ``{"retCode": 0, "retMsg": "OK", "result": {...}, "retExtInfo": {},
"time": 1672054488010}``; ``retCode != 0`` is an error even with HTTP 200.
Docs: https://bybit-exchange.github.io/docs/v5/market/
"""

from __future__ import annotations

import builtins
from typing import Generic, TypeVar

import msgspec

__all__ = [
    "BybitAccountRatio",
    "BybitAccountRatioResult",
    "BybitFundingRate",
    "BybitFundingResult",
    "BybitKlineResult",
    "BybitOpenInterest",
    "BybitOpenInterestResult",
    "BybitResponse",
    "BybitRiskLimit",
    "BybitRiskLimitResult",
]

R = TypeVar("R")


class BybitResponse(msgspec.Struct, Generic[R], frozen=True):
    """The v5 envelope."""

    retCode: int
    retMsg: str
    result: R | None = None
    time: int = 0


class BybitOpenInterest(msgspec.Struct, frozen=True):
    """``GET /v5/market/open-interest`` list item: ``{"openInterest": "461134384.00000000",
    "timestamp": "1669571400000"}`` (base-coin units on linear contracts)."""

    openInterest: str
    timestamp: str


class BybitOpenInterestResult(msgspec.Struct, frozen=True):
    """``result`` of ``/v5/market/open-interest`` (newest first)."""

    list: builtins.list[BybitOpenInterest] = msgspec.field(
        default_factory=builtins.list
    )  # Bybit: "list"
    symbol: str = ""
    category: str = ""
    nextPageCursor: str = ""


class BybitAccountRatio(msgspec.Struct, frozen=True):
    """``GET /v5/market/account-ratio`` list item: ``{"symbol": "BTCUSDT", "buyRatio": "0.5707",
    "sellRatio": "0.4293", "timestamp": "1729584000000"}``."""

    buyRatio: str
    sellRatio: str
    timestamp: str
    symbol: str = ""


class BybitAccountRatioResult(msgspec.Struct, frozen=True):
    """``result`` of ``/v5/market/account-ratio``."""

    list: builtins.list[BybitAccountRatio] = msgspec.field(
        default_factory=builtins.list
    )  # Bybit: "list"
    nextPageCursor: str = ""


class BybitRiskLimit(msgspec.Struct, frozen=True):
    """``GET /v5/market/risk-limit`` list item::

    {"id": 1, "symbol": "BTCUSDT", "riskLimitValue": "2000000", "maintenanceMargin": "0.005",
     "initialMargin": "0.01", "isLowestRisk": 1, "maxLeverage": "100.00", "mmDeduction": ""}
    """

    id: int
    symbol: str
    riskLimitValue: str
    maintenanceMargin: str | float
    initialMargin: str | float
    maxLeverage: str
    isLowestRisk: int = 0
    mmDeduction: str = ""


class BybitRiskLimitResult(msgspec.Struct, frozen=True):
    """``result`` of ``/v5/market/risk-limit``."""

    list: builtins.list[BybitRiskLimit] = msgspec.field(
        default_factory=builtins.list
    )  # Bybit: "list"
    category: str = ""
    nextPageCursor: str = ""


class BybitKlineResult(msgspec.Struct, frozen=True):
    """``result`` of ``GET /v5/market/kline`` (newest first); each row is
    ``[startTime, openPrice, highPrice, lowPrice, closePrice, volume, turnover]`` as text, volume in
    the base coin::

        {"category": "linear", "symbol": "BTCUSDT",
         "list": [["1670608800000", "17071", "17073", "17027", "17055.5", "268611", "15.74"]]}
    """

    list: builtins.list[builtins.list[str]] = msgspec.field(default_factory=builtins.list)
    symbol: str = ""
    category: str = ""


class BybitFundingRate(msgspec.Struct, frozen=True):
    """One ``GET /v5/market/funding/history`` item::

    {"symbol": "ETHPERP", "fundingRate": "0.0001", "fundingRateTimestamp": "1672041600000"}
    """

    symbol: str
    fundingRate: str
    fundingRateTimestamp: str


class BybitFundingResult(msgspec.Struct, frozen=True):
    """``result`` of ``GET /v5/market/funding/history`` (newest first)."""

    list: builtins.list[BybitFundingRate] = msgspec.field(default_factory=builtins.list)
    category: str = ""
