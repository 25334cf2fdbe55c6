"""Bybit v5 (USDT perpetual): wire schemas, parsing, the public REST client."""

from liqmap.exchanges.bybit.client import BybitClient
from liqmap.exchanges.bybit.spec import SPEC

__all__ = ["SPEC", "SPECS", "BybitClient"]

SPECS = (SPEC,)
"""The venue specs this package registers (:data:`liqmap.exchanges.registry.VENUES`)."""
