"""Chart text shared by the PNG and HTML renderers: ``$12.5M`` amounts, prices, UTC times, titles.

Examples
--------
>>> format_usd(12_500_000)
'$12.5M'
>>> format_usd(999_700)
'$1.0M'
>>> format_price(60123.456)
'60,123'
"""

from __future__ import annotations

import math
import re
from typing import Literal

import numpy as np

from liqmap.core.formatting import format_pct, format_time, format_usd
from liqmap.core.formatting import format_price as _format_price
from liqmap.core.reading import evidence_caveat
from liqmap.core.results import Coverage, LiquidationHeatmap, LiquidationMap, tier_label
from liqmap.domain.venue import Venue
from liqmap.errors import UnknownExchangeError

__all__ = [
    "TRUTH_NOTE",
    "MapKind",
    "bin_width_text",
    "coverage_text",
    "exchange_name",
    "format_pct",
    "format_price",
    "format_usd",
    "heatmap_subtitle",
    "heatmap_title",
    "leverage_mix_text",
    "map_caveat",
    "map_footer",
    "map_subtitle",
    "map_title",
    "map_totals",
    "price_decimals",
    "tiers_text",
    "utc_text",
]

_SOURCES = {"demo": "Demo", "sim": "Sim"}  # sources that are not venues


def price_decimals(price: float, step: float | None = None) -> int:
    """Decimals that show ``price`` to about five significant digits and resolve ``step``."""
    p = abs(price)
    dec = 0 if p == 0 or not math.isfinite(p) else max(0, 4 - math.floor(math.log10(p)))
    if step is not None and step > 0 and math.isfinite(step):
        dec = max(dec, -math.floor(math.log10(step)) if step < 1 else 0)
    return min(dec, 10)


def format_price(price: float, decimals: int | None = None) -> str:
    """Prices as everywhere in liqmap (:func:`liqmap.core.formatting.format_price`), or with a fixed
    number of ``decimals`` so that neighbouring labels (bin edges, ticks) line up."""
    return _format_price(price) if decimals is None else f"{price:,.{decimals}f}"


def utc_text(ts_ms: int) -> str:
    """``'2026-02-05 12:00 UTC'``, in the display zone (``liqmap.core.formatting.display_zone``)."""
    return format_time(ts_ms)


def exchange_name(exchange: str) -> str:
    """Display name of an exchange id (``okx -> OKX``: the venue's ``label``); unknown ids are
    shown as given."""
    try:
        return Venue.parse(exchange).label
    except UnknownExchangeError:
        return _SOURCES.get(exchange.lower(), exchange)


def bin_width_text(edges: np.ndarray, ref_price: float) -> str:
    """``'bin width 30'`` (uniform edges), ``'bin width 0.05%'`` (log-uniform), else a range."""
    w = np.diff(edges)
    if len(w) == 0:
        return "no bins"
    if np.allclose(w, w[0], rtol=1e-6):
        return f"bin width {format_price(float(w[0]), price_decimals(ref_price, float(w[0])))}"
    ratio = edges[1:] / edges[:-1]
    if np.all(edges > 0) and np.allclose(ratio, ratio[0], rtol=1e-6):
        return f"bin width {(float(ratio[0]) - 1.0) * 100:.3g}%"
    return f"bin width {format_price(float(w.min()))}-{format_price(float(w.max()))}"


def coverage_text(cov: Coverage, *, events: bool = True) -> str:
    """``'coverage 98.2% (9,900/10,080 bars, 2 gaps) · OI: level · taker flow'``."""
    gaps = len(cov.gaps)
    parts = [
        f"coverage {cov.fraction * 100:.1f}% ({cov.bars:,}/{cov.expected_bars:,} bars, "
        f"{gaps} gap{'' if gaps == 1 else 's'})",
        f"OI: {cov.oi_source}",
    ]
    if cov.taker_flow:
        parts.append("taker flow")
    if events and cov.liquidation_events:
        parts.append(f"{cov.liquidation_events:,} liquidation events")
    return " · ".join(parts)


def leverage_mix_text(leverages: tuple[float, ...], weights: tuple[float, ...]) -> str:
    """``'5x 10% · 10x 30% · 25x 30%'``."""
    if len(weights) != len(leverages):
        return " · ".join(tier_label(lv) for lv in leverages)
    return " · ".join(
        f"{tier_label(lv)} {w * 100:.0f}%" for lv, w in zip(leverages, weights, strict=True)
    )


MapKind = Literal["estimate", "truth"]
"""What a map shows: the model's ``estimate`` or the simulator's ``truth`` (demo only)."""

