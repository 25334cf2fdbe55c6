"""Calibration: fit the estimator's free parameters to observed liquidations (``liqmap calibrate``).

The objective (maps at evaluation times vs the liquidations of the following horizons, corrected
for the probability that price reaches each level) is defined and derived in
:mod:`liqmap.accuracy.calibrate_objective`. This module fits it:

* **parameters** (``config.fit``): leverage weights on the simplex (softmax), the half-lives as a
  common scale and a tilt with leverage, ``side_split_strength`` in [0, 2], ``entry_spread`` in
  [0, 1]; tiers, position size and the rest stay those of ``base`` (:class:`Space`);
* **prior**: ``ridge * sum(((x - x0) / step) ** 2)`` is added to the objective (``step``: 0.7 per
  weight logit, 0.5 for the half-life scale, 0.3 for its tilt, 0.4 for the side split, 0.3 for the
  entry spread). Liquidations within hours of ``t`` never reach the levels of low-leverage tiers
  (10-20% away), so their weights only trade off against the profiled scale and are not
  identified; the prior keeps such directions at ``base`` instead of letting them drift;
* **optimiser**: bounded Nelder-Mead from ``base`` (or seeded differential evolution), stopped
  after ``max_evals`` objective evaluations or ``max_seconds``; the best point seen is kept;
* **out of sample**: with a holdout time, the fit uses evaluation times whose horizons end before
  it, and both ``base`` and the fitted parameters are then scored on the later times.

The result writes a parameter file (``{"params": ..., "fitted_on": ..., "objective": ...}``) that
``liqmap map --params FILE`` and :func:`liqmap.api.load_params` read.
"""

from __future__ import annotations

import importlib
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from liqmap.accuracy.calibrate_objective import (
    FIT_GROUPS,
    CalibrationConfig,
    Objective,
    Problem,
    Reach,
)
from liqmap.accuracy.calibrate_reach import case_loss, excursions, reach_probability
from liqmap.core.results import iso_ms
from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.errors import ParameterError
from liqmap.io.atomic import atomic_writer
from liqmap.model_config import DEFAULT_PARAMS, EstimatorParams

__all__ = [
    "FIT_GROUPS",
    "SCHEMA",
    "CalibrationConfig",
    "CalibrationResult",
    "Objective",
    "Problem",
    "Reach",
    "Space",
    "calibrate",
    "case_loss",
    "excursions",
    "fit_params",
    "reach_probability",
]

FloatArray = NDArray[np.float64]
ProgressFn = Callable[[int, float], None]
SCHEMA = "liqmap.calibration/1"


class Space:
    """The fitted parameters as a bounded real vector ``x`` around ``base``.

    Weights: ``softmax(0, z_1..z_{K-1})`` (the first tier is the reference); half-lives:
    ``h_k = base_k * exp(tau) * (L_k / L_ref) ** -delta``, ``L_ref`` the tiers' geometric mean
    (``tau`` scales every half-life, ``delta > 0`` shortens high leverage relative to low);
    side split in [0, 2]; entry spread in [0, 1]. ``params(x0)`` is ``base`` (weights floored
    at 1e-4 before the log).
    """

    def __init__(self, base: EstimatorParams, fit: Sequence[str]) -> None:
        self.base, self.fit = base, tuple(fit)
        k = len(base.leverages)
        w = np.maximum(np.asarray(base.weights), 1e-4)
        x0: list[float] = []
        bounds: list[tuple[float, float]] = []
        steps: list[float] = []
        if "weights" in self.fit and k > 1:
            x0 += [float(v) for v in np.log(w[1:] / w[0])]
            bounds += [(-9.0, 9.0)] * (k - 1)
            steps += [0.7] * (k - 1)
        if "half_lives" in self.fit:
            x0 += [0.0, 0.0]
            bounds += [(-math.log(16.0), math.log(16.0)), (-1.5, 1.5)]
            steps += [0.5, 0.3]
        if "side_split" in self.fit:
            x0.append(base.side_split_strength)
            bounds.append((0.0, 2.0))
            steps.append(0.4)
        if "entry_spread" in self.fit:
            x0.append(base.entry_spread)
            bounds.append((0.0, 1.0))
            steps.append(0.3)
        if not bounds:
            raise ParameterError("nothing to fit: one tier and --fit weights only")
        self.bounds = bounds
        self._lo = np.array([b[0] for b in bounds])
        self._hi = np.array([b[1] for b in bounds])
        self.x0 = np.clip(np.array(x0), self._lo, self._hi)
        self.steps = np.array(steps)
        lev = np.log(np.asarray(base.leverages))
        self._tilt = lev - lev.mean()

    def params(self, x: FloatArray) -> EstimatorParams:
        """The parameters at ``x`` (clipped into the bounds)."""
        x = np.clip(np.asarray(x, dtype=np.float64), self._lo, self._hi)
        b, i = self.base, 0
        kw: dict[str, Any] = {}
        k = len(b.leverages)
        if "weights" in self.fit and k > 1:
            z = np.concatenate(([0.0], x[: k - 1]))
            e = np.exp(z - z.max())
            kw["weights"] = tuple(float(v) for v in e / e.sum())
            i = k - 1
        if "half_lives" in self.fit:
            f = np.exp(x[i] - x[i + 1] * self._tilt)
            kw["half_life_hours"] = tuple(
                float(h * m) for h, m in zip(b.half_life_hours, f, strict=True)
            )
            i += 2
        if "side_split" in self.fit:
            kw["side_split_strength"] = float(x[i])
            i += 1
        if "entry_spread" in self.fit:
            kw["entry_spread"] = float(x[i])
        return replace(b, **kw)

    def penalty(self, x: FloatArray, ridge: float) -> float:
        """``ridge * sum(((x - x0) / step) ** 2)``: keeps what the data cannot identify (e.g. the
        weight of tiers whose levels no horizon reaches) at ``base``."""
        z = (np.clip(np.asarray(x, dtype=np.float64), self._lo, self._hi) - self.x0) / self.steps
        return float(ridge * np.dot(z, z))

    def simplex(self) -> FloatArray:
        """Nelder-Mead's first simplex: ``x0`` plus one step along each axis (inward at a bound)."""
        pts = [self.x0]
        for j, step in enumerate(self.steps):
            x = self.x0.copy()
            x[j] += step if x[j] + step <= self._hi[j] else -step
            pts.append(x)
        return np.array(pts)


