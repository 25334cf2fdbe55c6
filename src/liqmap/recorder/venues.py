"""Which venues have a public liquidation stream, and their adapters (from the venue specs).

A venue is recordable when its :class:`~liqmap.exchanges.spec.VenueSpec` has a ``stream``
factory; otherwise its ``no_stream_reason`` says why (Hyperliquid: no public stream; Binance
COIN-M: inverse contracts). The adapters live in ``liqmap.exchanges.<venue>.stream``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from liqmap.domain.enums import Venue
from liqmap.errors import ParameterError
from liqmap.exchanges.registry import spec_for, specs
from liqmap.exchanges.stream import StreamAdapter, canonical_symbol

__all__ = ["RECORDABLE", "build_adapter", "parse_symbols", "parse_venues", "recordable"]

RECORDABLE = tuple(s.venue for s in specs() if s.stream is not None)
"""The built-in venues with a public liquidation stream (a registered venue's spec says)."""


def recordable() -> tuple[Venue, ...]:
    """Every registered venue with a public liquidation stream."""
    return tuple(s.venue for s in specs() if s.stream is not None)


def parse_venues(text: str | Iterable[str]) -> tuple[Venue, ...]:
    """``'binance,bybit'`` -> venues with a public liquidation stream (unique, in order)."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    out: list[Venue] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        venue = Venue.parse(part)
        spec = spec_for(venue)
        if spec.stream is None:
            raise ParameterError(
                f"--exchange {venue.value}: cannot record liquidations: {spec.no_stream_reason}; "
                f"recordable: {', '.join(v.value for v in recordable())}"
            )
        if venue not in out:
            out.append(venue)
    if not out:
        names = ", ".join(v.value for v in recordable())
        raise ParameterError(f"--exchange: name at least one of {names}")
    return tuple(out)


def parse_symbols(text: str | Iterable[str]) -> tuple[str, ...]:
    """``'BTCUSDT,eth-usdt'`` -> ``('BTCUSDT', 'ETHUSDT')`` (unique, in order)."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    out = list(dict.fromkeys(canonical_symbol(p) for p in parts if p.strip()))
    if not out:
        raise ParameterError("--symbols: name at least one symbol, e.g. BTCUSDT")
    return tuple(out)


def build_adapter(
    venue: Venue, symbols: Iterable[str], okx_contract_values: Mapping[str, float] | None = None
) -> StreamAdapter:
    """The stream adapter of ``venue`` keeping ``symbols`` (canonical, e.g. BTCUSDT)."""
    spec = spec_for(venue)
    if spec.stream is None:
        raise ParameterError(
            f"cannot record liquidations from {venue.value}: {spec.no_stream_reason}"
        )
    return spec.stream(frozenset(symbols), dict(okx_contract_values or {}))
