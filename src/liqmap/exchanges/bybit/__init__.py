"""Bybit v5 (USDT perpetual): wire schemas, parsing, the public REST client."""

from liqmap.exchanges.bybit.client import BybitClient

__all__ = ["BybitClient"]