TRUTH_NOTE = "Simulator truth: every open position at its exact liquidation price (demo only)"


def map_title(m: LiquidationMap, kind: MapKind = "estimate") -> str:
    """``'BTCUSDT · Binance — Liquidation Map (7d) · as of 2026-02-05 12:00 UTC'``; the truth
    reads ``'BTCUSDT · simulated market — TRUE Liquidation Map · as of ...'``."""
    if kind == "truth":
        return (
            f"{m.symbol} · simulated market — TRUE Liquidation Map · as of {utc_text(m.as_of_ms)}"
        )
    window = f" ({m.window_label})" if m.window_label else ""
    return (
        f"{m.symbol} · {exchange_name(m.exchange)} — Liquidation Map{window}"
        f" · as of {utc_text(m.as_of_ms)}"
    )


def map_totals(m: LiquidationMap) -> str:
    """``'Longs $8.1M · Shorts $8.8M (+$1.2M beyond the chart)'``."""
    totals = f"Longs {format_usd(m.total_long_usd)} · Shorts {format_usd(m.total_short_usd)}"
    beyond = m.out_of_range_long_usd + m.out_of_range_short_usd
    if beyond >= 1.0:  # below a dollar is rounding, not levels off the chart
        totals += f" (+{format_usd(beyond)} beyond the chart)"
    return totals


def map_subtitle(m: LiquidationMap, kind: MapKind = "estimate") -> str:
    """Totals, then the coverage of the input (the truth has no input to cover)."""
    if kind == "truth":
        return f"{map_totals(m)}   |   {TRUTH_NOTE}"
    tiers = tiers_text(m.notes)
    return f"{map_totals(m)}   |   {coverage_text(m.coverage)}" + (
        f"   |   {tiers}" if tiers else ""
    )


def map_caveat(m: LiquidationMap, kind: MapKind = "estimate") -> str:
    """What the map could not see (no OI / no taker flow), drawn on the chart; ``''`` if none."""
    return "" if kind == "truth" else evidence_caveat(m.coverage)


def map_footer(m: LiquidationMap, kind: MapKind = "estimate") -> str:
    """Provenance, leverage mix and bin width."""
    if kind == "truth":
        return (
            f"True map of the liquidation simulator, not an estimate · "
            f"{bin_width_text(m.edges, m.price)}"
        )
    return (
        f"Model estimate by liqmap, not exchange position data · leverage mix "
        f"{leverage_mix_text(m.params.leverages, m.params.weights)} · "
        f"{bin_width_text(m.edges, m.price)}"
    )


_TABLE_NOTE = re.compile(r"^margin table: (\S+) (\S+) \((\S+) ([^)]*)\)")


def tiers_text(notes: tuple[str, ...]) -> str:
    """The margin table the map used, from its ``margin table: ...`` note(s): ``'tiers: binance
    snapshot 2026-03-05'``; ``'FALLBACK tiers ...'`` (upper case) when no table was known."""
    parts = []
    for n in notes:
        hit = _TABLE_NOTE.match(n)
        if hit is None:
            continue
        _, venue, kind, as_of = hit.groups()
        if kind == "FALLBACK":
            parts.append(f"FALLBACK tiers for {venue} (no table known; see notes)")
        else:
            parts.append(f"tiers: {venue} {kind} {as_of}")
    return "; ".join(parts)


def heatmap_title(h: LiquidationHeatmap) -> str:
    """``'BTCUSDT · Binance — Liquidation Heatmap (7d) · 2026-01-29 12:00 → 2026-02-05 12:00 UTC'``."""
    window = f" ({h.window_label})" if h.window_label else ""
    span = ""
    if len(h.ts_ms):
        start = format_time(int(h.ts_ms[0]), label=False)
        span = f" · {start} → {utc_text(int(h.ts_ms[-1]))}"
    return f"{h.symbol} · {exchange_name(h.exchange)} — Liquidation Heatmap{window}{span}"


def heatmap_subtitle(h: LiquidationHeatmap, vmax: float, scale: str = "") -> str:
    """Colour scale (and its ``scale`` choice), observed events and coverage."""
    how = f", {scale}" if scale else ""
    parts = [f"colour: liquidation USD per bin{how}, saturating at {format_usd(vmax)}"]
    n_ev = len(h.events_usd)
    if n_ev:
        parts.append(f"{n_ev:,} observed liquidations ({format_usd(float(h.events_usd.sum()))})")
    parts.append(coverage_text(h.coverage, events=False))
    tiers = tiers_text(h.notes)
    if tiers:
        parts.append(tiers)
    return "   |   ".join(parts)
