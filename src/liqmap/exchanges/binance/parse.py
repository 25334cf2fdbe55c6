"""Binance wire structs -> liqmap records."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from liqmap.domain.market import Candles, OpenInterest
from liqmap.exchanges._wire import f64, num
from liqmap.exchanges.binance.schemas import (
    BinanceKline,
    BinanceLongShortRatio,
    BinanceOpenInterestHist,
    BinanceTakerLongShortRatio,
)
from liqmap.exchanges.records import LongShortRatios, TakerFlow

__all__ = [
    "coinm_contract_usd",
    "parse_klines",
    "parse_long_short",
    "parse_open_interest",
    "parse_taker",
]


def _f(text: str, what: str) -> float:
    return num(text, what, "binance")


def parse_klines(
    rows: Sequence[BinanceKline],
    *,
    symbol: str,
    interval_ms: int,
    coinm: bool = False,
    source: str = "",
) -> Candles:
    """Klines -> :class:`Candles` with taker-buy volume (base units; COIN-M uses the base-coin
    columns ``quoteAssetVolume``/``takerBuyQuoteAssetVolume``)."""
    vol = [_f(r.quoteAssetVolume if coinm else r.volume, "volume") for r in rows]
    tb = [
        _f(r.takerBuyQuoteAssetVolume if coinm else r.takerBuyVolume, "taker buy volume")
        for r in rows
    ]
    return Candles(
        symbol=symbol, interval_ms=interval_ms,
        ts_ms=np.array([r.openTime for r in rows], dtype=np.int64),
        open=f64([_f(r.open, "open") for r in rows]), high=f64([_f(r.high, "high") for r in rows]),
        low=f64([_f(r.low, "low") for r in rows]), close=f64([_f(r.close, "close") for r in rows]),
        volume=f64(vol), taker_buy_volume=f64(tb), source=source,
    )  # fmt: skip


def coinm_contract_usd(symbol: str) -> float:
    """USD face value of one COIN-M contract: 100 for BTC, 10 for every other coin (Binance
    COIN-M contract specifications)."""
    return 100.0 if symbol.upper().startswith("BTC") else 10.0


def parse_open_interest(
    rows: Sequence[BinanceOpenInterestHist], *, contract_usd: float | None = None, source: str = ""
) -> OpenInterest:
    """OI history -> USD levels: ``sumOpenInterestValue`` on USD-M; contracts x face value on
    COIN-M (``contract_usd``)."""
    if contract_usd is None:
        usd = [_f(r.sumOpenInterestValue, "sumOpenInterestValue") for r in rows]
    else:
        usd = [_f(r.sumOpenInterest, "sumOpenInterest") * contract_usd for r in rows]
    return OpenInterest(
        np.array([r.timestamp for r in rows], dtype=np.int64), f64(usd), "level", source
    )


def parse_taker(
    rows: Sequence[BinanceTakerLongShortRatio], *, interval_ms: int, source: str = ""
) -> TakerFlow:
    """Taker buy/sell volume per period (base units)."""
    return TakerFlow(
        np.array([r.timestamp for r in rows], dtype=np.int64),
        f64([_f(r.buyVol, "buyVol") for r in rows]), f64([_f(r.sellVol, "sellVol") for r in rows]),
        interval_ms, source,
    )  # fmt: skip


def parse_long_short(rows: Sequence[BinanceLongShortRatio], *, source: str = "") -> LongShortRatios:
    """Global long/short account ratio."""
    return LongShortRatios(
        np.array([r.timestamp for r in rows], dtype=np.int64),
        f64([_f(r.longShortRatio, "longShortRatio") for r in rows]), "accounts", source,
    )  # fmt: skip
