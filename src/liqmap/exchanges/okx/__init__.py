"""OKX v5 (USDT-margined swaps): wire schemas, parsing, the public REST client."""

from liqmap.exchanges.okx.client import OkxClient

__all__ = ["OkxClient"]
