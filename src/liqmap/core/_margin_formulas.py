"""Per-venue isolated-margin liquidation formulas (private; use :mod:`liqmap.core.margin`).

Every function takes a :class:`Position` (validated by the facade) and the tier's numbers:

``s``
    side sign, +1 long, -1 short.
``entry``
    entry price (quote currency per coin).
``notional``
    position value at entry in the quote currency (USDT, USDC or, for inverse contracts, USD).
``margin``
    isolated margin in the margin currency (quote currency for linear contracts, coin for
    inverse contracts).
``mmr``, ``amount``
    the tier's maintenance margin rate and maintenance amount (``cum`` on Binance,
    ``mmDeduction`` on Bybit, ``maintenance_deduction`` on Hyperliquid, 0 on OKX).

Each formula is derived in ``docs/model.md`` section 1 and cites the exchange document it
reproduces. A long whose margin covers the whole notional can never be liquidated: its formula
gives a price <= 0, returned as ``0.0``. An inverse short whose margin plus maintenance amount
covers its coin value can never be liquidated either: returned as ``inf``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "Position",
    "binance_coinm",
    "binance_coinm_maintenance",
    "binance_usdm",
    "bybit_linear",
    "hyperliquid",
    "linear_maintenance",
    "okx_linear",
]


@dataclass(frozen=True, slots=True)
class Position:
    """An isolated position as the formulas see it (see the module docstring for units)."""

    s: int
    entry: float
    notional: float
    margin: float

    @property
    def qty(self) -> float:
        """Size in coin at entry."""
        return self.notional / self.entry


def linear_maintenance(notional: float, mmr: float, amount: float, fee_rate: float = 0.0) -> float:
    """Maintenance requirement of a linear position valued at ``notional``.

    ``notional * (mmr + fee_rate) - amount``; ``fee_rate`` is non-zero only on OKX, whose
    liquidation condition adds the taker fee to close the position.
    """
    return notional * (mmr + fee_rate) - amount


def binance_usdm(p: Position, mmr: float, cum: float) -> float:
    """Binance USD-M isolated liquidation price (one-way mode).

    ``LP = (WB + cumB - side * Position * EP) / (Position * MMR - side * Position)``, with
    ``WB`` the isolated wallet balance, ``TMM1 = UPNL1 = 0`` in isolated mode, and ``Position``
    the absolute size in coin. Solves ``WB + side * Position * (P - EP) = Position * P * MMR - cum``:
    equity equals maintenance margin valued at the mark price ``P``.

    Source: https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93
    ("How to Calculate Liquidation Price of USDⓈ-M Futures Contracts").
    """
    s, qty = p.s, p.qty
    lp = (p.margin + cum - s * qty * p.entry) / (qty * mmr - s * qty)
    return max(lp, 0.0)


def binance_coinm(p: Position, mmr: float, cum: float) -> float:
    """Binance COIN-M isolated liquidation price (inverse contracts, one-way mode).

    With ``N = contracts * contract_size`` (USD), margin ``WB`` and ``cum`` in coin:
    ``LP = N * (MMR + side) / (WB + cumB + side * N / EP)``, which solves
    ``WB + side * N * (1/EP - 1/P) = (N / P) * MMR - cum``.

    Source: https://www.binance.com/en/support/faq/ceccfcfb4e3a45e3b48b0b1bb1a8ae46
    ("How to Calculate Liquidation Price of COIN-M Futures Contracts").
    """
    den = p.margin + cum + p.s * p.notional / p.entry
    if p.s < 0 and den >= 0.0:  # a short whose margin + cum covers its coin value: never
        return math.inf
    return p.notional * (mmr + p.s) / den


def binance_coinm_maintenance(notional: float, entry: float, mmr: float, cum: float) -> float:
    """COIN-M maintenance margin (coin) at mark price ``entry``: ``(N / P) * MMR - cum``."""
    return notional / entry * mmr - cum


def bybit_linear(p: Position, mmr: float, deduction: float) -> float:
    """Bybit USDT perpetual isolated liquidation price.

    ``LP(long) = EP - (IM - MM) / size - extra / size`` and
    ``LP(short) = EP + (IM - MM) / size + extra / size``, where ``IM + extra`` is the position
    margin, ``PV = size * EP`` and ``MM = PV * MMR - mmDeduction`` is valued **at the entry
    price** (unlike Binance, which values it at the mark price).

    The current Unified Trading Account page adds the estimated fee to close to both IM and MM;
    the two cancel in ``IM - MM``, so liqmap leaves the fee out (see ``docs/model.md``).

    Sources: https://www.bybit.com/en/help-center/article/Liquidation-Price-Calculation-under-Isolated-Mode-Unified-Trading-Account
    and https://www.bybit.com/en/help-center/article/Liquidation-Price-USDT-Contract
    """
    mm = linear_maintenance(p.notional, mmr, deduction)
    lp = p.entry - p.s * (p.margin - mm) / p.qty
    return max(lp, 0.0)


def okx_linear(p: Position, mmr: float, amount: float, fee_rate: float) -> float:
    """OKX USDT-margined swap isolated liquidation price.

    OKX liquidates when the margin ratio ``equity / (maintenance margin + liquidation fee)``
    reaches 100%, with ``MM = size * P * MMR`` and the fee ``size * P * taker fee rate``, both at
    the mark price ``P``. Solving ``M + side * size * (P - EP) = size * P * (MMR + fee)``:
    ``LP = (EP - side * M / size) / (1 - side * (MMR + fee))``, i.e. the published
    ``(EP -/+ M / size) / (1 -/+ (MMR + fee))``. ``amount`` (0 on OKX) is subtracted from the
    requirement for tables that carry one.

    Sources: https://www.okx.com/help/v-tiered-maintenance-margin-ratio-rules and
    https://www.okx.com/help/vi-introduction-to-the-isolated-mode-of-single-multi-currency-portfolio-margin
    """
    s, qty = p.s, p.qty
    lp = (p.margin + amount - s * qty * p.entry) / (qty * (mmr + fee_rate - s))
    return max(lp, 0.0)


def hyperliquid(p: Position, mmr: float, deduction: float) -> float:
    """Hyperliquid isolated liquidation price.

    ``liq_price = price - side * margin_available / position_size / (1 - l * side)`` with
    ``l = 1 / MAINTENANCE_LEVERAGE`` (the tier's maintenance margin rate, half the initial
    margin rate at the tier's max leverage) and ``margin_available = isolated_margin -
    maintenance_margin_required`` at the entry price. With tiers, ``maintenance_margin =
    notional * rate - maintenance_deduction``.

    Sources: https://hyperliquid.gitbook.io/hyperliquid-docs/trading/liquidations and
    https://hyperliquid.gitbook.io/hyperliquid-docs/trading/margin-tiers
    """
    available = p.margin - linear_maintenance(p.notional, mmr, deduction)
    lp = p.entry - p.s * available / p.qty / (1.0 - mmr * p.s)
    return max(lp, 0.0)
