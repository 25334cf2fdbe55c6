"""Fit the log-normal leverage distribution to a real liquidation tape (docs/model.md 2.11).

The estimator runs once over the whole fitting period (bars from ``warmup`` before it, stock-flow
sizing); at the start of every hour its map predicts the USD of long levels between the hour's
low and the price, and of short levels between the price and the hour's high: what would be
liquidated given where price went. A level only liquidates if price reached it, so comparing
these predictions with the tape's liquidated USD per hour *is* the reach-probability correction
(the realised range selects the levels). The loss is rank-oriented and scale-free:

``loss(theta) = min_A mean_h (log1p(y_h / u) - log1p(A m_h(theta) / u))^2``

over (hour, side) cells inside the tape's recorded spans, ``y`` the tape's USD, ``m`` the
prediction, ``A`` a free scale (the tape holds an unknown share of all liquidations: Binance
throttles it) and ``u`` the median non-zero ``y``. ``theta = (ln median, ln sigma, ln h)``,
``h`` scaling every half-life. Confidence intervals come from a day-block bootstrap: days are
resampled with replacement and ``theta`` refitted. The tape reports the bankruptcy/order price,
not the trigger: per-hour totals do not depend on that offset, which is measured and reported
(median of ``|price - bar close| / bar close`` per side) rather than fitted.
"""

from __future__ import annotations

import importlib
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from liqmap.core.estimator import Grid, KernelState, prepare, run_kernel, tier_spans
from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents
from liqmap.errors import EmptyWindowError
from liqmap.model_config import EstimatorParams

__all__ = ["LeverageFit", "fit_leverage"]

FloatArray = NDArray[np.float64]
HOUR_MS = 3_600_000
#: the law is kept inside the venue's leverage range (median <= 125x, Binance's BTC maximum) and
#: continuous across at least two cells (sigma >= 0.3); estimates at a bound are reported as such
MEDIAN_BOUNDS = (2.0, 125.0)
SIGMA_BOUNDS = (0.3, 3.0)
DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class LeverageFit:
    """Fitted ``(median, sigma, half-life scale)`` with bootstrap percentile intervals."""

    params: EstimatorParams
    median: float
    sigma: float
    half_life_scale: float
    median_ci: tuple[float, float]
    sigma_ci: tuple[float, float]
    half_life_scale_ci: tuple[float, float]
    loss: float
    loss_base: float
    cells: int
    days: int
    draws: int
    residual_log_sigma: float
    bankruptcy_offset: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "median": self.median, "sigma": self.sigma, "half_life_scale": self.half_life_scale,
            "median_ci95": list(self.median_ci), "sigma_ci95": list(self.sigma_ci),
            "half_life_scale_ci95": list(self.half_life_scale_ci),
            "loss": self.loss, "loss_base": self.loss_base, "cells": self.cells,
            "days": self.days, "bootstrap_draws": self.draws,
            "residual_log_sigma": self.residual_log_sigma,
            "bankruptcy_offset": self.bankruptcy_offset,
        }  # fmt: skip


