"""Hyperliquid perpetual: the venue spec (formula ``hyperliquid``, USDC, funding every hour,
markets named by the coin (``BTC``), no public liquidation stream, public margin tables, public
account positions: the real map of ``liqmap positions``)."""

from __future__ import annotations

from collections.abc import Sequence

from liqmap.core.results import LiquidationMap
from liqmap.domain.margin import MarginTable
from liqmap.domain.venue import Venue
from liqmap.exchanges.base import VenueClient
from liqmap.exchanges.hyperliquid.client import HyperliquidClient
from liqmap.exchanges.records import PositionSnapshot
from liqmap.exchanges.spec import VenueSpec, tiers_of
from liqmap.settings import Settings

__all__ = ["SPEC"]


async def _tiers(client: VenueClient, symbols: Sequence[str] | None) -> list[MarginTable]:
    from liqmap.exchanges.hyperliquid import tiers

    return await tiers_of(HyperliquidClient, tiers.fetch_tiers)(client, symbols)


async def _positions(
    settings: Settings,
    addresses: Sequence[str],
    coin: str,
    concurrency: int,
    bins: int,
    range_pct: float | None,
) -> tuple[PositionSnapshot, LiquidationMap]:
    """Each account's ``clearinghouseState``, binned into the real map (:mod:`.positions`)."""
    from liqmap.exchanges.hyperliquid.positions import real_map

    async with HyperliquidClient(settings) as client:
        return await real_map(
            client, addresses, coin, concurrency=concurrency, bins=bins, range_pct=range_pct
        )


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
    positions=_positions,
)
