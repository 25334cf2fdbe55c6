"""Instrument names in files: base assets, the symbol a request names, the symbol in a file name.

Pure functions on text (no polars, no numpy), shared by the polars reader
(:mod:`liqmap.io.table`) and the numeric-CSV reader (:mod:`liqmap.io.numeric`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from liqmap.errors import ParameterError, UnknownSymbolError

__all__ = ["base_asset", "match_symbol", "one_instrument_symbol", "symbol_from_name"]

_QUOTES = ("USDT", "USDC", "FDUSD", "BUSD", "USD")
_FILE_SYMBOL = re.compile(r"(?<![A-Za-z0-9])([A-Z0-9]{2,20}?(?:USDT|USDC|BUSD|USD))(?![A-Za-z0-9])")


def base_asset(symbol: str) -> str:
    """``BTCUSDT``, ``BTC-USDT-SWAP``, ``btc`` -> ``BTC`` (separators and quote suffix removed)."""
    s = re.sub(r"[-_/:\s]", "", symbol.upper()).removesuffix("SWAP").removesuffix("PERP")
    for quote in _QUOTES:
        if len(s) > len(quote) and s.endswith(quote):
            return s[: -len(quote)]
    return s


def match_symbol(requested: str, present: Iterable[str], label: str) -> str:
    """The symbol among ``present`` that ``requested`` names: exactly, else by base asset."""
    names = sorted(set(present))
    want = requested.strip().upper()
    if want in names:
        return want
    hits = [s for s in names if base_asset(s) == base_asset(want)]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise ParameterError(
            f"{label}: symbol {requested!r} is ambiguous here: it matches {', '.join(hits)}; "
            "pass one of them exactly"
        )
    raise UnknownSymbolError(
        f"{label}: symbol {requested!r} is not in this file; it holds {', '.join(names)}"
    )


def symbol_from_name(label: str) -> str:
    """A symbol such as ``BTCUSDT`` spelled in upper case in a file name, else ""."""
    m = _FILE_SYMBOL.search(Path(label).name)
    return m.group(1) if m else ""


def one_instrument_symbol(label: str, symbol: str | None) -> str:
    """The label of a file without a symbol column: ``symbol`` (upper case), else the symbol
    spelled in the file name, else "". A ``symbol`` whose base asset differs from the file
    name's is refused (its margin brackets would be put on another coin's prices)."""
    named = symbol_from_name(label)
    if symbol and named and base_asset(named) != base_asset(symbol.strip().upper()):
        raise UnknownSymbolError(
            f"{label}: the file name says {named}, but the symbol asked for is "
            f"{symbol.strip().upper()}; liqmap would put {symbol.strip().upper()}'s margin "
            f"brackets on {named} prices. Pass the {symbol.strip().upper()} file, or ask for "
            f"{named}"
        )
    return symbol.strip().upper() if symbol else named
