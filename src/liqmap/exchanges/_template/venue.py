"""The template venue's identity and pure facts (importable without I/O, like ``core`` needs).

Cite the venue's margin document next to the formula choice.
"""

from __future__ import annotations

from liqmap.domain.venue import ContractKind, MarginFormula, MarginRules, Venue

__all__ = ["VENUE"]

VENUE = Venue.define(
    "template",
    label="Template",
    contract_kind=ContractKind.LINEAR,
    quote="USDT",
    # pick the exact formula the venue documents (a new one goes in core/_margin_formulas.py)
    margin=MarginRules(MarginFormula.BYBIT_LINEAR, bracket_at_liquidation=False),
    rest_url="https://api.template.example",
    ws_url="wss://stream.template.example",
    aliases=("template-usdt",),
)
