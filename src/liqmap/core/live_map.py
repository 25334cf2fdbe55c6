"""A liquidation map kept up to date bar by bar (for recorders, dashboards and streams).

:class:`LiveMap` holds the kernel state on a price grid centred on the price. ``update`` advances it
by one closed bar with exactly the batch estimator's rules (same per-bar preparation, same kernel),
so a live map fed bar by bar equals the batch map of the same bars. When price drifts more than a
quarter of the grid's half-width from its centre, the grid is shifted by whole bins and the levels
that fall off the grid are counted as out of range (reported, not silently dropped).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from liqmap._aot import load
from liqmap.core.estimator import (
    Grid,
    KernelState,
    auto_range_pct,
    run_kernel,
    span_columns,
    tier_spans,
)
from liqmap.core.fresh import FreshFlow, span_distances
from liqmap.core.live_bar import prepare_live_bar
from liqmap.core.maps import summarise
from liqmap.core.results import Coverage, LiquidationMap
from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.errors import ParameterError
from liqmap.model_config import DEFAULT_PARAMS, EstimatorParams

if TYPE_CHECKING:
    from liqmap.core import _kernel as kern
else:
    kern = load("liqmap.core._kernel")  # compiled ahead of time when built, else numba

__all__ = ["LiveMap"]


class LiveMap:
    """Incrementally updated liquidation map.

    Parameters
    ----------
    symbol, interval_ms
        What the bars are.
    price
        Initial price (centre of the grid).
    venue, table, params
        Margin rules and estimator parameters, as for :func:`liqmap.core.maps.estimate_map`.
    bins, range_pct
        Grid resolution and half-width in percent (default: fits every tier).
    """

    def __init__(
        self,
        symbol: str,
        *,
        interval_ms: int,
        price: float,
        venue: Venue = Venue.BINANCE,
        table: MarginTable | None = None,
        params: EstimatorParams | None = None,
        bins: int = 400,
        range_pct: float | None = None,
    ) -> None:
        self.symbol = symbol
        self.interval_ms = interval_ms
        self.venue = venue
        self.params = params or DEFAULT_PARAMS
        self.f_long, self.f_short = tier_spans(venue, self.params, table, price)
        self._spans = span_columns(self.f_long, self.f_short)  # once, not per bar
        self.half_pct = (
            auto_range_pct(self.f_long, self.f_short) if range_pct is None else range_pct
        )
        self.state = KernelState(
            Grid.around(price, self.half_pct, bins), len(self.params.leverages)
        )
        self.price = price
        self.start_ms: int | None = None
        self.last_ts_ms: int | None = None
        self.bars = 0
        self.shifted_out_usd = np.zeros(2)  # (long, short) USD shifted off the grid
        self._oi_level: float = math.nan
        self._volume_ema: float = math.nan

    def update(
        self,
        ts_ms: int,
        open_: float,
        high: float,
        low: float,
        close: float,
        volume: float = math.nan,
        taker_buy_volume: float = math.nan,
        *,
        oi_usd: float = math.nan,
    ) -> None:
        """Advance by one closed bar that opened at ``ts_ms``; ``oi_usd`` is the OI at its close."""
        if self.last_ts_ms is not None and ts_ms <= self.last_ts_ms:
            raise ParameterError(
                f"bars must arrive in time order: got {ts_ms} after {self.last_ts_ms}"
            )
        if not (0 < low <= high) or not (low <= close <= high):
            raise ParameterError(f"bad bar at {ts_ms}: low={low} high={high} close={close}")
        self._recentre(close)
        gap = self.interval_ms if self.last_ts_ms is None else ts_ms - self.last_ts_ms
        oi_open = self._oi_level if math.isfinite(oi_usd) else math.nan
        self._oi_level = oi_usd
        # the kernel reads dt from ts gaps; a one-bar call gets dt = interval, so pass the real gap
        inputs = prepare_live_bar(
            self.interval_ms, open_, high, low, close, volume, taker_buy_volume, self.params,
            oi_open=oi_open, oi_close=oi_usd, volume_ema=self._volume_ema,
            first=self.bars == 0, dt_hours=gap / 3_600_000.0,
        )  # fmt: skip
        self._volume_ema = inputs.volume_ema
        run_kernel(self.state, inputs, self.params, self.f_long, self.f_short, spans=self._spans)
        self.price = close
        self.start_ms = ts_ms if self.start_ms is None else self.start_ms
        self.last_ts_ms = ts_ms
        self.bars += 1

    def _recentre(self, price: float) -> None:
        g = self.state.grid
        centre = 0.5 * (g.lo + g.hi)
        if abs(price / centre - 1.0) * 100.0 <= self.half_pct / 4.0:
            return
        width = (g.hi - g.lo) / g.n
        k = round((price - centre) / width)
        if k == 0:
            return
        st = self.state
        before = (st.stored * st.scale[:, :, None]).sum(axis=(1, 2))
        st.stored = np.roll(st.stored, -k, axis=2)
        if k > 0:
            st.stored[:, :, g.n - k :] = 0.0
        else:
            st.stored[:, :, :-k] = 0.0
        # conservative pointers: the next clear scans the whole grid once
        st.ptr[0, :] = g.n - 1
        st.ptr[1, :] = 0
        st.grid = Grid(g.lo + k * width, g.hi + k * width, g.n)
        st.total[:] = st.stored.sum(axis=2) * st.scale
        after = st.total.sum(axis=1)
        self.shifted_out_usd += np.maximum(before - after, 0.0)

    def snapshot(self) -> LiquidationMap:
        """The current map as an immutable :class:`LiquidationMap`."""
        long_usd, short_usd = self.state.usd()
        edges = self.state.grid.edges
        p = self.params
        start = self.start_ms if self.start_ms is not None else 0
        end = (self.last_ts_ms or 0) + self.interval_ms
        coverage = Coverage(bars=self.bars, expected_bars=max((end - start) // self.interval_ms, 0))
        clusters, reading = summarise(
            edges, long_usd, short_usd, self.price, coverage=coverage, leverages=p.leverages,
            symbol=self.symbol,
        )  # fmt: skip
        acc = self.state.acc
        return LiquidationMap(
            symbol=self.symbol, exchange=self.venue.value, price=self.price, as_of_ms=end,
            window_start_ms=start, window_label="live", leverages=p.leverages, edges=edges,
            long_usd=long_usd, short_usd=short_usd, params=p, coverage=coverage,
            out_of_range_long_usd=float(acc[kern.ACC_OOR_LONG] + self.shifted_out_usd[0]),
            out_of_range_short_usd=float(acc[kern.ACC_OOR_SHORT] + self.shifted_out_usd[1]),
            clusters=clusters, reading=reading,
            fresh=FreshFlow(
                float(long_usd.sum() + short_usd.sum()) * p.turnover_per_day / 24.0, "turnover",
                span_distances(self.f_long, self.f_short),
            ),
        )  # fmt: skip
