"""Enumerations shared by every layer (``Venue`` and ``ContractKind`` live in :mod:`.venue`)."""

from __future__ import annotations

from enum import Enum

from liqmap.domain.venue import ContractKind, Venue
from liqmap.errors import ParameterError

__all__ = ["ContractKind", "Side", "Venue"]


class Side(Enum):
    """Side of a position (not of an order): a long is liquidated when price falls to its level."""

    LONG = "long"
    SHORT = "short"

    @property
    def sign(self) -> int:
        """+1 for long, -1 for short (the ``side`` factor of the exchanges' formulas)."""
        return 1 if self is Side.LONG else -1

    @classmethod
    def parse(cls, value: str) -> Side:
        """Parse ``long``/``short`` (also ``buy``/``sell`` as the opening order side)."""
        v = value.strip().lower()
        if v in ("long", "buy"):
            return cls.LONG
        if v in ("short", "sell"):
            return cls.SHORT
        raise ParameterError(f"side must be 'long' or 'short', got {value!r}")
