"""Walk-forward backtest: the map at each time ``t`` against the liquidations of ``(t, t + h]``.

At every evaluation time ``t`` (every ``every_ms`` between ``start`` and ``end``) the model's map
is built exactly as :func:`liqmap.core.maps.estimate_map` builds it, from data known at ``t``
only: bars that closed by ``t``, open interest observed by ``t``, liquidation events before ``t``
(:meth:`WalkForward.map_at`; a test checks that mutating everything after ``t`` changes
nothing). The distance-only ladder and the uniform baseline are built on the same grid from the
same bars (:mod:`liqmap.accuracy.baselines`). Each map is then scored for every horizon ``h``
against the events in ``(t, t + h]`` and the price range traded in it (``docs/accuracy.md``):

* the *visited* region of a side is the range price traded through on that side of ``P_t``
  (longs ``[min low, P_t]``, shorts ``[P_t, max high]``, all: both); its bins are those it
  overlaps;
* an event is located at its order price clipped into the range of the bar it happened in (a
  forced order's price is its bankruptcy price, beyond the level that triggered it); events in
  a missing bar are clipped into the visited range;
* *where*: :func:`~liqmap.accuracy.metrics.spearman_visited` and
  :func:`~liqmap.accuracy.metrics.top_share` per evaluation; *how much*: the map's USD inside the
  visited region vs all USD liquidated on that side, across evaluations.

Each map costs about a millisecond from scratch, so every map is rebuilt exactly (no
approximation by a running state); the cost is O(evaluation times x window bars).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

import numpy as np
from numpy.typing import NDArray

from liqmap.accuracy import metrics
from liqmap.accuracy.baselines import ladder_inputs, ladder_params, ladder_ratios, uniform_profile
from liqmap.accuracy.result import (
    METHODS,
    SIDES,
    BacktestConfig,
    BacktestResult,
    MapStats,
    Points,
)
from liqmap.core.estimator import (
    Grid,
    KernelState,
    auto_range_pct,
    prepare,
    run_kernel,
    select_window,
    tier_spans,
)
from liqmap.domain.enums import ContractKind, Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.errors import DataFileError, EmptyWindowError, ParameterError
from liqmap.model_config import DEFAULT_PARAMS, EstimatorParams

__all__ = ["MapSnapshot", "WalkForward", "backtest", "evaluation_times", "snapshot_or_skip"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
S = TypeVar("S")


@dataclass(frozen=True, slots=True)
class MapSnapshot:
    """The model's and the ladder's maps at one time, summed over tiers (USD per bin)."""

    as_of_ms: int
    price: float
    grid: Grid
    model_long: FloatArray
    model_short: FloatArray
    ladder_long: FloatArray
    ladder_short: FloatArray
    bar_coverage: float  # share of the window's expected bars present
    sized_share: float  # share of the present bars with a volume or an OI change


def evaluation_times(start_ms: int, end_ms: int, every_ms: int) -> IntArray:
    """Multiples of ``every_ms`` in ``[start_ms, end_ms]`` (UTC-aligned: 1h -> on the hour)."""
    if every_ms <= 0:
        raise ParameterError(f"--every must be positive, got {every_ms} ms")
    first = -(-start_ms // every_ms) * every_ms
    return np.arange(first, end_ms + 1, every_ms, dtype=np.int64)


def snapshot_or_skip(make: Callable[[int], S], t: int, skipped: Counter[str]) -> S | None:
    """``make(t)``, or ``None`` with the reason counted in ``skipped`` when the data at ``t`` give
    no map: ``no_bars_in_window`` (no bar in the window) or ``no_volume_or_oi`` (nothing sizes it).
    """
    try:
        return make(t)
    except EmptyWindowError:
        skipped["no_bars_in_window"] += 1
    except DataFileError:
        skipped["no_volume_or_oi"] += 1
    return None


def _oi_known_at(oi: OpenInterest | None, t: int) -> OpenInterest | None:
    """Observations known at ``t``: levels stamped <= t, changes of minutes that began < t."""
    if oi is None:
        return None
    side: Literal["left", "right"] = "right" if oi.kind == "level" else "left"
    k = int(np.searchsorted(oi.ts_ms, t, side=side))
    return OpenInterest(oi.ts_ms[:k], oi.value_usd[:k], oi.kind, oi.source)


class WalkForward:
    """Inputs of a backtest, prepared once; maps and scores at any evaluation time."""

    def __init__(
        self,
        candles: Candles,
        events: LiquidationEvents,
        *,
        venue: Venue = Venue.BINANCE,
        table: MarginTable | None = None,
        oi: OpenInterest | None = None,
        params: EstimatorParams | None = None,
        config: BacktestConfig | None = None,
        outages: tuple[tuple[int, int], ...] = (),
        truth_span: tuple[int, int] | None = None,
    ) -> None:
        if len(events) == 0:
            raise EmptyWindowError("no liquidation events to compare the maps with")
        self.candles, self.events, self.oi = candles, events, oi
        self.venue, self.table = venue, table
        self.params = params or DEFAULT_PARAMS
        self.config = config or BacktestConfig()
        for h in self.config.horizons_ms:
            if h < candles.interval_ms:
                raise ParameterError(
                    f"horizon of {h} ms is shorter than one bar ({candles.interval_ms} ms)"
                )
        self.outages = tuple(sorted(outages))
        first, last = int(events.ts_ms[0]), int(events.ts_ms[-1])
        self.truth_span = truth_span or (first, last)
        self.located = self._locate_events()
        self._ladder_params = ladder_params(self.params)
        self._ladder_f = ladder_ratios(self.params.leverages)
        linear = venue.contract_kind is ContractKind.LINEAR
        self._fixed_f = tier_spans(venue, self.params, table, 1.0) if linear else None

    def _locate_events(self) -> FloatArray:
        """Each event's order price clipped into its bar's [low, high]; NaN where no bar."""
        c, ev = self.candles, self.events
        bar = np.searchsorted(c.ts_ms, ev.ts_ms, side="right") - 1
        safe = np.clip(bar, 0, max(len(c) - 1, 0))
        inside = (bar >= 0) & (ev.ts_ms < c.ts_ms[safe] + c.interval_ms) if len(c) else bar < -1
        loc = np.full(len(ev), np.nan)
        loc[inside] = np.clip(ev.price[inside], c.low[safe[inside]], c.high[safe[inside]])
        return loc

    # --- maps ------------------------------------------------------------------------------------

    def map_at(self, t: int) -> MapSnapshot:
        """The maps as of ``t`` from data known at ``t``.

        Raises
        ------
        EmptyWindowError
            No bar closed inside the window.
        DataFileError
            No bar of the window has a volume or an OI change (nothing can be sized).
        """
        cfg, p = self.config, self.params
        window = select_window(self.candles, t, cfg.window_ms)
        fed = self.events.between(window.start_ms, t) if cfg.feed_liquidations else None
        p, bars, ev = prepare(window.candles, _oi_known_at(self.oi, t), fed, p)
        w = window.candles
        price = float(w.close[-1])
        f_long, f_short = self._fixed_f or tier_spans(self.venue, p, self.table, price)
        half = auto_range_pct(
            f_long, f_short, price=price, low=float(w.low.min()), high=float(w.high.max())
        )
        grid = Grid.around(price, half, cfg.bins)
        state = KernelState(grid, len(p.leverages))
        run_kernel(state, bars, p, f_long, f_short, events=ev)
        m_long, m_short = state.usd()
        lstate = KernelState(grid, len(p.leverages))
        run_kernel(lstate, ladder_inputs(w, p)[0], self._ladder_params, *self._ladder_f)
        l_long, l_short = lstate.usd()
        return MapSnapshot(
            as_of_ms=t,
            price=price,
            grid=grid,
            model_long=m_long.sum(axis=0),
            model_short=m_short.sum(axis=0),
            ladder_long=l_long.sum(axis=0),
            ladder_short=l_short.sum(axis=0),
            bar_coverage=min(1.0, len(w) / max(window.expected_bars, 1)),
            sized_share=1.0 - bars.bars_unsized / len(w),
        )

    # --- scoring ---------------------------------------------------------------------------------

    def _truth_missing(self, t: int, end: int) -> bool:
        lo, hi = self.truth_span
        if t < lo or end > hi:
            return True
        return any(a < end and b > t for a, b in self.outages)

    def score_at(self, snap: MapSnapshot, horizon_ms: int) -> str | list[tuple[float, ...]]:
        """Rows ``(side, method, spearman, top_share, pred, actual, range_pct, visited,
        actual_in_region)`` for one map and horizon, or the reason it cannot be scored."""
        c, t = self.candles, snap.as_of_ms
        end = t + horizon_ms
        j0 = int(np.searchsorted(c.ts_ms, t, side="left"))
        j1 = int(np.searchsorted(c.ts_ms, end - c.interval_ms, side="right"))
        if j1 - j0 < self.config.min_horizon_coverage * (horizon_ms // c.interval_ms):
            return "horizon_bars_missing"
        if self._truth_missing(t, end):
            return "truth_not_recorded"
        price = snap.price
        vlo = min(float(c.low[j0:j1].min()), price)
        vhi = max(float(c.high[j0:j1].max()), price)
        e0 = int(np.searchsorted(self.events.ts_ms, t, side="right"))
        e1 = int(np.searchsorted(self.events.ts_ms, end, side="right"))
        loc = self.located[e0:e1]
        loc = np.where(np.isnan(loc), np.clip(self.events.price[e0:e1], vlo, vhi), loc)
        side = self.events.side[e0:e1]
        usd = self.events.notional_usd[e0:e1]
        g = snap.grid
        idx = np.clip(np.floor((loc - g.lo) * g.inv_width), 0, g.n - 1).astype(np.int64)
        act_long = np.bincount(idx[side > 0], usd[side > 0], minlength=g.n)
        act_short = np.bincount(idx[side < 0], usd[side < 0], minlength=g.n)
        u_long, u_short = uniform_profile(
            g.edges, price, float(snap.model_long.sum()), float(snap.model_short.sum())
        )
        preds = {
            "model": (snap.model_long, snap.model_short),
            "ladder": (snap.ladder_long, snap.ladder_short),
            "uniform": (u_long, u_short),
        }
        regions = {"long": (vlo, price), "short": (price, vhi), "all": (vlo, vhi)}
        rows: list[tuple[float, ...]] = []
        for s_i, s in enumerate(SIDES):
            a, b = regions[s]
            visited = _visited(g, a, b)
            actual = (
                act_long if s == "long" else act_short if s == "short" else act_long + act_short
            )
            sel = (
                side > 0 if s == "long" else side < 0 if s == "short" else np.ones_like(side, bool)
            )
            total = float(usd[sel].sum())
            in_region = float(actual[visited].sum())
            rng = (b - a) / price * 100.0
            for m_i, m in enumerate(METHODS):
                pl, ps = preds[m]
                pred = pl if s == "long" else ps if s == "short" else pl + ps
                rows.append((
                    s_i, m_i,
                    metrics.spearman_visited(pred, actual, visited),
                    metrics.top_share(pred, actual, visited, self.config.top_q),
                    _mass_between(pred, g, a, b), total, rng, float(visited.sum()), in_region,
                ))  # fmt: skip
        return rows

    # --- the walk --------------------------------------------------------------------------------

    def run(self, start_ms: int, end_ms: int, *, label: str = "", notes: tuple[str, ...] = ()) -> BacktestResult:  # fmt: skip
        """Walk from ``start_ms`` to ``end_ms`` (evaluation times inclusive)."""
        cfg = self.config
        times = evaluation_times(start_ms, end_ms, cfg.every_ms)
        skipped: Counter[str] = Counter()
        by_h: dict[int, Counter[str]] = {h: Counter() for h in cfg.horizons_ms}
        rows: list[tuple[float, ...]] = []
        maps: list[tuple[float, ...]] = []
        for t in times.tolist():
            snap = snapshot_or_skip(self.map_at, t, skipped)
            if snap is None:
                continue
            maps.append((t, snap.bar_coverage, snap.sized_share,
                         float(snap.model_long.sum()), float(snap.model_short.sum())))  # fmt: skip
            for h in cfg.horizons_ms:
                out = self.score_at(snap, h)
                if isinstance(out, str):
                    by_h[h][out] += 1
                else:
                    by_h[h]["scored"] += 1
                    rows.extend((t, h, *r) for r in out)
        return BacktestResult.build(
            symbol=self.candles.symbol,
            label=label,
            venue=self.venue.value,
            config=cfg,
            params=self.params,
            start_ms=start_ms,
            end_ms=end_ms,
            times=len(times),
            maps=MapStats.from_rows(maps),
            skipped=dict(skipped),
            skipped_by_horizon={h: dict(v) for h, v in by_h.items()},
            points=Points.from_rows(rows),
            notes=notes,
        )


_TOL = 1e-6  # of a bin: a range ending this close to an edge does not reach the next bin


def _visited(g: Grid, a: float, b: float) -> NDArray[np.bool_]:
    """Bins of ``g`` that the closed price range ``[a, b]`` overlaps (by more than rounding)."""
    u0 = (a - g.lo) * g.inv_width
    u1 = (b - g.lo) * g.inv_width
    k0 = min(max(math.floor(u0 + _TOL), 0), g.n - 1)
    k1 = min(max(math.ceil(u1 - _TOL) - 1, k0), g.n - 1)
    out = np.zeros(g.n, dtype=np.bool_)
    out[k0 : k1 + 1] = True
    return out


def _mass_between(pred: FloatArray, g: Grid, a: float, b: float) -> float:
    """USD of ``pred`` inside ``[a, b]``, uniform within a bin (exact for a partial bin)."""
    cum = np.concatenate(([0.0], np.cumsum(pred)))

    def at(x: float) -> float:
        u = min(max((x - g.lo) * g.inv_width, 0.0), float(g.n))
        k = min(math.floor(u), g.n - 1)
        return float(cum[k] + (u - k) * pred[k])

    return max(at(b) - at(a), 0.0)


def backtest(
    candles: Candles,
    events: LiquidationEvents,
    *,
    start_ms: int | None = None,
    end_ms: int | None = None,
    venue: Venue = Venue.BINANCE,
    table: MarginTable | None = None,
    oi: OpenInterest | None = None,
    params: EstimatorParams | None = None,
    config: BacktestConfig | None = None,
    outages: tuple[tuple[int, int], ...] = (),
    label: str = "",
    notes: tuple[str, ...] = (),
) -> BacktestResult:
    """Walk-forward backtest of the map (and the baselines) against observed liquidations.

    ``start_ms``/``end_ms`` bound the evaluation times (default: the span of the events);
    ``outages`` are periods in which the events were not recorded: horizons overlapping one are
    skipped and counted (``truth_not_recorded``), never scored as "nothing liquidated".
    """
    wf = WalkForward(
        candles, events, venue=venue, table=table, oi=oi, params=params, config=config,
        outages=outages,
    )  # fmt: skip
    s = int(events.ts_ms[0]) if start_ms is None else start_ms
    e = int(events.ts_ms[-1]) if end_ms is None else end_ms
    return wf.run(s, e, label=label, notes=notes)
