"""The backtest's configuration and its immutable result: per-evaluation points and scores."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from liqmap.accuracy import metrics
from liqmap.core.maps import DEFAULT_BINS
from liqmap.core.results import iso_ms
from liqmap.errors import ParameterError
from liqmap.model_config import EstimatorParams

if TYPE_CHECKING:
    from rich.table import Table

__all__ = [
    "METHODS",
    "SCHEMA",
    "SIDES",
    "BacktestConfig",
    "BacktestResult",
    "MapStats",
    "Points",
    "Score",
    "horizon_label",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
SIDES = ("long", "short", "all")
METHODS = ("model", "ladder", "uniform")
SCHEMA = "liqmap.backtest/1"


def horizon_label(ms: int) -> str:
    """``3_600_000 -> '1h'``, ``86_400_000 -> '24h'``, ``300_000 -> '5m'``."""
    return f"{ms // HOUR_MS}h" if ms % HOUR_MS == 0 else f"{ms / 60_000:g}m"


@dataclass(frozen=True, slots=True)
class BacktestConfig:
    """How the walk-forward runs and scores (validated; durations in ms).

    ``min_horizon_coverage``: share of a horizon's bars that must be present to score it (the
    visited range is unknown otherwise). ``feed_liquidations``: the model subtracts the events
    observed before ``t`` from its levels, as ``liqmap map --liquidations`` does.
    """

    window_ms: int = DAY_MS
    every_ms: int = HOUR_MS
    horizons_ms: tuple[int, ...] = (HOUR_MS, 4 * HOUR_MS, DAY_MS)
    bins: int = DEFAULT_BINS
    top_q: float = 0.2
    min_horizon_coverage: float = 0.9
    feed_liquidations: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "horizons_ms", tuple(sorted({int(h) for h in self.horizons_ms})))
        if self.window_ms <= 0 or self.every_ms <= 0:
            raise ParameterError("window and --every must be positive")
        if not self.horizons_ms or self.horizons_ms[0] <= 0:
            raise ParameterError(f"horizons must be positive, got {self.horizons_ms}")
        if not (0.0 < self.top_q <= 1.0):
            raise ParameterError(f"top_q must be in (0, 1], got {self.top_q}")
        if not (0.0 <= self.min_horizon_coverage <= 1.0):
            raise ParameterError(
                f"min_horizon_coverage must be in [0, 1], got {self.min_horizon_coverage}"
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "window_ms": self.window_ms,
            "every_ms": self.every_ms,
            "horizons": [horizon_label(h) for h in self.horizons_ms],
            "horizons_ms": list(self.horizons_ms),
            "bins": self.bins,
            "top_q": self.top_q,
            "min_horizon_coverage": self.min_horizon_coverage,
            "feed_liquidations": self.feed_liquidations,
        }


def _ro(a: NDArray[Any]) -> NDArray[Any]:
    arr = np.array(a, copy=True)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, slots=True)
class Points:
    """One row per (evaluation time, horizon, side, method): struct of read-only arrays.

    ``side``/``method`` index :data:`SIDES`/:data:`METHODS`; ``pred_usd`` is the map's USD inside
    the visited region, ``actual_usd`` all USD liquidated on the side in the horizon,
    ``actual_in_region_usd`` the part located inside the visited bins.
    """

    t_ms: IntArray
    horizon_ms: IntArray
    side: IntArray
    method: IntArray
    spearman: FloatArray
    top_share: FloatArray
    pred_usd: FloatArray
    actual_usd: FloatArray
    range_pct: FloatArray
    visited_bins: IntArray
    actual_in_region_usd: FloatArray

    @classmethod
    def from_rows(cls, rows: Sequence[tuple[float, ...]]) -> Points:
        """From ``(t, h, side, method, spearman, top, pred, actual, range, visited, in_region)``."""
        a = np.array(rows, dtype=np.float64).reshape(-1, 11)
        i = a[:, [0, 1, 2, 3, 9]].astype(np.int64)  # exact: times < 2**53 ms
        return cls(
            t_ms=_ro(i[:, 0]), horizon_ms=_ro(i[:, 1]), side=_ro(i[:, 2]), method=_ro(i[:, 3]),
            spearman=_ro(a[:, 4]), top_share=_ro(a[:, 5]), pred_usd=_ro(a[:, 6]),
            actual_usd=_ro(a[:, 7]), range_pct=_ro(a[:, 8]), visited_bins=_ro(i[:, 4]),
            actual_in_region_usd=_ro(a[:, 10]),
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.t_ms)

    def mask(self, horizon_ms: int, side: str, method: str) -> NDArray[np.bool_]:
        """Rows of one horizon, side and method."""
        out: NDArray[np.bool_] = (
            (self.horizon_ms == horizon_ms)
            & (self.side == SIDES.index(side))
            & (self.method == METHODS.index(method))
        )
        return out


@dataclass(frozen=True, slots=True)
class MapStats:
    """Per built map: time, bar coverage of its window, share of sized bars, totals (USD)."""

    t_ms: IntArray
    bar_coverage: FloatArray
    sized_share: FloatArray
    long_usd: FloatArray
    short_usd: FloatArray

    @classmethod
    def from_rows(cls, rows: Sequence[tuple[float, ...]]) -> MapStats:
        """From ``(t, coverage, sized, long, short)`` rows."""
        a = np.array(rows, dtype=np.float64).reshape(-1, 5)
        return cls(_ro(a[:, 0].astype(np.int64)), *(_ro(a[:, k]) for k in range(1, 5)))

    def __len__(self) -> int:
        return len(self.t_ms)


def _mean(x: FloatArray) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else math.nan


@dataclass(frozen=True, slots=True)
class Score:
    """Scores of one method for one horizon and side (NaN where undefined).

    ``spearman_se`` is the standard error of the mean with overlapping horizons counted once
    (``n_eff = n * min(1, every / horizon)``), an approximation. ``usd_ratio`` is the summed
    prediction over the summed actual USD. ``win_vs_ladder``: share of the evaluations scored by
    both in which this method's Spearman beats the ladder's (ties count half).
    """

    horizon_ms: int
    side: str
    method: str
    n: int
    spearman_mean: float
    spearman_median: float
    spearman_se: float
    top_share_mean: float
    n_log: int
    log_corr: float
    partial_corr: float
    usd_ratio: float
    win_vs_ladder: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (NaN as null)."""
        d = {k: getattr(self, k) for k in self.__slots__}
        d["horizon"] = horizon_label(self.horizon_ms)
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}  # fmt: skip


