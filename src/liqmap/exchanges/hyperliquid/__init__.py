"""Hyperliquid perpetuals: wire schemas, parsing, the public info client, real positions."""

from liqmap.exchanges.hyperliquid.client import HyperliquidClient

__all__ = ["HyperliquidClient"]
