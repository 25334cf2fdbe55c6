"""The template venue's spec: everything liqmap knows about it, in one object.

Replace each value with the venue's own and cite the document it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping

from liqmap.exchanges._template.client import TemplateClient
from liqmap.exchanges._template.replay import REPLAY
from liqmap.exchanges._template.stream import TemplateLiquidationStream
from liqmap.exchanges._template.venue import VENUE
from liqmap.exchanges.spec import VenueSpec
from liqmap.exchanges.stream import StreamAdapter

__all__ = ["SPEC", "VENUE"]


def _stream(symbols: frozenset[str], _contract_values: Mapping[str, float]) -> StreamAdapter:
    return TemplateLiquidationStream(symbols)


SPEC = VenueSpec(
    venue=VENUE,
    client=TemplateClient,
    funding_interval_ms=8 * 3_600_000,
    symbol_suffix="USDT",
    stream=_stream,
    replay=REPLAY,
    no_tiers_reason="the template venue publishes no margin tiers; pass them with --brackets FILE",
)
