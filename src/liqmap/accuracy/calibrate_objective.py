"""The calibration objective: the model run over a period vs the liquidations that happened.

Used by :mod:`liqmap.accuracy.calibrate` (``liqmap calibrate``), which fits the parameters.

**The run.** The estimator runs once, continuously, over the bars of the period (after a warm-up
of ``warmup_ms``), as the heatmap and the live map do, on one fixed grid. At every evaluation time
``t`` (every ``every_ms``) its state is the map as of ``t`` (bars, OI and events before ``t``).

**Where** (forecast, per bin). Each *case* ``c = (t, h, side)`` compares the map's USD per bin
``p_b`` with the USD liquidated in ``(t, t + h]`` per bin ``a_b`` (events located in their bar's
range, as the backtest does). A level's expected liquidation is its USD times the chance that
price reaches it, ``E[a_b] = p_b * rho_b``; comparing ``a`` with ``p`` directly confounds the map
with reach (near levels are liquidated more often *because they are near*, so a naive fit inflates
the high-leverage tiers that sit there). ``reach`` picks ``rho``:

* ``visit`` (default): conditional on the realised path, ``rho_b = 1`` on the bins price traded
  through on that side (longs ``[min low, P_t]``, shorts ``[P_t, max high]``), 0 elsewhere;
* ``probability``: ``rho_b = R_h(d_b)``, the probability that the largest adverse excursion over
  ``h`` reaches the bin's distance ``d_b`` from ``P_t``, from the empirical distribution of
  excursions of the fitting period's bars (:func:`excursions`, :func:`reach_probability`);
* ``none``: ``rho_b = 1`` on the whole side (the biased comparison, for contrast).

``J_where`` is ``KL(q_c || pi_c)`` with ``q_c`` the actual USD shares over the case's support
(``n`` bins with ``rho > 0``, or the side for ``none``) and
``pi_c = (1 - eta) p rho / sum(p rho) + eta / n`` (the floor ``eta`` bounds the cost of a
liquidated bin without levels at ``-ln(eta / n)``), averaged over the cases with liquidations,
weighted by ``sqrt`` of their USD (a cascade counts more than one liquidation without swamping
the rest).

**How much** (nowcast, per interval). A map shows where levels are, not when price gets there,
and most high-leverage positions that are liquidated within hours were opened within those hours,
after ``t``: the map at ``t`` cannot hold them, and the *where* term alone cannot tell a 100x
population from a 20x one (a test shows it). So the run's own liquidations are compared too: the
USD ``C_i`` the model clears in each interval ``(t_i, t_i + every]`` (only levels that price
reached: conditional on the visit by construction, positions opened inside the interval included)
vs the USD ``A_i`` liquidated then, per side:
``J_much = mean_i [ln((A_i + u) / (alpha C_i + u))]^2``, ``u`` the median event size, ``alpha``
the share of the liquidations the tape holds: profiled (``sum A / sum C``) when unknown, which
throws away the absolute amount (then only the timing of clears informs the weights), or fixed
(``tape_share``: 1 for the simulator's complete tape with exact OI).

``J = J_where + J_much`` (lower is better). Also reported: the backtest's *where* metrics over
the visited bins (median Spearman and top-20% share; cases with >= 3 visited bins), the share of
cases with liquidations whose visited bins hold no level at all, and the log-correlation of
``C_i`` and ``A_i``. Horizons and intervals with missing bars or outside the
recorded tape, and times whose warm-up is mostly unsized, are skipped (counted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from liqmap._aot import load
from liqmap.accuracy import metrics
from liqmap.accuracy.backtest import WalkForward, evaluation_times
from liqmap.accuracy.calibrate_reach import case_loss, excursions, reach_probability
from liqmap.core.bars import BarInputs
from liqmap.core.estimator import Grid, KernelState, prepare, run_kernel, tier_spans
from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.errors import EmptyWindowError, ParameterError
from liqmap.model_config import DEFAULT_PARAMS, EstimatorParams

if TYPE_CHECKING:
    from liqmap.core import _kernel as kern
else:
    kern = load("liqmap.core._kernel")  # compiled ahead of time when built, else numba

__all__ = [
    "FIT_GROUPS",
    "CalibrationConfig",
    "Method",
    "Objective",
    "Problem",
    "Reach",
]

FloatArray = NDArray[np.float64]
Reach = Literal["visit", "probability", "none"]
Method = Literal["nelder-mead", "differential-evolution"]
FIT_GROUPS = ("weights", "half_lives", "side_split", "entry_spread")
HOUR_MS = 3_600_000
_MAX_BINS = 20_000
_BAR_ARRAYS = ("high", "low", "entry_lo", "entry_hi", "new_long", "new_short", "oi_delta", "oi_prev", "dt_hours", "oi_target", "long_share")  # fmt: skip
_Events = tuple[NDArray[np.int64], NDArray[np.int64], FloatArray, FloatArray]


@dataclass(frozen=True, slots=True)
class CalibrationConfig:
    """How the run, its cases and intervals are built and the fit runs (durations in ms).

    ``min_sized_share``: skip times whose warm-up has fewer bars with a volume or an OI change
    than this share (the state would hold next to nothing). Invalid values raise
    :class:`~liqmap.errors.ParameterError` naming the CLI flag.
    """

    warmup_ms: int = 24 * HOUR_MS
    every_ms: int = HOUR_MS
    horizons_ms: tuple[int, ...] = (HOUR_MS, 4 * HOUR_MS)
    reach: Reach = "visit"
    fit: tuple[str, ...] = FIT_GROUPS
    method: Method = "nelder-mead"
    max_evals: int = 300
    max_seconds: float = 240.0
    seed: int = 0
    ridge: float = 0.01  # prior weight pulling the fit toward the base parameters
    bin_pct: float = 0.05  # grid bin width, % of the period's median price
    floor_share: float = 0.02  # eta
    min_horizon_coverage: float = 0.9
    min_sized_share: float = 0.25
    feed_liquidations: bool = True
    tape_share: float | None = None  # None: alpha profiled; else alpha fixed to this value

    def __post_init__(self) -> None:
        object.__setattr__(self, "horizons_ms", tuple(sorted({int(h) for h in self.horizons_ms})))
        object.__setattr__(self, "fit", tuple(dict.fromkeys(self.fit)))
        if not self.horizons_ms or min(self.warmup_ms, self.every_ms, *self.horizons_ms) <= 0:
            raise ParameterError("--warmup, --every and every horizon must be positive durations")
        if self.reach not in ("visit", "probability", "none"):
            raise ParameterError(f"--reach must be visit, probability or none, got {self.reach!r}")
        if self.method not in ("nelder-mead", "differential-evolution"):
            raise ParameterError(
                f"--method must be nelder-mead or differential-evolution, got {self.method!r}"
            )
        bad = [g for g in self.fit if g not in FIT_GROUPS]
        if bad or not self.fit:
            raise ParameterError(
                f"--fit: unknown or empty group(s) {bad}; choose from {', '.join(FIT_GROUPS)}"
            )
        if self.max_evals < 1 or self.max_seconds <= 0 or self.ridge < 0:
            raise ParameterError("--max-evals and --max-seconds must be positive, ridge >= 0")
        if self.tape_share is not None and not (0.0 < self.tape_share <= 1.0):
            raise ParameterError(f"--tape-share must be in (0, 1], got {self.tape_share}")
        if not (0.005 <= self.bin_pct <= 2.0 and 0.0 < self.floor_share < 1.0):
            raise ParameterError("bin_pct must be in [0.005, 2] and floor_share in (0, 1)")


@dataclass(frozen=True, slots=True)
class Objective:
    """The objective and its parts; with ``details``, backtest-style summaries (NaN otherwise)."""

    total: float
    where: float
    much: float
    scale: float  # alpha: actual / model-cleared USD
    cases: int
    cases_with_events: int
    intervals: int
    top_share: float = math.nan
    spearman: float = math.nan
    log_corr: float = math.nan
    empty_share: float = math.nan  # cases with liquidations whose visited bins hold no levels

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (NaN as ``None``)."""
        d = {k: getattr(self, k) for k in self.__slots__}
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()
        }


