"""Hyperliquid perpetual: the venue spec (formula ``hyperliquid``, USDC, funding every hour,
markets named by the coin (``BTC``), no public liquidation stream, public margin tables)."""

from __future__ import annotations

from collections.abc import Sequence

from liqmap.domain.margin import MarginTable
from liqmap.domain.venue import Venue
from liqmap.exchanges.base import VenueClient
from liqmap.exchanges.hyperliquid.client import HyperliquidClient
from liqmap.exchanges.spec import VenueSpec, tiers_of

__all__ = ["SPEC"]


async def _tiers(client: VenueClient, symbols: Sequence[str] | None) -> list[MarginTable]:
    from liqmap.exchanges.hyperliquid import tiers

    return await tiers_of(HyperliquidClient, tiers.fetch_tiers)(client, symbols)


SPEC = VenueSpec(
    venue=Venue.HYPERLIQUID,
    client=HyperliquidClient,
    funding_interval_ms=3_600_000,
    symbol_suffix="",
    no_stream_reason=(
        "Hyperliquid has no public liquidation stream: its WebSocket API serves liquidations "
        "only per account (userEvents/userFills for a given address) and its public 'trades' "
        "carry no liquidation flag (docs/recorder.md)"
    ),
    tiers=_tiers,
)
