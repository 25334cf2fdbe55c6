"""Walk-forward scoring per interval: "USD that would be liquidated if price went there".

At every evaluation time ``t`` the product's own map is built with
:func:`liqmap.core.maps.estimate_map` from data known at ``t`` only (bars closed by ``t``, open
interest observed by ``t``, liquidation events before ``t``; :meth:`IntervalWalk.snapshot`, a
test mutates everything after ``t`` and checks nothing changes). For each horizon ``h`` the
interval ``[t, t + h)`` is scored:

* its price path: ``P`` = the map's price (close of the last bar before ``t``),
  ``L = min(P, lowest low)``, ``H = max(P, highest high)`` over the bars of the interval;
* the prediction of a side (:meth:`LiquidationMap.usd_if`): long = the map's USD between ``L``
  and ``P``, short = between ``P`` and ``H``, each plus the fresh positions opened and
  liquidated along the way (:mod:`liqmap.core.fresh`, ``fresh_share``; ``pred_*["fresh"]`` holds
  that part); all = their sum;
* the truth: USD liquidated per side in the interval (:class:`~liqmap.accuracy.truth.IntervalTruth`);
* the baselines, computed the same way: ``range`` (``(P - L) / P``, ``(H - P) / P``),
  ``oi_range`` (open interest known at ``t`` x range), ``ladder`` (the distance-only ladder on
  the model's grid, :mod:`liqmap.accuracy.baselines`), ``uniform`` (the model's totals spread
  evenly over each side).

The magnet rows record, per time and magnet horizon, the largest cluster within
``magnet_pct`` of price, whether price reached it and whether it reached the mirror level at
the same distance on the other side; scoring is in :mod:`liqmap.accuracy.interval_result`.
"""

from __future__ import annotations

import inspect
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from liqmap.accuracy.backtest import _oi_known_at, evaluation_times, snapshot_or_skip
from liqmap.accuracy.baselines import ladder_inputs, ladder_params, ladder_ratios, uniform_profile
from liqmap.accuracy.interval_result import IntervalConfig, IntervalResult, MagnetRow, ScoreRow
from liqmap.accuracy.truth import IntervalTruth
from liqmap.core.binmass import usd_between_edges
from liqmap.core.estimator import Grid, KernelState, run_kernel
from liqmap.core.map_scoring import fresh_part
from liqmap.core.maps import estimate_map
from liqmap.core.results import LiquidationMap
from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.model_config import DEFAULT_PARAMS, EstimatorParams

