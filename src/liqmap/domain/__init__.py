"""Typed domain records shared by every layer (no I/O here).

The market records (:mod:`liqmap.domain.market`, numpy arrays) load on first use, so that what
needs only the enums or the margin tables (``liqmap liqprice``) does not import numpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from liqmap.domain.enums import ContractKind, Side, Venue
from liqmap.domain.margin import MarginTable, MarginTier

if TYPE_CHECKING:
    from liqmap.domain.market import Candles, Gap, LiquidationEvents, OpenInterest

_MARKET = ("Candles", "Gap", "LiquidationEvents", "OpenInterest")

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


def __getattr__(name: str) -> Any:
    """The market records, imported on first use (PEP 562)."""
    if name not in _MARKET:
        raise AttributeError(f"module 'liqmap.domain' has no attribute {name!r}")
    value = getattr(importlib.import_module("liqmap.domain.market"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
