"""Frozen, validated configuration of the estimator.

The defaults are documented in ``docs/model.md``; every field can be overridden from the CLI, a
JSON parameter file (``map --params FILE``; unknown keys are rejected) or the Python API.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from liqmap.core.formatting import format_number
from liqmap.errors import ParameterError

__all__ = ["DEFAULT_PARAMS", "EstimatorParams", "parse_leverage_mix"]


@dataclass(frozen=True, slots=True)
class EstimatorParams:
    """Free parameters of the liquidation-level estimator.

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
    """

    leverages: tuple[float, ...] = (5.0, 10.0, 25.0, 50.0, 100.0)
    weights: tuple[float, ...] = (0.10, 0.30, 0.30, 0.20, 0.10)
    half_life_hours: tuple[float, ...] = (168.0, 96.0, 48.0, 24.0, 12.0)
    position_notional_usd: float = 10_000.0
    entry_spread: float = 1.0
    side_split_strength: float = 1.0
    volume_open_fraction: float = 0.10
    subtract_liquidations: bool = True

    def __post_init__(self) -> None:
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
        d["half_life_hours"] = [None if math.isinf(h) else h for h in self.half_life_hours]
        d["leverages"] = list(self.leverages)
        d["weights"] = list(self.weights)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "parameters") -> EstimatorParams:
        """Build from a mapping; unknown keys are rejected with the list of known ones."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ParameterError(
                f"{source}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(known))}"
            )
        clean = dict(data)
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


def parse_leverage_mix(text: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Parse ``'10:0.3,25:0.3,50:0.25,100:0.15'`` into sorted (leverages, weights).

    Raises
    ------
    ParameterError
        On a malformed item, a duplicate or non-positive leverage, or weights not summing to 1.
    """
    items = [s.strip() for s in text.split(",") if s.strip()]
    if not items:
        raise ParameterError("--leverage: empty; use e.g. '10:0.3,25:0.3,50:0.25,100:0.15'")
    pairs: dict[float, float] = {}
    for item in items:
        lev_s, sep, w_s = item.partition(":")
        try:
            lev = float(lev_s.strip().rstrip("xX"))
            w = float(w_s) if sep else math.nan
        except ValueError:
            lev, w = math.nan, math.nan
        if not sep or math.isnan(lev) or math.isnan(w):
            raise ParameterError(
                f"--leverage: cannot read {item!r}; each item is LEVERAGE:WEIGHT, e.g. '25:0.3'"
            )
        if lev <= 1.0:
            raise ParameterError(f"--leverage: leverage must be > 1, got {lev:g} in {item!r}")
        if lev in pairs:
            raise ParameterError(f"--leverage: leverage {lev:g} appears twice")
        if w < 0:
            raise ParameterError(f"--leverage: weight must be >= 0, got {w:g} in {item!r}")
        pairs[lev] = w
    total = sum(pairs.values())
    if abs(total - 1.0) > 1e-6:
        raise ParameterError(
            f"--leverage: weights must sum to 1, they sum to {total:.6g} in {text!r}"
        )
    levs = tuple(sorted(pairs))
    return levs, tuple(pairs[k] for k in levs)


DEFAULT_PARAMS = EstimatorParams()