class _Problem:
    """Per-(hour, side) predictions of the estimator against the tape."""

    def __init__(
        self, candles: Candles, events: LiquidationEvents, start_ms: int, end_ms: int,
        spans: tuple[tuple[int, int], ...], venue: Venue, table: MarginTable | None,
        base: EstimatorParams,
    ) -> None:  # fmt: skip
        self.candles, self.venue, self.table, self.base = candles, venue, table, base
        self.hour0 = start_ms // HOUR_MS
        n_h = (end_ms - 1) // HOUR_MS - self.hour0 + 1
        y = np.zeros((n_h, 2))
        ev = events.between(start_ms, end_ms)
        h = ev.ts_ms // HOUR_MS - self.hour0
        np.add.at(y, (h, np.where(ev.side > 0, 0, 1)), ev.notional_usd)
        hours = (self.hour0 + np.arange(n_h)) * HOUR_MS
        keep = np.zeros(n_h, dtype=bool)
        for a, b in spans:
            keep |= (hours >= a) & (hours + HOUR_MS <= b)
        if keep.sum() < 24:
            raise EmptyWindowError("fewer than 24 recorded hours to fit the leverage law on")
        self.keep, self.y = keep, y
        self.day = (hours // DAY_MS)[keep]
        nz = y[keep][y[keep] > 0]
        self.unit = float(np.median(nz)) if len(nz) else 1.0
        bar_h = candles.ts_ms // HOUR_MS - self.hour0
        self.bar_h = np.clip(bar_h, 0, n_h - 1)
        self.bar_in = (bar_h >= 0) & (bar_h < n_h)
        lo, hi = float(candles.low.min()), float(candles.high.max())
        self.grid = Grid(lo * 0.45, hi * 1.6, 1200)
        # the map at each hour's start (state after the bar closing then) and the hour's range
        ends = candles.ts_ms + candles.interval_ms
        starts = hours[keep]
        j = np.searchsorted(ends, starts, side="right") - 1
        ok = j >= 0
        self.snap = np.ascontiguousarray(np.where(ok, j, 0).astype(np.int64))
        self.snap_ok = ok & (ends[np.clip(j, 0, None)] > starts - HOUR_MS)
        self.start_price = candles.close[self.snap]
        inside = bar_h >= 0
        h_lo = np.full(n_h, np.inf)
        h_hi = np.full(n_h, -np.inf)
        np.minimum.at(h_lo, np.clip(bar_h[inside], 0, n_h - 1), candles.low[inside])
        np.maximum.at(h_hi, np.clip(bar_h[inside], 0, n_h - 1), candles.high[inside])
        self.h_lo, self.h_hi = h_lo[keep], h_hi[keep]

    def params(self, theta: FloatArray) -> EstimatorParams:
        m, s, h = (float(math.exp(min(max(v, -7.0), 7.0))) for v in theta)
        return replace(
            self.base, leverages=(), weights=(), half_life_hours=(),
            leverage_median=min(max(m, MEDIAN_BOUNDS[0]), MEDIAN_BOUNDS[1]),
            leverage_sigma=min(max(s, SIGMA_BOUNDS[0]), SIGMA_BOUNDS[1]),
            half_life_10x_hours=self.base.half_life_10x_hours * min(max(h, 1e-3), 1e3),
        )  # fmt: skip

    def predict(self, theta: FloatArray) -> FloatArray:
        p = self.params(theta)
        p, bars, _ = prepare(self.candles, None, None, p)
        f_long, f_short = tier_spans(self.venue, p, self.table, float(self.candles.close[-1]))
        state = KernelState(self.grid, len(p.leverages))
        snap = np.unique(self.snap)
        out_l, out_s = run_kernel(state, bars, p, f_long, f_short, snap_bar=snap)
        col = np.searchsorted(snap, self.snap)
        edges = self.grid.edges
        m = np.zeros((len(self.snap), 2))
        for k, (cum_bins, a, b) in enumerate((
            (np.cumsum(out_l, axis=1), self.h_lo, self.start_price),
            (np.cumsum(out_s, axis=1), self.start_price, self.h_hi),
        )):  # fmt: skip
            cum = np.concatenate((np.zeros((len(snap), 1)), cum_bins), axis=1)[col]
            fa = np.array([np.interp(x, edges, c) for x, c in zip(a, cum, strict=True)])
            fb = np.array([np.interp(x, edges, c) for x, c in zip(b, cum, strict=True)])
            m[:, k] = np.where(self.snap_ok, np.maximum(fb - fa, 0.0), 0.0)
        return m

    def loss(self, m: FloatArray, w: FloatArray) -> tuple[float, float]:
        """Weighted loss with the scale ``A`` profiled over a log grid; returns (loss, A)."""
        y = np.log1p(self.y[self.keep] / self.unit)
        best = (math.inf, 1.0)
        mean_m = float(m.mean()) or 1.0
        for a in np.geomspace(1e-3, 1e3, 61) * float(self.y[self.keep].mean()) / mean_m:
            r = (y - np.log1p(a * m / self.unit)) ** 2
            v = float((r * w[:, None]).sum() / (2.0 * w.sum()))
            if v < best[0]:
                best = (v, float(a))
        return best

    def residual_sigma(self, m: FloatArray, a: float) -> float:
        y = self.y[self.keep]
        ok = (y > 0) & (m > 0)
        return float(np.std(np.log(y[ok] / (a * m[ok])))) if ok.sum() > 2 else math.nan


def _minimise(pb: _Problem, x0: FloatArray, w: FloatArray, maxfev: int) -> tuple[FloatArray, float]:
    opt = importlib.import_module("scipy.optimize")
    cache: dict[tuple[float, ...], float] = {}

    def f(x: FloatArray) -> float:
        key = tuple(np.round(x, 6))
        if key not in cache:
            cache[key] = pb.loss(pb.predict(x), w)[0]
        return cache[key]

    r = opt.minimize(f, x0, method="Nelder-Mead",
                     options={"maxfev": maxfev, "xatol": 2e-3, "fatol": 1e-5})  # fmt: skip
    return np.asarray(r.x, dtype=np.float64), float(r.fun)


def _clipped(pb: _Problem, x: FloatArray) -> FloatArray:
    p = pb.params(x)
    return np.array(
        [p.leverage_median, p.leverage_sigma, p.half_life_10x_hours / pb.base.half_life_10x_hours]
    )


def _offset(candles: Candles, events: LiquidationEvents) -> dict[str, float]:
    i = np.searchsorted(candles.ts_ms, events.ts_ms, side="right") - 1
    ok = i >= 0
    close = candles.close[np.clip(i, 0, None)]
    rel = (close - events.price) / close
    out: dict[str, float] = {}
    for name, sgn in (("long", 1), ("short", -1)):
        sel = ok & (events.side == sgn)
        out[f"{name}_median_pct"] = (
            float(np.median(rel[sel] * sgn) * 100) if sel.any() else math.nan
        )
    return out


def fit_leverage(
    candles: Candles,
    events: LiquidationEvents,
    *,
    start_ms: int,
    end_ms: int,
    spans: tuple[tuple[int, int], ...],
    venue: Venue = Venue.BINANCE,
    table: MarginTable | None = None,
    base: EstimatorParams | None = None,
    draws: int = 30,
    seed: int = 17,
    maxfev: int = 120,
) -> LeverageFit:
    """Fit the leverage law on ``[start_ms, end_ms)`` (``candles`` may start earlier: warm-up).

    ``spans`` are the periods the tape was recording (outages excluded). Returns the point fit,
    day-block bootstrap 95% intervals from ``draws`` refits and params with the fitted values.
    """
    base = base or EstimatorParams()
    pb = _Problem(candles, events, start_ms, end_ms, spans, venue, table, base)
    w1 = np.ones(int(pb.keep.sum()))
    x0 = np.log([base.leverage_median, base.leverage_sigma, 1.0])
    loss_base = pb.loss(pb.predict(x0), w1)[0]
    x, loss = _minimise(pb, x0, w1, maxfev)
    m = pb.predict(x)
    a = pb.loss(m, w1)[1]
    days = np.unique(pb.day)
    rng = np.random.default_rng(seed)
    boot = []
    for _ in range(draws):
        pick = rng.choice(days, len(days), replace=True)
        counts = {d: int((pick == d).sum()) for d in days}
        wb = np.array([counts[d] for d in pb.day], dtype=np.float64)
        boot.append(_minimise(pb, x, wb, maxfev // 2)[0])
    b = np.array([_clipped(pb, v) for v in boot]) if boot else _clipped(pb, x)[None, :]
    lo, hi = np.percentile(b, 2.5, axis=0), np.percentile(b, 97.5, axis=0)
    med, sig, hls = (float(v) for v in _clipped(pb, x))
    resid = pb.residual_sigma(m, a)

    def ci(j: int) -> tuple[float, float]:
        return (float(lo[j]), float(hi[j]))

    fitted = replace(
        pb.params(x), leverages=(), weights=(), half_life_hours=(),
        leverage_median_ci=ci(0), leverage_sigma_ci=ci(1),
        band_log_sigma=round(resid, 3) if math.isfinite(resid) else base.band_log_sigma,
    )  # fmt: skip
    return LeverageFit(
        params=fitted, median=med, sigma=sig, half_life_scale=hls,
        median_ci=ci(0), sigma_ci=ci(1), half_life_scale_ci=ci(2),
        loss=loss, loss_base=loss_base, cells=int(pb.keep.sum()) * 2, days=len(days),
        draws=draws, residual_log_sigma=resid,
        bankruptcy_offset=_offset(candles, events.between(start_ms, end_ms)),
    )  # fmt: skip
