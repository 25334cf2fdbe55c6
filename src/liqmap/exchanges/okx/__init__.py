"""OKX v5 (USDT-margined swaps): wire schemas, parsing, the public REST client."""

from liqmap.exchanges.okx.client import OkxClient
from liqmap.exchanges.okx.spec import SPEC

__all__ = ["SPEC", "SPECS", "OkxClient"]

SPECS = (SPEC,)
"""The venue specs this package registers (:data:`liqmap.exchanges.registry.VENUES`)."""
