"""Enumerations shared by every layer."""

from __future__ import annotations

from enum import Enum

from liqmap.errors import ParameterError, UnknownExchangeError

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


class ContractKind(Enum):
    """Linear contracts are margined and quoted in the quote currency; inverse ones in the coin."""

    LINEAR = "linear"
    INVERSE = "inverse"


class Venue(Enum):
    """Exchanges (and product lines) whose margin rules liqmap implements exactly."""

    BINANCE = "binance"  # Binance USD-M futures (linear)
    BINANCE_COINM = "binance-coinm"  # Binance COIN-M futures (inverse)
    BYBIT = "bybit"  # Bybit USDT perpetual (linear)
    OKX = "okx"  # OKX USDT-margined swap (linear)
    HYPERLIQUID = "hyperliquid"  # Hyperliquid perpetual (linear, USDC)

    @property
    def contract_kind(self) -> ContractKind:
        """Linear or inverse."""
        return ContractKind.INVERSE if self is Venue.BINANCE_COINM else ContractKind.LINEAR

    @classmethod
    def parse(cls, value: str) -> Venue:
        """Parse an exchange name (case-insensitive; ``binance-usdm`` is an alias of ``binance``)."""
        v = value.strip().lower().replace("_", "-")
        aliases = {
            "binance-usdm": "binance",
            "binance-um": "binance",
            "binance-cm": "binance-coinm",
        }
        v = aliases.get(v, v)
        for venue in cls:
            if venue.value == v:
                return venue
        names = ", ".join(x.value for x in cls)
        raise UnknownExchangeError(f"unknown exchange {value!r}; supported: {names}")