def _score(points: Points, cfg: BacktestConfig, h: int, side: str, method: str) -> Score:
    m = points.mask(h, side, method)
    rho = points.spearman[m]
    ok = np.isfinite(rho)
    n = int(ok.sum())
    n_eff = n * min(1.0, cfg.every_ms / h)
    sd = float(rho[ok].std(ddof=1)) if n > 1 else math.nan
    pred, act, rng = points.pred_usd[m], points.actual_usd[m], points.range_pct[m]
    pos = (pred > 0) & (act > 0) & (rng > 0)
    lp, la, lr = (np.where(pos, np.log(np.where(pos, v, 1.0)), np.nan) for v in (pred, act, rng))
    win = math.nan
    if method != "ladder":
        other = points.spearman[points.mask(h, side, "ladder")]
        both = ok & np.isfinite(other)
        if both.any():
            d = rho[both] - other[both]
            win = float(((d > 0) + 0.5 * (d == 0)).mean())
    total_act = float(act.sum())
    return Score(
        horizon_ms=h, side=side, method=method, n=n,
        spearman_mean=_mean(rho), spearman_median=float(np.median(rho[ok])) if n else math.nan,
        spearman_se=sd / math.sqrt(n_eff) if n > 1 and n_eff > 0 else math.nan,
        top_share_mean=_mean(points.top_share[m]), n_log=int(pos.sum()),
        log_corr=metrics.log_corr(pred[pos], act[pos]), partial_corr=metrics.partial_corr(lp, la, lr),
        usd_ratio=float(pred.sum()) / total_act if total_act > 0 else math.nan,
        win_vs_ladder=win,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """What a walk-forward backtest measured; build with :meth:`build`.

    ``times`` evaluation times were tried; ``skipped`` counts those without a map (by reason),
    ``skipped_by_horizon`` the maps not scored at a horizon (by reason, plus ``scored``), so
    ``times == len(maps) + sum(skipped)`` and, per horizon, ``len(maps) == sum(values)``.
    """

    symbol: str
    label: str
    venue: str
    config: BacktestConfig
    params: EstimatorParams
    start_ms: int
    end_ms: int
    times: int
    maps: MapStats
    skipped: Mapping[str, int]
    skipped_by_horizon: Mapping[int, Mapping[str, int]]
    points: Points
    scores: tuple[Score, ...]
    notes: tuple[str, ...] = field(default=())

    @classmethod
    def build(cls, **kw: Any) -> BacktestResult:
        """The result with its scores computed from ``points`` (keywords as the fields)."""
        cfg, pts = kw["config"], kw["points"]
        scores = tuple(
            _score(pts, cfg, h, s, m) for h in cfg.horizons_ms for s in SIDES for m in METHODS
        )
        return cls(**kw, scores=scores)

    def score(self, horizon_ms: int, side: str, method: str) -> Score:
        """The score of one horizon, side and method."""
        for s in self.scores:
            if (s.horizon_ms, s.side, s.method) == (horizon_ms, side, method):
                return s
        raise ParameterError(f"no score for horizon {horizon_ms} ms, {side}, {method}")

    def calibration(
        self, horizon_ms: int, side: str, method: str, n: int = 10
    ) -> tuple[FloatArray, FloatArray, IntArray]:
        """Calibration buckets (predicted vs actual USD in the visited region)."""
        m = self.points.mask(horizon_ms, side, method)
        return metrics.calibration_buckets(self.points.pred_usd[m], self.points.actual_usd[m], n)

    def summary_table(self) -> Table:
        """A rich table: every metric of the model next to the baselines."""
        from liqmap.accuracy.report import summary_table

        return summary_table(self)

    def summary(self) -> str:
        """The terminal table as plain text."""
        from liqmap.accuracy.report import render_text

        return render_text(self.summary_table())

    def plot(self, path: str | Path) -> Path:
        """Draw the scores and the calibration to a PNG."""
        from liqmap.accuracy.report import plot_result

        return plot_result(self, Path(path))

    def to_dict(self, *, points: bool = False) -> dict[str, Any]:
        """JSON-ready form (layout ``liqmap.backtest/1``; NaN written as null)."""
        d: dict[str, Any] = {
            "schema": SCHEMA,
            "symbol": self.symbol,
            "label": self.label,
            "venue": self.venue,
            "period": {
                "start_ms": self.start_ms, "end_ms": self.end_ms,
                "start": iso_ms(self.start_ms), "end": iso_ms(self.end_ms),
            },
            "config": self.config.to_dict(),
            "params": self.params.to_dict(),
            "evaluation_times": self.times,
            "maps": len(self.maps),
            "skipped": dict(self.skipped),
            "skipped_by_horizon": {
                horizon_label(h): dict(v) for h, v in self.skipped_by_horizon.items()
            },
            "map_bar_coverage_mean": _none(_mean(self.maps.bar_coverage)),
            "map_sized_share_mean": _none(_mean(self.maps.sized_share)),
            "scores": [s.to_dict() for s in self.scores],
            "notes": list(self.notes),
        }  # fmt: skip
        if points:
            p = self.points
            d["points"] = [
                {
                    "t_ms": int(p.t_ms[i]),
                    "horizon": horizon_label(int(p.horizon_ms[i])),
                    "side": SIDES[p.side[i]],
                    "method": METHODS[p.method[i]],
                    "spearman": _none(p.spearman[i]),
                    "top_share": _none(p.top_share[i]),
                    "pred_usd": float(p.pred_usd[i]),
                    "actual_usd": float(p.actual_usd[i]),
                    "range_pct": float(p.range_pct[i]),
                    "visited_bins": int(p.visited_bins[i]),
                }
                for i in range(len(p))
            ]
        return d


def _none(x: float) -> float | None:
    v = float(x)
    return v if math.isfinite(v) else None
