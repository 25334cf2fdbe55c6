"""Hyperliquid live margin tiers: ``POST /info {"type": "metaAndAssetCtxs"}`` (public, no key).

https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint/perpetuals --
``meta.universe[i]`` gives each coin's ``maxLeverage`` and ``marginTableId``; ``meta.marginTables``
the tiers (``lowerBound`` in USD, ``maxLeverage``). One request serves every coin.
"""

from __future__ import annotations

from collections.abc import Sequence

from liqmap.domain.margin import MarginTable
from liqmap.exchanges.hyperliquid.client import DOC, HyperliquidClient
from liqmap.exchanges.hyperliquid.parse import parse_margin_table

__all__ = ["fetch_tiers"]


async def fetch_tiers(
    client: HyperliquidClient, symbols: Sequence[str] | None
) -> list[MarginTable]:
    """Tiers of ``symbols``, or of every listed perpetual when None (one request either way)."""
    data = await client.meta_and_asset_ctxs()
    meta, _ = data
    coins = [client.native(s) for s in symbols] if symbols is not None else [
        a.name for a in meta.universe if not a.isDelisted
    ]  # fmt: skip
    source = f"hyperliquid POST /info metaAndAssetCtxs marginTables ({DOC}/perpetuals)"
    return [parse_margin_table(data, c, source=source) for c in coins]
