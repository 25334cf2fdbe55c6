"""The JSON layout of a liquidation-price quote, shared by ``liqmap liqprice --json`` and the
web API's ``GET /liqprice`` (so the web needs no CLI code)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from liqmap.core.margin import LiquidationQuote
from liqmap.domain.enums import ContractKind, Venue
from liqmap.domain.margin import MarginTable
from liqmap.io.tables import table_kind, table_note

__all__ = ["margin_currency", "quote_to_dict"]


def margin_currency(venue: Venue, symbol: str) -> str:
    """The currency margins are held in: the coin for inverse contracts, else the venue's quote
    currency (USDC on Hyperliquid, USDT elsewhere)."""
    if venue.contract_kind is ContractKind.INVERSE:
        return symbol.upper().split("USD")[0] or "coin"
    return venue.quote


def quote_to_dict(
    quote: LiquidationQuote, table: MarginTable, path: Path | None = None
) -> dict[str, Any]:
    """The JSON object of ``liqmap liqprice --json`` and ``GET /liqprice`` (infinite values as
    ``null``); ``path`` is the bracket file the table came from, if any."""
    t = quote.tier
    return {
        "exchange": quote.venue.value,
        "symbol": table.symbol,
        "side": quote.side.value,
        "entry": quote.entry_price,
        "leverage": quote.leverage,
        "notional": quote.notional,
        "quantity": quote.quantity,
        "contracts": quote.contracts,
        "margin": quote.margin,
        "margin_currency": margin_currency(quote.venue, table.symbol),
        "maintenance_margin": quote.maintenance_margin,
        "taker_fee_rate": quote.taker_fee_rate,
        "liquidation_price": _finite(quote.liquidation_price),
        "distance_pct": _finite(quote.distance_pct),
        "bracket": t.tier,
        "maint_margin_ratio": t.maint_margin_ratio,
        "maint_amount": t.maint_amount,
        "max_leverage": t.max_leverage,
        "bracket_floor": t.notional_floor,
        "bracket_cap": _finite(t.notional_cap),
        "bracket_rule": "at the liquidation price"
        if quote.venue.margin.bracket_at_liquidation
        else "at entry",
        "entry_bracket": t.tier if quote.entry_tier is None else quote.entry_tier.tier,
        "table": {
            "kind": table_kind(table, path),
            "label": table_note(table, path),
            "symbol": table.symbol,
            "venue": table.venue,
            "as_of": table.as_of,
            "source": table.source,
            "file": None if path is None else str(path),
        },
    }


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None
