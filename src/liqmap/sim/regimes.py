"""The exogenous price process: regime schedule, stochastic volatility and the log-price path.

This is the part of the price that no simulated position trader causes (the flow of noise
traders, news). It does not depend on the agents, so it is drawn before the main loop. The
model is described in ``docs/simulator.md`` section "Exogenous price".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from liqmap._aot import load
from liqmap.sim.config import SimConfig

if TYPE_CHECKING:
    from liqmap.sim import _regimes_kernel as kern
else:  # compiled ahead of time when built, else numba
    kern = load("liqmap.sim._regimes_kernel")

__all__ = ["Exogenous", "draw_exogenous"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

_SHOCK_VOL_BOOST = 3.0  # extra volatility right after a shock (x4 in all) ...
_SHOCK_DECAY_MIN = 120.0  # ... and withdrawn depth, fading with this e-folding time (minutes)
_MIN_SEGMENT_MIN = 60  # shortest regime segment of the mixed regime
_MIXED_DOWN_SHARE = 0.65  # share of mixed-regime shocks in the direction of shock_pct


@dataclass(frozen=True, slots=True)
class Exogenous:
    """Per-step exogenous log price (relative to the start) and per-minute volatility."""

    x: FloatArray  # (n_steps,) cumulative exogenous log return after each step
    sigma: FloatArray  # (n_minutes,) per-minute volatility (fraction) in force that minute
    depth_mult: FloatArray  # (n_minutes,) depth multiplier (liquidity withdrawn after shocks)


@dataclass(frozen=True, slots=True)
class _Schedule:
    drift: FloatArray  # log drift per minute
    revert: BoolArray  # range regime (mean reversion to the segment's anchor) this minute
    new_segment: BoolArray  # anchor reset at this minute
    shock: FloatArray  # extra log return per minute
    vol_mult: FloatArray  # regime volatility multiplier
    depth_mult: FloatArray  # depth multiplier


def _empty_schedule(n: int) -> _Schedule:
    return _Schedule(
        drift=np.zeros(n),
        revert=np.zeros(n, dtype=np.bool_),
        new_segment=np.zeros(n, dtype=np.bool_),
        shock=np.zeros(n),
        vol_mult=np.ones(n),
        depth_mult=np.ones(n),
    )


def _per_minute(pct_per_day: float) -> float:
    return math.log1p(pct_per_day / 100.0) / 1440.0


def _add_shock(s: _Schedule, m0: int, pct: float, minutes: int, depth_factor: float) -> None:
    n = len(s.shock)
    m1 = min(n, m0 + minutes)
    if m0 >= n:
        return
    s.shock[m0:m1] += math.log1p(pct / 100.0) / minutes
    after = np.arange(n - m0, dtype=np.float64)
    fade = np.exp(-after / _SHOCK_DECAY_MIN)  # overlapping shocks: the strongest effect holds
    np.maximum(s.vol_mult[m0:], 1.0 + _SHOCK_VOL_BOOST * fade, out=s.vol_mult[m0:])
    np.minimum(s.depth_mult[m0:], 1.0 - (1.0 - depth_factor) * fade, out=s.depth_mult[m0:])
    if m1 < n:
        s.new_segment[m1] = True


def _schedule(cfg: SimConfig, rng: np.random.Generator) -> _Schedule:
    n = cfg.total_minutes
    s = _empty_schedule(n)
    s.new_segment[0] = True
    if cfg.regime == "trend":
        s.drift[:] = _per_minute(cfg.trend_pct_per_day)
    elif cfg.regime == "range":
        s.revert[:] = True
    elif cfg.regime == "crash":
        m_shock = cfg.warmup_minutes + int(cfg.shock_at * (cfg.duration_minutes - 1))
        s.drift[:m_shock] = _per_minute(0.5 * cfg.trend_pct_per_day)
        s.revert[m_shock:] = True
        _add_shock(s, m_shock, cfg.shock_pct, cfg.shock_minutes, cfg.shock_depth_factor)
    else:
        _mixed_segments(cfg, rng, s)
        _mixed_shocks(cfg, rng, s)
    return s


def _mixed_segments(cfg: SimConfig, rng: np.random.Generator, s: _Schedule) -> None:
    n = len(s.drift)
    m = 0
    while m < n:
        length = max(_MIN_SEGMENT_MIN, int(rng.exponential(cfg.segment_hours * 60.0)))
        kind = rng.choice(3, p=[0.5, 0.25, 0.25])  # range, trend up, trend down
        seg = slice(m, min(n, m + length))
        s.new_segment[m] = True
        if kind == 0:
            s.revert[seg] = True
        else:
            s.drift[seg] = _per_minute(cfg.trend_pct_per_day * (1.0 if kind == 1 else -1.0))
        m += length


def _mixed_shocks(cfg: SimConfig, rng: np.random.Generator, s: _Schedule) -> None:
    n = len(s.drift)
    count = int(rng.poisson(cfg.shocks_per_day * n / 1440.0))
    starts = np.sort(rng.integers(0, n, size=count))
    sizes = cfg.shock_pct * rng.uniform(0.4, 1.0, size=count)
    signs = np.where(rng.random(count) < _MIXED_DOWN_SHARE, 1.0, -1.0)
    for m0, pct in zip(starts.tolist(), (sizes * signs).tolist(), strict=True):
        _add_shock(s, m0, pct, cfg.shock_minutes, cfg.shock_depth_factor)


def draw_exogenous(cfg: SimConfig, rng: np.random.Generator) -> Exogenous:
    """Draw the regime schedule, the volatility path and the exogenous log-price path."""
    sched = _schedule(cfg, rng)
    n = cfg.total_minutes
    phi = 0.5 ** (1.0 / cfg.vol_half_life_minutes)
    h = kern.log_vol(rng.standard_normal(n), phi, cfg.vol_of_vol)
    # exp(h - vol_of_vol**2) keeps the root-mean-square volatility at volatility_pct
    sigma = cfg.volatility_pct / 100.0 * np.exp(h - cfg.vol_of_vol**2) * sched.vol_mult
    kappa = math.log(2.0) / (cfg.range_half_life_hours * 60.0)
    z = rng.standard_normal(n * cfg.steps_per_minute)
    parts = (sched.drift, sched.revert, sched.new_segment, sched.shock)
    x = kern.path(z, sigma, parts, kappa, cfg.steps_per_minute)
    return Exogenous(x=x, sigma=sigma, depth_mult=sched.depth_mult)