@dataclass(frozen=True, slots=True)
class _Case:
    t_idx: int
    horizon_ms: int
    side: int  # 0 long, 1 short
    k0: int  # support = grid bins k0..k1 (inclusive)
    k1: int
    v0: int  # visited bins v0..v1, offsets into the support
    v1: int
    rho: FloatArray
    actual: FloatArray


def _nanmedian(x: list[float]) -> float:
    v = np.array(x, dtype=np.float64)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if len(v) else math.nan


def _slice(bars: BarInputs, ev: _Events, i0: int, i1: int) -> tuple[BarInputs, _Events]:
    k0, k1 = (int(np.searchsorted(ev[0], i, side="left")) for i in (i0, i1))
    cut = {f: getattr(bars, f)[i0:i1] for f in _BAR_ARRAYS}
    return replace(bars, **cut), (ev[0][k0:k1] - i0, ev[1][k0:k1], ev[2][k0:k1], ev[3][k0:k1])


class Problem:
    """The cases and intervals of one period, prepared once; :meth:`objective` scores any
    parameters on them (one kernel run per call)."""

    def __init__(
        self,
        candles: Candles,
        events: LiquidationEvents,
        *,
        start_ms: int,
        end_ms: int,
        oi: OpenInterest | None = None,
        venue: Venue = Venue.BINANCE,
        table: MarginTable | None = None,
        config: CalibrationConfig | None = None,
        outages: tuple[tuple[int, int], ...] = (),
        truth_span: tuple[int, int] | None = None,
        reach_candles: Candles | None = None,
        base: EstimatorParams = DEFAULT_PARAMS,
    ) -> None:
        self.cfg = cfg = config or CalibrationConfig()
        self.oi, self.venue, self.table = oi, venue, table
        run = candles.between(start_ms - cfg.warmup_ms, end_ms + max(cfg.horizons_ms))
        if len(run) < 2 or len(events) == 0:
            raise EmptyWindowError(
                "no bars or no liquidation events in the calibration period; check --from/--to"
            )
        self.run = run
        self.events = events.between(int(run.ts_ms[0]), int(run.ts_ms[-1]) + run.interval_ms)
        span = truth_span or (int(events.ts_ms[0]), int(events.ts_ms[-1]))
        wf = WalkForward(run, self.events, venue=venue, table=table, oi=oi, outages=outages, truth_span=span)  # fmt: skip
        self._truth, self._outages = span, outages
        self._fed = self.events if cfg.feed_liquidations else None
        lo, hi = float(run.low.min()) * 0.7, float(run.high.max()) * 1.35
        n = round((hi - lo) / (float(np.median(run.close)) * cfg.bin_pct / 100))
        self.grid = Grid(lo, hi, min(_MAX_BINS, max(50, n)))
        self.unit = float(np.median(events.notional_usd))
        ref = reach_candles or candles.between(start_ms, end_ms)
        self._exc = {h: excursions(ref, h) for h in cfg.horizons_ms}
        _, bars0, _ = prepare(run, oi, self._fed, base)
        self._sized = np.concatenate(
            ([0], np.cumsum(~(np.isnan(bars0.oi_delta) & ~np.isfinite(run.volume))))
        )
        self.times = evaluation_times(start_ms, end_ms, cfg.every_ms)
        self._bound = np.searchsorted(run.ts_ms, self.times, side="left")
        self.cases: list[_Case] = []
        self.intervals: list[tuple[int, float, float]] = []  # (time index, actual long, short)
        self.skipped: dict[str, int] = {}
        for i, t in enumerate(self.times.tolist()):
            if self._ready(t):
                self._add_cases(i, t, wf.located)
                self._add_interval(i, t)
        self._int_idx = np.array([i for i, _, _ in self.intervals], dtype=np.int64)
        self._actual = np.array([[x, y] for _, x, y in self.intervals]).reshape(-1, 2)
        if not self.cases and not self.intervals:
            raise EmptyWindowError(
                f"no usable evaluation time between the dates (skipped: {self.skipped}); widen "
                "--from/--to or check that bars, sizing (volume/OI) and liquidations overlap"
            )

    def _skip(self, why: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1

    def _ready(self, t: int) -> bool:
        """Enough sized bars in the warm-up before ``t`` for the state to mean something."""
        ts, cfg = self.run.ts_ms, self.cfg
        j0, j1 = (int(np.searchsorted(ts, x, side="left")) for x in (t - cfg.warmup_ms, t))
        expected = cfg.warmup_ms // self.run.interval_ms
        if j1 == 0 or self._sized[j1] - self._sized[j0] < cfg.min_sized_share * expected:
            self._skip("warmup_mostly_unsized")
            return False
        return True

    def _usable(self, t: int, end: int) -> tuple[int, int] | None:
        c, cfg = self.run, self.cfg
        j0 = int(np.searchsorted(c.ts_ms, t, side="left"))
        j1 = int(np.searchsorted(c.ts_ms, end - c.interval_ms, side="right"))
        if j1 - j0 < max(1.0, cfg.min_horizon_coverage * ((end - t) // c.interval_ms)):
            self._skip("bars_missing")
            return None
        lo, hi = self._truth
        if t < lo or end > hi or any(a < end and b > t for a, b in self._outages):
            self._skip("truth_not_recorded")
            return None
        return j0, j1

    def _add_interval(self, i: int, t: int) -> None:
        if self._usable(t, t + self.cfg.every_ms) is None:
            return
        ev, end = self.events, t + self.cfg.every_ms
        e0, e1 = (int(np.searchsorted(ev.ts_ms, x, side="right")) for x in (t, end))
        usd, side = ev.notional_usd[e0:e1], ev.side[e0:e1]
        self.intervals.append((i, float(usd[side > 0].sum()), float(usd[side < 0].sum())))

    def _add_cases(self, i: int, t: int, located: FloatArray) -> None:
        c, ev = self.run, self.events
        price = float(c.close[self._bound[i] - 1])
        for h in self.cfg.horizons_ms:
            span = self._usable(t, t + h)
            if span is None:
                continue
            j0, j1 = span
            vlo, vhi = min(float(c.low[j0:j1].min()), price), max(float(c.high[j0:j1].max()), price)
            e0, e1 = (int(np.searchsorted(ev.ts_ms, x, side="right")) for x in (t, t + h))
            loc = np.where(
                np.isnan(located[e0:e1]), np.clip(ev.price[e0:e1], vlo, vhi), located[e0:e1]
            )
            for s, sign in ((0, 1), (1, -1)):
                sel = ev.side[e0:e1] == sign
                usd = ev.notional_usd[e0:e1][sel]
                self.cases.append(self._case(i, h, s, price, (vlo, vhi), loc[sel], usd))

    def _case(self, t_idx: int, h: int, s: int, price: float, visited: tuple[float, float], loc: FloatArray, usd: FloatArray) -> _Case:  # fmt: skip
        g, n = self.grid, self.grid.n
        kp = min(max(math.floor((price - g.lo) * g.inv_width), 0), n - 1)
        a, b = (visited[0], price) if s == 0 else (price, visited[1])
        v0 = min(max(math.floor((a - g.lo) * g.inv_width), 0), n - 1)
        v1 = min(max(math.ceil((b - g.lo) * g.inv_width) - 1, v0), n - 1)
        k0, k1 = (v0, v1) if self.cfg.reach == "visit" else (0, kp) if s == 0 else (kp, n - 1)
        v0, v1 = max(v0, k0) - k0, min(v1, k1) - k0
        centre = g.lo + (np.arange(k0, k1 + 1) + 0.5) / g.inv_width
        if self.cfg.reach == "probability":
            d = (1.0 - centre / price) if s == 0 else (centre / price - 1.0)
            rho = reach_probability(self._exc[h][s], np.asarray(d, dtype=np.float64))
        else:
            rho = np.ones(k1 - k0 + 1)
        idx = np.clip(np.floor((loc - g.lo) * g.inv_width).astype(np.int64), 0, n - 1)
        inside = (idx >= k0) & (idx <= k1)
        actual = np.bincount(idx[inside] - k0, usd[inside], minlength=k1 - k0 + 1)
        return _Case(t_idx, h, s, k0, k1, v0, v1, rho, actual.astype(np.float64))

    def simulate(self, params: EstimatorParams) -> tuple[FloatArray, FloatArray]:
        """Run the model over the period: the map (USD per side and bin, tiers summed) at every
        evaluation time, shape ``(times, 2, bins)``, and the USD it cleared (liquidated) in each
        interval after it, shape ``(times, 2)``."""
        p, bars, ev = prepare(self.run, self.oi, self._fed, params)
        f_long, f_short = tier_spans(self.venue, p, self.table, float(self.run.close[-1]))
        state = KernelState(self.grid, len(p.leverages))
        n_t = len(self.times)
        maps = np.zeros((n_t, 2, self.grid.n))
        cleared = np.zeros((n_t, 2))
        bounds = [*self._bound.tolist(), len(self.run)]
        prev = 0
        for i in range(n_t + 1):
            if bounds[i] > prev:
                chunk, cev = _slice(bars, ev, prev, bounds[i])
                before = state.acc[[kern.ACC_LIQ_LONG, kern.ACC_LIQ_SHORT]].copy()
                run_kernel(state, chunk, p, f_long, f_short, events=cev)
                if i > 0:
                    cleared[i - 1] = state.acc[[kern.ACC_LIQ_LONG, kern.ACC_LIQ_SHORT]] - before
                prev = bounds[i]
            if i < n_t:
                maps[i, 0] = state.stored[0].T @ state.scale[0]
                maps[i, 1] = state.stored[1].T @ state.scale[1]
        return maps, cleared

    def objective(self, params: EstimatorParams, *, details: bool = False) -> Objective:
        """Score ``params`` (see the module docstring)."""
        maps, cleared = self.simulate(params)
        losses = np.zeros((len(self.cases), 2))
        spear, top, empty = [], [], []
        for j, c in enumerate(self.cases):
            pred = maps[c.t_idx, c.side, c.k0 : c.k1 + 1]
            kl, _, usd = case_loss(pred, c.rho, c.actual, self.cfg.floor_share)
            losses[j] = (kl, usd)
            pv, av = pred[c.v0 : c.v1 + 1], c.actual[c.v0 : c.v1 + 1]
            if details and usd > 0:
                empty.append(float(pv.sum() <= 0.0))
            if details and len(pv) >= metrics.MIN_BINS:
                ok = np.ones(len(pv), dtype=np.bool_)
                spear.append(metrics.spearman_visited(pv, av, ok))
                top.append(metrics.top_share(pv, av, ok))
        w = np.sqrt(losses[:, 1])
        where = float(np.dot(w, losses[:, 0]) / w.sum()) if w.sum() > 0 else 0.0
        act = self._actual.ravel()
        mod = cleared[self._int_idx].ravel()
        alpha = float(act.sum() / mod.sum()) if mod.sum() > 0 else math.nan
        if self.cfg.tape_share is not None:
            alpha = self.cfg.tape_share
        err = np.log((act + self.unit) / (np.nan_to_num(alpha) * mod + self.unit))
        much = float(np.mean(err**2)) if len(err) else 0.0
        extra = {}
        if details:
            extra = {"top_share": _nanmedian(top), "spearman": _nanmedian(spear),
                     "log_corr": metrics.log_corr(mod, act),
                     "empty_share": float(np.mean(empty)) if empty else math.nan}  # fmt: skip
        return Objective(
            total=where + much, where=where, much=much, scale=alpha, cases=len(self.cases),
            cases_with_events=int((w > 0).sum()), intervals=len(self._int_idx), **extra,
        )  # fmt: skip
