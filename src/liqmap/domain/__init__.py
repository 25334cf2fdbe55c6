"""Typed domain records shared by every layer (no I/O here)."""

from liqmap.domain.enums import ContractKind, Side, Venue
from liqmap.domain.margin import MarginTable, MarginTier
from liqmap.domain.market import Candles, Gap, LiquidationEvents, OpenInterest

__all__ = [
    "Candles",
    "ContractKind",
    "Gap",
    "LiquidationEvents",
    "MarginTable",
    "MarginTier",
    "OpenInterest",
    "Side",
    "Venue",
]
