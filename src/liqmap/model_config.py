"""Frozen, validated configuration of the estimator.

The defaults are documented in ``docs/model.md``; every field can be overridden from the CLI, a
JSON parameter file (``map --params FILE``; unknown keys are rejected) or the Python API.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from liqmap.errors import ParameterError
from liqmap.leverage_law import (
    CELL_LEVERAGES,
    LEVERAGE_CELLS,
    MIN_CELL_MASS,
    cell_mean_leverages,
    lognormal_cells,
    parse_leverage_mix,
)
from liqmap.numbers import format_number

__all__ = [
    "CELL_LEVERAGES",
    "DEFAULT_PARAMS",
    "LEVERAGE_CELLS",
    "MIN_CELL_MASS",
    "EstimatorParams",
    "cell_mean_leverages",
    "lognormal_cells",
    "parse_leverage_mix",
]


@dataclass(frozen=True, slots=True)
class EstimatorParams:
    """Free parameters of the liquidation-level estimator.

    The leverage mix is a log-normal law (``leverage_median``, ``leverage_sigma``) discretised
    on :data:`LEVERAGE_CELLS` unless ``leverages`` and ``weights`` are given explicitly (then the
    tiers are used as given). Half-lives follow ``half_life_10x_hours * (L / 10) ** -exponent``
    unless given. Where an OI level is known (or implied from volume at ``turnover_per_day``) the
    live notional is kept equal to it (docs/model.md 2.12-2.13).

    Attributes
    ----------
    leverages
        Leverage tiers (e.g. ``(5, 10, 25, 50, 100)``), strictly increasing.
    weights
        Share of newly opened notional at each tier; non-negative, summing to 1.
    half_life_hours
        Per-tier half-life of open positions (positions also close when OI falls); ``inf`` disables.
    position_notional_usd
        Representative position size used to pick the maintenance-margin bracket of each tier.
    entry_spread
        Entries are spread uniformly over the bar's range shrunk toward the typical price
        ``(high + low + close) / 3`` by this factor: 1 = the whole ``[low, high]``, 0 = one price.
    side_split_strength
        How strongly taker-flow imbalance tilts new notional to longs or shorts:
        ``long_share = 0.5 + strength * (buy - sell) / (2 * (buy + sell))``, clipped to [0, 1].
    volume_open_fraction
        Without open-interest history: share of each bar's turnover (USD) assumed to open new
        positions (the documented volume fallback).
    subtract_liquidations
        When observed liquidation events are given, remove their notional from the matching levels.
    leverage_median, leverage_sigma, leverage_median_ci, leverage_sigma_ci
        The log-normal leverage law and the ranges the bands draw from (docs/model.md 2.11).
    half_life_10x_hours, half_life_exponent
        Half-life law ``h(L) = h10 * (L / 10) ** -exponent`` (used when half-lives are not given).
    turnover_per_day, turnover_ci
        Measured volume per unit of OI per day: without OI, OI = EMA(volume per day) / turnover
        (0 restores the ``volume_open_fraction`` rule).
    band_log_sigma
        Residual log-dispersion that widens the 80% bands (``exp(-/+ 1.2816 * sigma)``) when
        the conformal quantiles are not given.
    band_log_q10, band_log_q90
        Conformal band quantiles: the 10% quantile of ``log(observed / p10)`` and the 90%
        quantile of ``log(observed / p90)`` hourly USD on the calibration data; the bands are
        ``p10 * exp(q10)`` and ``p90 * exp(q90)`` (both or neither; docs/model.md 2.14).
    band_floor_share
        Share of the side's total USD, spread evenly over its side of the grid, added to the
        p90 band before its factor: the upper band is never empty next to the price.
    prior_spread
        Entries of the stock held before the window spread this far beyond the first bar's range.
    oi_anchor
        Keep the live notional equal to a known OI level (stock-flow rule); False restores the
        net-OI-change rule (opens = max(dOI, 0), pro-rata closes).
    cell_spread
        With the log-normal law, how far each cell's levels spread from its mean-distance
        leverage toward its two edges, in liquidation distance: 1 = the whole cell (the 100x
        cell over 70x..125x: the continuous law's histogram over distance), 0 = every position
        of the cell at its mean-distance leverage (docs/model.md 2.11).
    fresh_share
        Scale of the positions opened and liquidated within a scored move
        (:meth:`LiquidationMap.usd_if`, docs/model.md 2.17); 0 scores the map's levels only.
    """

    leverages: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()
    half_life_hours: tuple[float, ...] = ()
    position_notional_usd: float = 10_000.0
    entry_spread: float = 1.0
    side_split_strength: float = 1.0
    volume_open_fraction: float = 0.10
    subtract_liquidations: bool = True
    # Development window only (Binance BTC 2026-01-27..02-16; docs/model.md 2.11). The hourly fit
    # (accuracy/calibrate_leverage.py) runs to the 125x bound; the walk-forward dev scoring of
    # the profile median 20 / 50 / 125x prefers 50x (partial Spearman 0.35 / 0.37 / 0.21), so
    # 50x is shipped with the coarse profile range 20..100x (not a bootstrap interval).
    leverage_median: float = 50.0
    leverage_sigma: float = 1.0
    leverage_median_ci: tuple[float, float] | None = (20.0, 100.0)
    leverage_sigma_ci: tuple[float, float] | None = (0.6, 1.5)
    # the turnover identity (docs/model.md 2.11, leverage_law.turnover_half_life_10x): positions
    # close as fast as the market turns over, turnover_per_day / 2 per day stock-weighted:
    # 48 ln 2 / (3.4 * sum_k w_k (L_k / 10) ** -0.88) = 23.6 h with the default law (was 96 h)
    half_life_10x_hours: float = 23.6
    half_life_exponent: float = 0.88
    # measured: Binance BTCUSDT 24h volume 265,073 BTC / OI 78,555 BTC (ws-samples, 2024-01-30);
    # 80% range of daily volume / that OI over the prior 30 days: 1.3..7.3 (docs/model.md 2.11)
    turnover_per_day: float = 3.4
    turnover_ci: tuple[float, float] | None = (1.3, 7.3)
    band_log_sigma: float = 1.85  # sd of log(observed / predicted) hourly USD on the fit
    # split-conformal bands (docs/model.md 2.14), fitted on the development window only by
    # `python scripts/accuracy.py --fit-bands`: the widest quantiles over 4 time blocks of 5
    # days (558 hourly side-intervals, 87.3% inside in sample), scoring the levels plus the
    # fresh positions (2.17), refitted with the turnover-identity half-lives (2.11); they
    # replace the symmetric band_log_sigma rule
    band_log_q10: float | None = -5.586
    band_log_q90: float | None = -2.884
    band_floor_share: float = 1.0
    prior_spread: float = 0.02
    oi_anchor: bool = True
    cell_spread: float = 0.1
    # fitted on the development window only (`python scripts/accuracy.py --fit-fresh`):
    # 0.31, 95% day-block bootstrap interval 0.19..0.43 (docs/model.md 2.17; 0.27 with the
    # 96 h half-lives before the turnover identity)
    fresh_share: float = 0.31
    derived: bool = field(default=False, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.leverages and not self.weights:
            _check_range("leverage_median", self.leverage_median, 1.01, 500.0)
            _check_range("leverage_sigma", self.leverage_sigma, 0.01, 5.0)
            levs, w = lognormal_cells(self.leverage_median, self.leverage_sigma)
            object.__setattr__(self, "leverages", levs)
            object.__setattr__(self, "weights", w)
            object.__setattr__(self, "derived", True)
        elif self._is_law_copy():  # e.g. dataclasses.replace() of a derived instance
            object.__setattr__(self, "derived", True)
        if not self.half_life_hours and self.leverages:
            object.__setattr__(self, "half_life_hours", self.half_lives_for(self.leverages))
        for name in ("leverage_median_ci", "leverage_sigma_ci", "turnover_ci"):
            v = getattr(self, name)
            if v is not None:
                object.__setattr__(self, name, (float(v[0]), float(v[1])))
        object.__setattr__(self, "leverages", tuple(float(x) for x in self.leverages))
        object.__setattr__(self, "weights", tuple(float(x) for x in self.weights))
        object.__setattr__(self, "half_life_hours", tuple(float(x) for x in self.half_life_hours))
        self._validate()

    def _validate(self) -> None:
        n = len(self.leverages)
        if n == 0:
            raise ParameterError("leverages: give at least one leverage tier, e.g. '10:0.5,25:0.5'")
        if len(self.weights) != n or len(self.half_life_hours) != n:
            raise ParameterError(
                f"leverages ({n}), weights ({len(self.weights)}) and half_life_hours "
                f"({len(self.half_life_hours)}) must have the same length"
            )
        for lev in self.leverages:
            if not (math.isfinite(lev) and lev > 1.0):
                raise ParameterError(f"leverages: each tier must be a finite number > 1, got {lev}")
        if any(b <= a for a, b in zip(self.leverages, self.leverages[1:], strict=False)):
            raise ParameterError(f"leverages must be strictly increasing, got {self.leverages}")
        if any(not math.isfinite(w) or w < 0 for w in self.weights):
            raise ParameterError(f"weights must be finite and >= 0, got {self.weights}")
        if abs(sum(self.weights) - 1.0) > 1e-6:
            raise ParameterError(
                f"leverage weights must sum to 1, they sum to {sum(self.weights):.6g}; "
                "rescale them, e.g. '10:0.3,25:0.3,50:0.25,100:0.15'"
            )
        if any(not (h > 0) for h in self.half_life_hours):
            raise ParameterError(
                f"half_life_hours must be > 0 (inf disables), got {self.half_life_hours}"
            )
        _check_range("position_notional_usd", self.position_notional_usd, 1e-9, math.inf)
        _check_range("entry_spread", self.entry_spread, 0.0, 1.0)
        _check_range("side_split_strength", self.side_split_strength, 0.0, 2.0)
        _check_range("volume_open_fraction", self.volume_open_fraction, 0.0, 1.0)
        _check_range("half_life_10x_hours", self.half_life_10x_hours, 1e-6, math.inf)
        _check_range("half_life_exponent", self.half_life_exponent, -3.0, 3.0)
        _check_range("turnover_per_day", self.turnover_per_day, 0.0, 1e4)
        _check_range("band_log_sigma", self.band_log_sigma, 0.0, 10.0)
        self._validate_bands()
        _check_range("prior_spread", self.prior_spread, 0.0, 0.5)
        _check_range("cell_spread", self.cell_spread, 0.0, 1.0)
        _check_range("fresh_share", self.fresh_share, 0.0, 100.0)
        for name in ("leverage_median_ci", "leverage_sigma_ci", "turnover_ci"):
            v = getattr(self, name)
            if v is not None and not (0 < v[0] <= v[1] and math.isfinite(v[1])):
                raise ParameterError(f"{name} must be (low, high) with 0 < low <= high, got {v}")

    def _validate_bands(self) -> None:
        _check_range("band_floor_share", self.band_floor_share, 0.0, 10.0)
        q10, q90 = self.band_log_q10, self.band_log_q90
        if (q10 is None) != (q90 is None):
            raise ParameterError(
                "band_log_q10 and band_log_q90 go together: give both (e.g. from "
                "`python scripts/accuracy.py --fit-bands`) or neither"
            )
        if q10 is not None and q90 is not None:
            _check_range("band_log_q10", q10, -30.0, 30.0)
            _check_range("band_log_q90", q90, -30.0, 30.0)
            if q10 > q90:
                raise ParameterError(f"band_log_q10 ({q10:g}) must be <= band_log_q90 ({q90:g})")

    def _is_law_copy(self) -> bool:
        """Whether the given tiers are exactly those the log-normal law derives."""
        try:
            levs, w = lognormal_cells(self.leverage_median, self.leverage_sigma)
        except (ParameterError, ValueError, ZeroDivisionError):
            return False
        same = tuple(self.leverages) == levs and tuple(self.weights) == w
        return same and (
            not self.half_life_hours or tuple(self.half_life_hours) == self.half_lives_for(levs)
        )

    def half_lives_for(self, leverages: tuple[float, ...]) -> tuple[float, ...]:
        """``h(L) = half_life_10x_hours * (L / 10) ** -half_life_exponent`` per leverage."""
        return tuple(
            float(self.half_life_10x_hours * (lev / 10.0) ** -self.half_life_exponent)
            for lev in leverages
        )

    def with_distribution(self, median: float, sigma: float) -> EstimatorParams:
        """A copy whose tiers are re-derived from a log-normal ``(median, sigma)``."""
        return replace(
            self, leverages=(), weights=(), half_life_hours=(),
            leverage_median=median, leverage_sigma=sigma,
        )  # fmt: skip

    def with_leverage_mix(self, text: str) -> EstimatorParams:
        """A copy with the tiers and weights of a ``'10:0.3,25:0.3,...'`` mix.

        Half-lives are kept for leverages already present and interpolated (log-log) otherwise.
        """
        levs, weights = parse_leverage_mix(text)
        old = dict(zip(self.leverages, self.half_life_hours, strict=True))
        halves = tuple(old.get(lev, _interp_half_life(lev, old)) for lev in levs)
        return replace(self, leverages=levs, weights=weights, half_life_hours=halves)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``inf`` written as ``null``)."""
        d = asdict(self)
        d.pop("derived")
        d["half_life_hours"] = [None if math.isinf(h) else h for h in self.half_life_hours]
        d["leverages"] = list(self.leverages)
        d["weights"] = list(self.weights)
        for name in ("leverage_median_ci", "leverage_sigma_ci", "turnover_ci"):
            d[name] = None if d[name] is None else list(d[name])
        if self.derived:  # tiers follow from the distribution: written for reading only
            d["derived_tiers"] = {"leverages": d.pop("leverages"), "weights": d.pop("weights"),
                                  "half_life_hours": d.pop("half_life_hours")}  # fmt: skip
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "parameters") -> EstimatorParams:
        """Build from a mapping; unknown keys are rejected with the list of known ones."""
        known = {f.name for f in fields(cls) if f.init} | {"derived_tiers"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ParameterError(
                f"{source}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(known))}"
            )
        clean = dict(data)
        clean.pop("derived_tiers", None)  # recomputed from the distribution
        for name in ("leverages", "weights", "half_life_hours"):
            if clean.get(name) is None:
                clean.pop(name, None)
        if "half_life_hours" in clean:
            clean["half_life_hours"] = tuple(
                math.inf if h is None else float(h) for h in clean["half_life_hours"]
            )
        try:
            return cls(**clean)
        except TypeError as exc:  # wrong value types
            raise ParameterError(f"{source}: {exc}") from exc


def _check_range(name: str, value: float, lo: float, hi: float) -> None:
    if not (math.isfinite(value) or hi == math.inf) or not (lo <= value <= hi):
        raise ParameterError(
            f"{name} must be in [{format_number(lo)}, {format_number(hi)}], got {format_number(value)}"
        )


def _interp_half_life(lev: float, table: dict[float, float]) -> float:
    finite = sorted((k, v) for k, v in table.items() if math.isfinite(v))
    if not finite:
        return math.inf
    if len(finite) == 1:
        return finite[0][1]
    xs = [math.log(k) for k, _ in finite]
    ys = [math.log(v) for _, v in finite]
    x = math.log(lev)
    if x <= xs[0]:
        return finite[0][1]
    if x >= xs[-1]:
        return finite[-1][1]
    for i in range(len(xs) - 1):
        if xs[i] <= x <= xs[i + 1]:
            t = (x - xs[i]) / (xs[i + 1] - xs[i])
            return math.exp(ys[i] + t * (ys[i + 1] - ys[i]))
    return finite[-1][1]  # pragma: no cover - unreachable


DEFAULT_PARAMS = EstimatorParams()
