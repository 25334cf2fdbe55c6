"""Bybit USDT perpetual: the venue spec (formula ``bybit_linear``, bracket at entry, funding
every 8 h, symbols ``BTCUSDT``, stream ``allLiquidation.{symbol}``, public risk limits)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from liqmap.domain.margin import MarginTable
from liqmap.domain.venue import Venue
from liqmap.exchanges.base import VenueClient
from liqmap.exchanges.bybit.client import BybitClient
from liqmap.exchanges.bybit.replay import REPLAY
from liqmap.exchanges.spec import VenueSpec, tiers_of
from liqmap.exchanges.stream import StreamAdapter

__all__ = ["SPEC"]


def _stream(symbols: frozenset[str], _contract_values: Mapping[str, float]) -> StreamAdapter:
    from liqmap.exchanges.bybit.stream import BybitLiquidationStream

    return BybitLiquidationStream(symbols)


async def _tiers(client: VenueClient, symbols: Sequence[str] | None) -> list[MarginTable]:
    from liqmap.exchanges.bybit import tiers

    return await tiers_of(BybitClient, tiers.fetch_tiers)(client, symbols)


SPEC = VenueSpec(
    venue=Venue.BYBIT,
    client=BybitClient,
    funding_interval_ms=8 * 3_600_000,
    symbol_suffix="USDT",
    stream=_stream,
    replay=REPLAY,
    tiers=_tiers,
)
