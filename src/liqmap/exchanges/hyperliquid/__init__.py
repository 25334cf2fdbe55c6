"""Hyperliquid perpetuals: wire schemas, parsing, the public info client, real positions."""

from liqmap.exchanges.hyperliquid.client import HyperliquidClient
from liqmap.exchanges.hyperliquid.spec import SPEC

__all__ = ["SPEC", "SPECS", "HyperliquidClient"]

SPECS = (SPEC,)
"""The venue specs this package registers (:data:`liqmap.exchanges.registry.VENUES`)."""
