"""Binance USD-M and COIN-M futures: the two venue specs of this folder.

USD-M: exact formula ``binance_usdm`` with the bracket at the liquidation price, funding every
8 h, symbols ``BTCUSDT``, liquidations recorded from ``!forceOrder@arr``, brackets from the signed
``/fapi/v1/leverageBracket`` (needs ``LIQMAP_BINANCE_API_KEY``/``_SECRET``). COIN-M: inverse
contracts (``binance_coinm``), symbols ``BTCUSD``, neither stream nor live brackets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from liqmap.domain.margin import MarginTable
from liqmap.domain.venue import Venue
from liqmap.exchanges.base import VenueClient
from liqmap.exchanges.binance.client import BinanceClient, BinanceCoinmClient
from liqmap.exchanges.binance.replay import REPLAY
from liqmap.exchanges.spec import VenueSpec, tiers_of
from liqmap.exchanges.stream import StreamAdapter
from liqmap.settings import Settings

__all__ = ["COINM_SPEC", "SPEC"]

_HOUR_MS = 3_600_000


def _stream(symbols: frozenset[str], _contract_values: Mapping[str, float]) -> StreamAdapter:
    from liqmap.exchanges.binance.stream import BinanceLiquidationStream

    return BinanceLiquidationStream(symbols)


async def _tiers(client: VenueClient, symbols: Sequence[str] | None) -> list[MarginTable]:
    from liqmap.exchanges.binance import tiers

    return await tiers_of(BinanceClient, tiers.fetch_tiers)(client, symbols)


def _keyed(settings: Settings) -> bool:
    """Binance serves brackets only to signed requests: an API key and secret are needed."""
    return bool(settings.binance_api_key and settings.binance_api_secret)


SPEC = VenueSpec(
    venue=Venue.BINANCE,
    client=BinanceClient,
    funding_interval_ms=8 * _HOUR_MS,
    symbol_suffix="USDT",
    stream=_stream,
    replay=REPLAY,
    tiers=_tiers,
    tiers_available=_keyed,
)

COINM_SPEC = VenueSpec(
    venue=Venue.BINANCE_COINM,
    client=BinanceCoinmClient,
    funding_interval_ms=8 * _HOUR_MS,
    symbol_suffix="USD",
    no_stream_reason="the recorder normalises linear (USDT/USDC) contracts only",
    no_tiers_reason=(
        "binance-coinm brackets are served only to signed requests (GET "
        "/dapi/v2/leverageBracket), which liqmap does not fetch yet: save the answer and "
        "pass it with --brackets FILE"
    ),
)