class _BudgetError(Exception):
    """The evaluation or time budget is spent (stops the optimiser; the best point is kept)."""


def fit_params(
    problem: Problem, base: EstimatorParams = DEFAULT_PARAMS, progress: ProgressFn | None = None
) -> tuple[EstimatorParams, int, str]:
    """Minimise ``problem``'s objective from ``base``.

    Returns the best parameters seen, the number of objective evaluations and how the search
    ended (``converged`` or ``budget``). Deterministic: Nelder-Mead has no randomness and
    differential evolution is seeded with ``config.seed``. ``progress(evals, best)`` is called
    after every evaluation.
    """
    cfg = problem.cfg
    space = Space(base, cfg.fit)
    best: list[Any] = [math.inf, space.x0]
    evals = [0]
    t0 = time.perf_counter()

    def f(x: FloatArray) -> float:
        if evals[0] >= cfg.max_evals or time.perf_counter() - t0 > cfg.max_seconds:
            raise _BudgetError
        v = problem.objective(space.params(x)).total + space.penalty(x, cfg.ridge)
        evals[0] += 1
        v = v if math.isfinite(v) else 1e9
        if v < best[0]:
            best[0], best[1] = v, np.array(x, dtype=np.float64)
        if progress is not None:
            progress(evals[0], float(best[0]))
        return v

    from liqmap.extras import require

    require("calibrate", "calibration")
    opt = importlib.import_module("scipy.optimize")  # imported by name: scipy has no type stubs
    stopped = "converged"
    try:
        if cfg.method == "nelder-mead":
            opt.minimize(
                f, space.x0, method="Nelder-Mead", bounds=space.bounds,
                options={"initial_simplex": space.simplex(), "maxfev": cfg.max_evals,
                         "xatol": 1e-3, "fatol": 1e-4, "adaptive": len(space.x0) > 4},
            )  # fmt: skip
        else:
            pop = 6
            opt.differential_evolution(
                f, space.bounds, x0=space.x0, seed=cfg.seed, popsize=pop, tol=1e-4,
                maxiter=max(1, cfg.max_evals // (pop * len(space.x0))), polish=False,
                init="sobol", updating="immediate",
            )  # fmt: skip
    except _BudgetError:
        stopped = "budget"
    if evals[0] >= cfg.max_evals:
        stopped = "budget"
    return space.params(best[1]), evals[0], stopped


@dataclass(frozen=True, slots=True)
class CalibrationResult:
    """Fitted parameters with the base they started from and both scored in and out of sample.

    ``in_sample`` and ``out_of_sample`` are ``(base, fitted)`` objectives (lower is better);
    ``out_of_sample`` is ``None`` without a holdout.
    """

    params: EstimatorParams
    base: EstimatorParams
    config: CalibrationConfig
    fit_span: tuple[int, int]
    holdout_span: tuple[int, int] | None
    in_sample: tuple[Objective, Objective]
    out_of_sample: tuple[Objective, Objective] | None
    evaluations: int
    seconds: float
    stopped: str
    skipped: dict[str, int]

    def to_dict(self, fitted_on: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The parameter file's content; ``fitted_on`` adds data provenance (symbol, files)."""
        cfg = self.config
        hold = self.holdout_span
        span = {
            "fit_from": iso_ms(self.fit_span[0]), "fit_to": iso_ms(self.fit_span[1]),
            "holdout_from": iso_ms(hold[0]) if hold else None,
            "holdout_to": iso_ms(hold[1]) if hold else None,
            "warmup_hours": cfg.warmup_ms / 3_600_000, "every_hours": cfg.every_ms / 3_600_000,
            "horizons_hours": [h / 3_600_000 for h in cfg.horizons_ms], "reach": cfg.reach,
            "fitted": list(cfg.fit), "skipped": dict(self.skipped),
        }  # fmt: skip

        def pair(p: tuple[Objective, Objective] | None) -> dict[str, Any] | None:
            return None if p is None else {"base": p[0].to_dict(), "fitted": p[1].to_dict()}

        return {
            "schema": SCHEMA,
            "params": self.params.to_dict(),
            "base_params": self.base.to_dict(),
            "fitted_on": {**dict(fitted_on or {}), **span},
            "objective": {"in_sample": pair(self.in_sample), "out_of_sample": pair(self.out_of_sample)},
            "optimiser": {"method": cfg.method, "evaluations": self.evaluations,
                          "seconds": round(self.seconds, 2), "stopped": self.stopped,
                          "max_evals": cfg.max_evals, "seed": cfg.seed},
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }  # fmt: skip

    def write(self, path: str | Path, fitted_on: Mapping[str, Any] | None = None) -> Path:
        """Write the parameter file atomically (JSON, NaN as ``null``)."""
        p = Path(path)
        text = json.dumps(self.to_dict(fitted_on), indent=2, allow_nan=False)
        with atomic_writer(p) as f:
            f.write(text + "\n")
        return p


def calibrate(
    candles: Candles,
    events: LiquidationEvents,
    *,
    start_ms: int,
    end_ms: int,
    holdout_ms: int | None = None,
    oi: OpenInterest | None = None,
    venue: Venue = Venue.BINANCE,
    table: MarginTable | None = None,
    base: EstimatorParams = DEFAULT_PARAMS,
    config: CalibrationConfig | None = None,
    outages: tuple[tuple[int, int], ...] = (),
    truth_span: tuple[int, int] | None = None,
    progress: ProgressFn | None = None,
) -> CalibrationResult:
    """Fit ``base``'s free parameters on evaluation times in ``[start_ms, end_ms]``.

    With ``holdout_ms``, the fit uses the times whose longest horizon ends by ``holdout_ms`` and
    the times from ``holdout_ms`` to ``end_ms`` score the base and fitted parameters out of
    sample. Reach probabilities (``reach='probability'``) come from the fitting period's bars.
    ``outages`` and ``truth_span`` (default: first to last event) say when the events were
    recorded; horizons outside are skipped. A simulator's tape is complete: pass its whole span.

    Raises
    ------
    ParameterError
        ``start_ms >= end_ms`` or a holdout outside ``(start_ms, end_ms)``.
    EmptyWindowError
        No usable evaluation time in a period.
    """
    cfg = config or CalibrationConfig()
    if start_ms >= end_ms:
        raise ParameterError(f"--from ({iso_ms(start_ms)}) must be before --to ({iso_ms(end_ms)})")
    if holdout_ms is not None and not (start_ms < holdout_ms < end_ms):
        raise ParameterError(f"--holdout ({iso_ms(holdout_ms)}) must lie between --from and --to")
    t0 = time.perf_counter()
    fit_end = end_ms if holdout_ms is None else holdout_ms - max(*cfg.horizons_ms, cfg.every_ms)
    reach_bars = candles.between(start_ms, holdout_ms or end_ms)
    common: dict[str, Any] = {
        "oi": oi, "venue": venue, "table": table, "config": cfg, "outages": outages,
        "truth_span": truth_span,
        "reach_candles": reach_bars, "base": base,
    }  # fmt: skip
    fit_pb = Problem(candles, events, start_ms=start_ms, end_ms=fit_end, **common)
    fitted, n, stopped = fit_params(fit_pb, base, progress)
    ins = (fit_pb.objective(base, details=True), fit_pb.objective(fitted, details=True))
    oos = None
    hold = None
    skipped = dict(fit_pb.skipped)
    if holdout_ms is not None:
        hold_pb = Problem(candles, events, start_ms=holdout_ms, end_ms=end_ms, **common)
        oos = (hold_pb.objective(base, details=True), hold_pb.objective(fitted, details=True))
        hold = (holdout_ms, end_ms)
        skipped = {
            k: skipped.get(k, 0) + hold_pb.skipped.get(k, 0) for k in {*skipped, *hold_pb.skipped}
        }
    return CalibrationResult(
        params=fitted, base=base, config=cfg, fit_span=(start_ms, fit_end), holdout_span=hold,
        in_sample=ins, out_of_sample=oos, evaluations=n, seconds=time.perf_counter() - t0,
        stopped=stopped, skipped=skipped,
    )  # fmt: skip
