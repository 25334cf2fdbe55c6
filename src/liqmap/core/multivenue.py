"""Multi-venue maps: each venue estimated with its own margin rules and data, combined in USD.

Every venue's map is built on one shared price grid (centred on the first venue's price, wide
enough for every venue's levels) and as of one shared time (the earliest last bar among the
venues, so no venue is extrapolated), then summed bin by bin. The combined map keeps the
per-venue USD per bin (``long_usd_by_venue``), so charts and JSON can show the breakdown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from liqmap.core.estimator import Grid, auto_range_pct, select_window, tier_spans
from liqmap.core.maps import DEFAULT_BINS, estimate_map, summarise
from liqmap.core.results import Coverage, LiquidationMap
from liqmap.domain.enums import ContractKind, Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.errors import ParameterError
from liqmap.model_config import DEFAULT_PARAMS, EstimatorParams

__all__ = ["VenueInput", "combine_maps", "estimate_multi_venue", "venue_params"]


@dataclass(frozen=True, slots=True)
class VenueInput:
    """One venue's data and margin table."""

    venue: Venue
    candles: Candles
    table: MarginTable | None
    oi: OpenInterest | None = None
    liquidations: LiquidationEvents | None = None


def estimate_multi_venue(
    inputs: Sequence[VenueInput],
    *,
    window_ms: int,
    params: EstimatorParams | None = None,
    as_of_ms: int | None = None,
    bins: int = DEFAULT_BINS,
    range_pct: float | None = None,
    window_label: str = "",
) -> LiquidationMap:
    """Estimate each venue's map on a shared grid and combine them (see the module docstring)."""
    if not inputs:
        raise ParameterError("--exchange: give at least one venue")
    names = [x.venue.value for x in inputs]
    if len(set(names)) != len(names):
        raise ParameterError(f"--exchange: a venue is listed twice in {','.join(names)}")
    p = params or DEFAULT_PARAMS
    at = as_of_ms if as_of_ms is not None else _common_as_of(inputs)
    ref = select_window(inputs[0].candles, at, window_ms)
    price = float(ref.candles.close[-1])
    half = range_pct
    if half is None:
        half = max(_venue_range(x, p, price, at, window_ms) for x in inputs)
    grid = Grid.around(price, half, bins)
    maps = []
    for x in inputs:
        vp, note = venue_params(p, x.venue, x.table, price)
        m = estimate_map(
            x.candles, window_ms=window_ms, venue=x.venue, table=x.table, oi=x.oi,
            liquidations=x.liquidations, params=vp, as_of_ms=at, grid=grid,
            window_label=window_label,
        )  # fmt: skip
        maps.append(replace(m, notes=m.notes + note, params=p))
    return combine_maps(maps)


def venue_params(
    p: EstimatorParams, venue: Venue, table: MarginTable | None, price: float
) -> tuple[EstimatorParams, tuple[str, ...]]:
    """The mix with the tiers a venue does not allow set to weight 0 (the others rescaled).

    Tiers are shared across venues so the maps add up; a venue whose maximum leverage for the
    representative position is below a tier simply has no positions there.
    """
    if table is None:
        return p, ()
    size = (
        p.position_notional_usd / price
        if venue.contract_kind is ContractKind.INVERSE
        else p.position_notional_usd
    )
    cap = table.tier_for(size).max_leverage
    allowed = [lev <= cap for lev in p.leverages]
    if all(allowed):
        return p, ()
    kept = sum(w for w, ok in zip(p.weights, allowed, strict=True) if ok)
    if kept <= 0:
        raise ParameterError(
            f"{venue.value} allows at most {cap:g}x for {table.symbol}; every tier of the mix is "
            "above it: add lower tiers with --leverage"
        )
    weights = tuple(w / kept if ok else 0.0 for w, ok in zip(p.weights, allowed, strict=True))
    dropped = ", ".join(f"{lev:g}x" for lev, ok in zip(p.leverages, allowed, strict=True) if not ok)
    note = (f"{venue.value} allows at most {cap:g}x on {table.symbol}: tier(s) {dropped} hold nothing "
            "there; the other tiers' weights were rescaled",)  # fmt: skip
    return replace(p, weights=weights), note


def _common_as_of(inputs: Sequence[VenueInput]) -> int:
    ends = [int(x.candles.ts_ms[-1]) + x.candles.interval_ms for x in inputs if len(x.candles)]
    if len(ends) != len(inputs):
        empty = [x.venue.value for x in inputs if not len(x.candles)]
        raise ParameterError(f"no bars for venue(s) {', '.join(empty)}")
    return min(ends)


def _venue_range(x: VenueInput, p: EstimatorParams, price: float, at: int, window_ms: int) -> float:
    w = select_window(x.candles, at, window_ms).candles
    vp, _ = venue_params(p, x.venue, x.table, price)
    f_long, f_short = tier_spans(x.venue, vp, x.table, float(w.close[-1]))
    used = np.asarray(vp.weights) > 0
    f_long, f_short = f_long[used], f_short[used]
    return auto_range_pct(
        f_long, f_short, price=price, low=float(w.low.min()), high=float(w.high.max())
    )


def combine_maps(maps: Sequence[LiquidationMap]) -> LiquidationMap:
    """Sum maps of several venues that share one grid, tiers and as-of time.

    The first map gives the price; clusters and the reading are recomputed on the sum; each
    venue's notes are kept, prefixed with its name.
    """
    first = maps[0]
    for m in maps[1:]:
        if not np.array_equal(m.edges, first.edges) or m.leverages != first.leverages:
            raise ParameterError("venue maps must share the price grid and leverage tiers")
        if m.as_of_ms != first.as_of_ms:
            raise ParameterError("venue maps must share the as-of time")
    long_usd = np.sum([m.long_usd for m in maps], axis=0)
    short_usd = np.sum([m.short_usd for m in maps], axis=0)
    coverage = _combined_coverage([m.coverage for m in maps])
    clusters, reading = summarise(
        first.edges, long_usd, short_usd, first.price, coverage=coverage,
        leverages=first.leverages, symbol=first.symbol,
    )  # fmt: skip
    venues = tuple(m.exchange for m in maps)
    return replace(
        first,
        exchange="+".join(venues),
        long_usd=long_usd,
        short_usd=short_usd,
        coverage=coverage,
        out_of_range_long_usd=sum(m.out_of_range_long_usd for m in maps),
        out_of_range_short_usd=sum(m.out_of_range_short_usd for m in maps),
        clusters=clusters,
        reading=reading,
        notes=tuple(f"{m.exchange}: {n}" for m in maps for n in m.notes),
        venues=venues,
        long_usd_by_venue=np.array([m.long_total for m in maps]),
        short_usd_by_venue=np.array([m.short_total for m in maps]),
    )


def _combined_coverage(covs: Sequence[Coverage]) -> Coverage:
    sources = {c.oi_source for c in covs}
    return Coverage(
        bars=sum(c.bars for c in covs),
        expected_bars=sum(c.expected_bars for c in covs),
        gaps=tuple(g for c in covs for g in c.gaps),
        oi_source=sources.pop() if len(sources) == 1 else "mixed",
        taker_flow=any(c.taker_flow for c in covs),
        liquidation_events=sum(c.liquidation_events for c in covs),
    )
