"""OKX USDT-margined swap: the venue spec (formula ``okx_linear`` with the taker fee, tier at
entry, funding every 8 h, symbols ``BTCUSDT`` (``BTC-USDT-SWAP`` on the wire), stream
``liquidation-orders`` (sizes in contracts: needs ``ctVal``), public position tiers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from liqmap.domain.margin import MarginTable
from liqmap.domain.venue import Venue
from liqmap.exchanges.base import VenueClient
from liqmap.exchanges.okx.client import OkxClient
from liqmap.exchanges.okx.replay import REPLAY
from liqmap.exchanges.spec import VenueSpec, tiers_of
from liqmap.exchanges.stream import StreamAdapter

__all__ = ["SPEC"]


def _stream(symbols: frozenset[str], contract_values: Mapping[str, float]) -> StreamAdapter:
    from liqmap.exchanges.okx.stream import OkxLiquidationStream

    return OkxLiquidationStream(symbols, dict(contract_values))


async def _tiers(client: VenueClient, symbols: Sequence[str] | None) -> list[MarginTable]:
    from liqmap.exchanges.okx import tiers

    return await tiers_of(OkxClient, tiers.fetch_tiers)(client, symbols)


SPEC = VenueSpec(
    venue=Venue.OKX,
    client=OkxClient,
    funding_interval_ms=8 * 3_600_000,
    symbol_suffix="USDT",
    stream=_stream,
    replay=REPLAY,
    tiers=_tiers,
)
