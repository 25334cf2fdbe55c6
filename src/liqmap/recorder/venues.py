"""Which venues have a public liquidation stream, and their adapters.

==============  ==========================================  =================================
venue           stream                                      adapter
==============  ==========================================  =================================
binance         ``!forceOrder@arr`` (USD-M, all symbols)    exchanges.binance.stream
bybit           ``allLiquidation.{symbol}`` (linear)        exchanges.bybit.stream
okx             ``liquidation-orders``, instType SWAP       exchanges.okx.stream
hyperliquid     none public (see docs/recorder.md)          --
binance-coinm   not recorded (inverse contracts)            --
==============  ==========================================  =================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from liqmap.domain.enums import Venue
from liqmap.errors import ParameterError
from liqmap.recorder.adapter import StreamAdapter, canonical_symbol

__all__ = ["RECORDABLE", "build_adapter", "parse_symbols", "parse_venues"]

RECORDABLE = (Venue.BINANCE, Venue.BYBIT, Venue.OKX)
_WHY_NOT = {
    Venue.HYPERLIQUID: (
        "Hyperliquid has no public liquidation stream: its WebSocket API serves liquidations "
        "only per account (userEvents/userFills for a given address) and its public 'trades' "
        "carry no liquidation flag (docs/recorder.md)"
    ),
    Venue.BINANCE_COINM: "the recorder normalises linear (USDT/USDC) contracts only",
}


def parse_venues(text: str | Iterable[str]) -> tuple[Venue, ...]:
    """``'binance,bybit'`` -> venues with a public liquidation stream (unique, in order)."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    out: list[Venue] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        venue = Venue.parse(part)
        if venue not in RECORDABLE:
            raise ParameterError(
                f"--exchange {venue.value}: cannot record liquidations: {_WHY_NOT[venue]}; "
                f"recordable: {', '.join(v.value for v in RECORDABLE)}"
            )
        if venue not in out:
            out.append(venue)
    if not out:
        raise ParameterError("--exchange: name at least one of binance, bybit, okx")
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
    wanted = frozenset(symbols)
    if venue is Venue.BINANCE:
        from liqmap.exchanges.binance.stream import BinanceLiquidationStream

        return BinanceLiquidationStream(wanted)
    if venue is Venue.BYBIT:
        from liqmap.exchanges.bybit.stream import BybitLiquidationStream

        return BybitLiquidationStream(wanted)
    if venue is Venue.OKX:
        from liqmap.exchanges.okx.stream import OkxLiquidationStream

        return OkxLiquidationStream(wanted, dict(okx_contract_values or {}))
    raise ParameterError(f"cannot record liquidations from {venue.value}: {_WHY_NOT[venue]}")