__all__ = ["IntervalWalk", "Snapshot"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The model's map at ``t`` and the ladder's USD per bin on the same edges."""

    map: LiquidationMap
    ladder_long: FloatArray
    ladder_short: FloatArray
    ladder_note: str | None


class IntervalWalk:
    """Inputs of an interval backtest, prepared once; snapshots and rows at any time."""

    def __init__(
        self,
        candles: Candles,
        truth: IntervalTruth,
        *,
        venue: Venue = Venue.BINANCE,
        table: MarginTable | None = None,
        oi: OpenInterest | None = None,
        oi_proxy: OpenInterest | None = None,
        events: LiquidationEvents | None = None,
        mark: Candles | None = None,
        params: EstimatorParams | None = None,
        config: IntervalConfig | None = None,
    ) -> None:
        self.candles, self.truth, self.venue, self.table = candles, truth, venue, table
        self.oi, self.events, self.mark = oi, events, mark
        self.oi_proxy = oi_proxy if oi_proxy is not None else (oi if oi and oi.kind == "level" else None)  # fmt: skip
        self.params = params or DEFAULT_PARAMS
        self.config = config or IntervalConfig()
        self._ladder_p = ladder_params(self.params)
        self._ladder_f = ladder_ratios(self.params.leverages)
        self._mark_kw = "mark" in inspect.signature(estimate_map).parameters and mark is not None

    # --- maps -----------------------------------------------------------------------------------
    def snapshot(self, t: int) -> Snapshot:
        """The model's and the ladder's maps as of ``t`` from data known at ``t`` only."""
        cfg = self.config
        kw: dict[str, Any] = {}
        if self._mark_kw and self.mark is not None:
            kw["mark"] = self.mark.between(t - cfg.window_ms, t - self.mark.interval_ms + 1)
        fed = self.events.between(t - cfg.window_ms, t) if self.events is not None else None
        m = estimate_map(
            self.candles, window_ms=cfg.window_ms, venue=self.venue, table=self.table,
            oi=_oi_known_at(self.oi, t), liquidations=fed, params=self.params, as_of_ms=t,
            bins=cfg.bins, **kw,
        )  # fmt: skip
        w = self.candles.between(t - cfg.window_ms, t - self.candles.interval_ms + 1)
        grid = Grid(float(m.edges[0]), float(m.edges[-1]), m.n_bins)
        inputs, note = ladder_inputs(w, self.params)
        state = KernelState(grid, len(self.params.leverages))
        run_kernel(state, inputs, self._ladder_p, *self._ladder_f)
        lo, sh = state.usd()
        return Snapshot(m, lo.sum(axis=0), sh.sum(axis=0), note)

    def oi_at(self, t: int) -> float:
        """The proxy open-interest level known at ``t`` (NaN if none within ``oi_max_age``)."""
        oi = self.oi_proxy
        if oi is None or len(oi.ts_ms) == 0:
            return math.nan
        k = int(np.searchsorted(oi.ts_ms, t, side="right")) - 1
        if k < 0 or t - int(oi.ts_ms[k]) > self.config.oi_max_age_ms:
            return math.nan
        return float(oi.value_usd[k])

    # --- rows -----------------------------------------------------------------------------------
    def _path(self, t: int, h: int) -> tuple[float, float] | None:
        c = self.candles
        j0 = int(np.searchsorted(c.ts_ms, t, side="left"))
        j1 = int(np.searchsorted(c.ts_ms, t + h, side="left"))
        if j1 - j0 < self.config.min_bar_coverage * (h / c.interval_ms) or j1 <= j0:
            return None
        return float(c.low[j0:j1].min()), float(c.high[j0:j1].max())

    def score(self, snap: Snapshot, h: int) -> ScoreRow | str:
        """One scored interval ``[t, t + h)``, or why it cannot be scored."""
        m = snap.map
        t = m.as_of_ms
        path = self._path(t, h)
        if path is None:
            return "interval_bars_missing"
        got = self.truth.over(t, h)
        if got is None:
            return "truth_missing"
        p = m.price
        lo, hi = min(path[0], p), max(path[1], p)
        u_long, u_short = uniform_profile(m.edges, p, m.total_long_usd, m.total_short_usd)
        oi = self.oi_at(t)
        e = m.edges
        pred_long = {
            "model": m.usd_if(lo, hi, "long", h),
            "fresh": fresh_part(m, lo, hi, "long", h),
            "range": (p - lo) / p,
            "oi_range": oi * (p - lo) / p,
            "ladder": usd_between_edges(e, snap.ladder_long, lo, p),
            "uniform": usd_between_edges(e, u_long, lo, p),
        }
        pred_short = {
            "model": m.usd_if(lo, hi, "short", h),
            "fresh": fresh_part(m, lo, hi, "short", h),
            "range": (hi - p) / p,
            "oi_range": oi * (hi - p) / p,
            "ladder": usd_between_edges(e, snap.ladder_short, p, hi),
            "uniform": usd_between_edges(e, u_short, p, hi),
        }
        bands = [math.nan] * 4
        bl, bs = m.usd_if_band(lo, hi, "long", h), m.usd_if_band(lo, hi, "short", h)
        if bl is not None and bs is not None:
            bands = [bl[0], bl[1], bs[0], bs[1]]
        return ScoreRow(
            t,
            h,
            p,
            lo,
            hi,
            got[0],
            got[1],
            pred_long,
            pred_short,
            tuple(bands),  # type: ignore[arg-type]
        )

    def magnet(self, snap: Snapshot, h: int) -> MagnetRow | None:
        """The largest cluster within ``magnet_pct``: reached within ``h``? and its mirror?"""
        m = snap.map
        path = self._path(m.as_of_ms, h)
        if path is None:
            return None
        p, x = m.price, self.config.magnet_pct
        near = [c for c in m.clusters if 0 < abs(c.price / p - 1) * 100 <= x]
        up, down = path[1] / p - 1.0, path[0] / p - 1.0
        if not near:
            return MagnetRow(m.as_of_ms, h, math.nan, False, False, up, down)
        c = max(near, key=lambda k: k.usd)
        d = c.price / p - 1.0
        hit = up >= d if d > 0 else down <= d
        mirror = down <= -d if d > 0 else up >= -d
        return MagnetRow(m.as_of_ms, h, d, bool(hit), bool(mirror), up, down)

    # --- the walk -------------------------------------------------------------------------------
    def run(
        self,
        start_ms: int,
        end_ms: int,
        *,
        label: str = "",
        notes: tuple[str, ...] = (),
        progress: Callable[[int, int], None] | None = None,
    ) -> IntervalResult:
        """Walk the evaluation times in ``[start_ms, end_ms]`` (every ``config.every_ms``)."""
        cfg = self.config
        times = evaluation_times(start_ms, end_ms, cfg.every_ms).tolist()
        skipped: Counter[str] = Counter()
        rows: list[ScoreRow] = []
        magnets: list[MagnetRow] = []
        notional: list[tuple[int, float, float, float]] = []
        ladder_notes: set[str] = set()
        for i, t in enumerate(times):
            if progress is not None:
                progress(i, len(times))
            snap = snapshot_or_skip(self.snapshot, t, skipped)
            if snap is None:
                continue
            if snap.ladder_note:
                ladder_notes.add(snap.ladder_note)
            m = snap.map
            notional.append((t, m.total_long_usd + m.out_of_range_long_usd,
                             m.total_short_usd + m.out_of_range_short_usd, self.oi_at(t)))  # fmt: skip
            for h in cfg.horizons_ms:
                out = self.score(snap, h)
                if isinstance(out, str):
                    skipped[f"{out}@{h}"] += 1
                else:
                    rows.append(out)
            for h in cfg.magnet_horizons_ms:
                mg = self.magnet(snap, h)
                if mg is not None:
                    magnets.append(mg)
        return IntervalResult(
            label=label, symbol=self.candles.symbol, config=cfg, times=len(times),
            rows=tuple(rows), magnets=tuple(magnets), notional=tuple(notional),
            skipped=dict(skipped), notes=(*notes, *sorted(ladder_notes)),
        )  # fmt: skip
