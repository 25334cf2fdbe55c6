# ruff: noqa: N815 - wire structs copy the exchange's field names exactly
"""Binance USD-M / COIN-M futures wire formats (frozen msgspec structs, Binance's field names).

Docs: https://developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api
"""

from __future__ import annotations

import msgspec

__all__ = [
    "BinanceFundingRate",
    "BinanceKline",
    "BinanceLongShortRatio",
    "BinanceOpenInterestHist",
    "BinanceTakerLongShortRatio",
]


class BinanceKline(msgspec.Struct, array_like=True, frozen=True):
    """One ``GET /fapi/v1/klines`` (or ``/dapi/v1/klines``) row, a JSON array::

        [1499040000000, "0.01634790", "0.80000000", "0.01575800", "0.01577100", "148976.11427815",
         1499644799999, "2434.19055334", 308, "1756.87402397", "28.46694368", "0"]

    On COIN-M ``volume`` and ``takerBuyVolume`` count contracts and ``quoteAssetVolume`` /
    ``takerBuyQuoteAssetVolume`` are in the base coin ("base asset volume" in the COIN-M docs).
    """

    openTime: int
    open: str
    high: str
    low: str
    close: str
    volume: str
    closeTime: int
    quoteAssetVolume: str
    numberOfTrades: int
    takerBuyVolume: str
    takerBuyQuoteAssetVolume: str
    ignore: str = "0"


class BinanceOpenInterestHist(msgspec.Struct, frozen=True):
    """``GET /futures/data/openInterestHist`` item (USD-M; COIN-M has ``pair``/``contractType``)::

    {"symbol": "BTCUSDT", "sumOpenInterest": "20403.637", "sumOpenInterestValue":
     "150570784.07809979", "timestamp": 1583127900000}
    """

    sumOpenInterest: str
    sumOpenInterestValue: str
    timestamp: int
    symbol: str = ""
    pair: str = ""
    contractType: str = ""


class BinanceTakerLongShortRatio(msgspec.Struct, frozen=True):
    """``GET /futures/data/takerlongshortRatio`` item::

    {"buySellRatio": "1.5586", "buyVol": "387.3300", "sellVol": "248.5030",
     "timestamp": 1585614900000}
    """

    buySellRatio: str
    buyVol: str
    sellVol: str
    timestamp: int


class BinanceLongShortRatio(msgspec.Struct, frozen=True):
    """``GET /futures/data/globalLongShortAccountRatio`` item::

    {"symbol": "BTCUSDT", "longShortRatio": "0.1960", "longAccount": "0.6622",
     "shortAccount": "0.3378", "timestamp": 1583139600000}
    """

    longShortRatio: str
    timestamp: int
    longAccount: str = ""
    shortAccount: str = ""
    symbol: str = ""


class BinanceFundingRate(msgspec.Struct, frozen=True):
    """One item of ``GET /fapi/v1/fundingRate`` (``/dapi/v1/fundingRate``)::

    {"symbol": "BTCUSDT", "fundingRate": "-0.03750000", "fundingTime": 1570608000000,
     "markPrice": "34287.54619963"}
    """

    symbol: str
    fundingTime: int
    fundingRate: str
    markPrice: str = ""
