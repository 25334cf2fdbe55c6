""" "USD that would be liquidated if price went there": a map's levels plus its fresh positions.

:meth:`LiquidationMap.usd_if` and :meth:`LiquidationMap.usd_if_band` delegate here (docs/model.md
2.17): the levels the map holds between the price and the move's extreme
(:meth:`LiquidationMap.usd_between`) plus the positions opened and liquidated along the way
(:func:`liqmap.core.fresh.fresh_usd`, scaled by ``params.fresh_share``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from liqmap.core.bands import band_factors
from liqmap.core.fresh import fresh_usd

if TYPE_CHECKING:
    from liqmap.core.results import LiquidationMap

__all__ = ["HOUR_MS", "fresh_part", "usd_if", "usd_if_band"]

HOUR_MS = 3_600_000
_SIDES = {"long": ("long",), "short": ("short",), "both": ("long", "short")}


def _check(low: float, high: float, side: str) -> tuple[str, ...]:
    if side not in _SIDES:
        raise ValueError(f"usd_if: side must be 'long', 'short' or 'both', got {side!r}")
    if not low <= high:
        raise ValueError(f"usd_if: low must be <= high, got low={low!r}, high={high!r}")
    return _SIDES[side]


def fresh_part(m: LiquidationMap, low: float, high: float, side: str, horizon_ms: float) -> float:
    """USD of the fresh positions alone (0 when the map carries no :class:`FreshFlow`)."""
    sides = _check(low, high, side)
    if m.fresh is None:
        return 0.0
    p = m.params
    lo, hi = min(low, m.price), max(high, m.price)
    return sum(
        fresh_usd(m.fresh, p.weights, p.half_life_hours, lo, hi, s, horizon_ms, p.fresh_share)
        for s in sides
    )


def usd_if(
    m: LiquidationMap, low: float, high: float, side: str = "both", horizon_ms: float = HOUR_MS
) -> float:
    """Levels crossed by a move over ``[low, high]`` plus its fresh positions (see the method)."""
    sides = _check(low, high, side)
    lo, hi = min(low, m.price), max(high, m.price)
    levels = sum(
        m.usd_between(lo, m.price, "long") if s == "long" else m.usd_between(m.price, hi, "short")
        for s in sides
    )
    return levels + fresh_part(m, low, high, side, horizon_ms)


def usd_if_band(
    m: LiquidationMap, low: float, high: float, side: str = "both", horizon_ms: float = HOUR_MS
) -> tuple[float, float] | None:
    """``(p10, p90)`` of :func:`usd_if`: the per-bin bands over the crossed levels plus the fresh
    part times the bands' factors (None when the map has no bands)."""
    sides = _check(low, high, side)
    lo, hi = min(low, m.price), max(high, m.price)
    p10 = p90 = 0.0
    for s in sides:
        band = (
            m.usd_between_band(lo, m.price, s)
            if s == "long"
            else m.usd_between_band(m.price, hi, s)
        )
        if band is None:
            return None
        p10, p90 = p10 + band[0], p90 + band[1]
    f10, f90 = band_factors(m.params)
    fresh = fresh_part(m, low, high, side, horizon_ms)
    return p10 + fresh * f10, p90 + fresh * f90
