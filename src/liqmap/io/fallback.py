"""The documented conservative stand-in table for symbols liqmap has no tiers for.

The rule (``docs/model.md`` section 1.9): on Bybit, OKX, Hyperliquid and COIN-M, a coin Binance
USD-M lists takes **its Binance ladder** (the snapshot in force at the map's time); any other
symbol takes the most common Binance USD-M ladder among the latest snapshot's perpetuals with the
requested maximum leverage (default: the most common maximum leverage) -- see
:func:`liqmap.io.bracket_snapshots.fallback_ladder`. The ladder is applied with the venue's own
maintenance rule:

* Binance USD-M and Bybit: the ladder as is (both deduct ``amount_k = amount_{k-1} + floor_k x
  (mmr_k - mmr_{k-1})``).
* OKX: the ladder's rates with no deduction (OKX applies the tier's rate to the whole position,
  which asks for more margin: the conservative side).
* Hyperliquid: one tier at ``mmr = 1 / (2 x max leverage)`` (Hyperliquid's maintenance margin is
  half the initial margin at maximum leverage), max leverage 10x unless given.
* Binance COIN-M: one unbounded tier (bounds are in coin, which no USD ladder gives) at the
  ladder's **highest** rate below 10% -- conservative for all but the largest positions.

Every fallback table says ``FALLBACK`` in its ``source`` and :func:`fallback_table` warns with
:class:`~liqmap.errors.FallbackTableWarning`, naming ``--brackets`` and ``liqmap tiers sync``.
"""

from __future__ import annotations

import math
import warnings
from typing import assert_never

from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable, MarginTier
from liqmap.domain.venue import MarginFormula
from liqmap.errors import FallbackTableWarning
from liqmap.io.bracket_snapshots import fallback_ladder, snapshot_dates, snapshot_table

__all__ = ["FALLBACK_TAG", "HYPERLIQUID_FALLBACK_LEVERAGE", "fallback_table", "is_fallback"]

FALLBACK_TAG = "FALLBACK"
HYPERLIQUID_FALLBACK_LEVERAGE = 10.0


def is_fallback(table: MarginTable | None) -> bool:
    """True for tables made by :func:`fallback_table`."""
    return table is not None and table.source.startswith(FALLBACK_TAG)


def fallback_table(
    venue: Venue, symbol: str, *, max_leverage: float | None = None,
    as_of_ms: int | None = None, warn: bool = True,
) -> MarginTable:  # fmt: skip
    """The conservative stand-in table for ``symbol`` on ``venue`` (see the module docstring)."""
    # the snapshots' own venue has no 'same coin elsewhere': its symbols have real tables
    same = None if venue.bracket_snapshots else snapshot_table(symbol, as_of_ms)
    if same is not None:
        rows, as_of = list(same.tiers), same.as_of
        what = f"Binance USD-M's {same.symbol} ladder (snapshot {same.as_of})"
    else:
        ladder, lev, shared = fallback_ladder(max_leverage)
        as_of = snapshot_dates()[-1]
        rows = [MarginTier(k, *map(float, t)) for k, t in enumerate(ladder, start=1)]
        what = (
            f"the most common Binance USD-M ladder at {lev:g}x max leverage ({shared} "
            f"perpetuals share it, snapshot {as_of})"
        )
    how = (
        f"{FALLBACK_TAG}: liqmap has no tiers for {symbol} on {venue.value}; using {what} with "
        f"{venue.value}'s maintenance rule (docs/model.md section 1.9). Pass the real tiers with "
        f"--brackets FILE or fetch them with `liqmap tiers sync --exchange {venue.value} "
        f"--symbol {symbol}`"
    )
    if warn:
        warnings.warn(how, FallbackTableWarning, stacklevel=2)
    return MarginTable(
        symbol, venue.value, _tiers(venue, rows, max_leverage), as_of=as_of, source=how
    )


def _tiers(venue: Venue, rows: list[MarginTier], lev: float | None) -> tuple[MarginTier, ...]:
    """The Binance ladder adapted to the venue's maintenance rule (its margin formula)."""
    formula = venue.margin.formula
    match formula:
        case MarginFormula.BINANCE_USDM | MarginFormula.BYBIT_LINEAR:
            return tuple(rows)
        case MarginFormula.OKX_LINEAR:
            return tuple(
                MarginTier(t.tier, t.notional_floor, t.notional_cap, t.maint_margin_ratio, 0.0,
                           t.max_leverage)
                for t in rows
            )  # fmt: skip
        case MarginFormula.HYPERLIQUID:
            hl = lev or HYPERLIQUID_FALLBACK_LEVERAGE
            return (MarginTier(1, 0.0, math.inf, 1.0 / (2.0 * hl), 0.0, hl),)
        case MarginFormula.BINANCE_COINM:
            rate = max(t.maint_margin_ratio for t in rows if t.maint_margin_ratio < 0.1)
            top = max(t.max_leverage for t in rows)
            return (MarginTier(1, 0.0, math.inf, rate, 0.0, top),)
        case _:
            assert_never(formula)
