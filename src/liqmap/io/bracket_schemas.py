# ruff: noqa: N815  (the wire schemas copy the exchanges' camelCase field names exactly)
"""Wire schemas of bracket-table files: field names exactly as the exchanges and files spell them.

Parsed with :mod:`msgspec`, then converted to domain records by :mod:`liqmap.io.brackets`.
"""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = [
    "BinanceBracket", "BinanceCoinmBracket", "BinanceCoinmSymbolBrackets", "BinanceSymbolBrackets",
    "PackageFile", "PackageTable", "PackageTier", "Row", "SharedBracketFile",
]  # fmt: skip

Row = tuple[int, float, float | None, float, float, float]  # tier, floor, cap, mmr, amount, lev


class BinanceBracket(msgspec.Struct, frozen=True):
    """One bracket of Binance USD-M ``GET /fapi/v1/leverageBracket``."""

    bracket: int
    initialLeverage: float
    notionalCap: float
    notionalFloor: float
    maintMarginRatio: float
    cum: float = 0.0

    def row(self) -> Row:
        """(tier, floor, cap, mmr, amount, max leverage)."""
        return (self.bracket, self.notionalFloor, self.notionalCap, self.maintMarginRatio, self.cum, self.initialLeverage)  # fmt: skip


class BinanceSymbolBrackets(msgspec.Struct, frozen=True):
    """One symbol of Binance USD-M ``GET /fapi/v1/leverageBracket``."""

    symbol: str
    brackets: list[BinanceBracket]
    notionalCoef: float | None = None


class BinanceCoinmBracket(msgspec.Struct, frozen=True):
    """One bracket of Binance COIN-M ``GET /dapi/v2/leverageBracket`` (bounds in coin).

    Binance's documentation spells the floor ``qtylFloor``; ``qtyFloor`` is accepted too.
    """

    bracket: int
    initialLeverage: float
    qtyCap: float
    maintMarginRatio: float
    cum: float = 0.0
    qtylFloor: float | None = None
    qtyFloor: float | None = None


class BinanceCoinmSymbolBrackets(msgspec.Struct, frozen=True):
    """One symbol (v2: ``symbol``) or pair (v1: ``pair``) of Binance COIN-M leverage brackets."""

    brackets: list[BinanceCoinmBracket]
    symbol: str | None = None
    pair: str | None = None
    notionalCoef: float | None = None


class SharedBracketFile(msgspec.Struct, frozen=True):
    """The shared-data layout: column names in ``fields``, one row per bracket."""

    source: str
    fields: list[str]
    symbols: dict[str, list[list[float]]]


class PackageTier(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One tier of liqmap's package layout (``cap`` null = unbounded)."""

    tier: int
    floor: float
    cap: float | None
    mmr: float
    maint_amount: float
    max_leverage: float

    def row(self) -> Row:
        """(tier, floor, cap, mmr, amount, max leverage)."""
        return (self.tier, self.floor, self.cap, self.mmr, self.maint_amount, self.max_leverage)


class PackageTable(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One symbol of liqmap's package layout."""

    symbol: str
    tiers: list[PackageTier]
    aliases: list[str] = []
    as_of: str = ""
    source: str = ""
    confirmed: bool = True
    unit: str = ""


class PackageFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A ``liqmap-brackets/1`` file: the tables of one venue."""

    format: Literal["liqmap-brackets/1"]
    venue: str
    tables: list[PackageTable]
    description: str = ""
