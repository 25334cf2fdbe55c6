"""Binance USD-M and COIN-M futures: wire schemas, parsing, the public REST client."""

from liqmap.exchanges.binance.client import BinanceClient, BinanceCoinmClient

__all__ = ["BinanceClient", "BinanceCoinmClient"]
