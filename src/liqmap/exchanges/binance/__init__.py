"""Binance USD-M and COIN-M futures: wire schemas, parsing, the public REST client."""

from liqmap.exchanges.binance.client import BinanceClient, BinanceCoinmClient
from liqmap.exchanges.binance.spec import COINM_SPEC, SPEC

__all__ = ["COINM_SPEC", "SPEC", "SPECS", "BinanceClient", "BinanceCoinmClient"]

SPECS = (SPEC, COINM_SPEC)
"""The venue specs this package registers (:data:`liqmap.exchanges.registry.VENUES`)."""
