"""Position takers: when they arrive and what they open (drawn before the main loop).

Everything about a new position that does not depend on the price path is drawn here, in a fixed
order from one generator: arrival step, leverage, notional, planned holding time, whether it uses
a take-profit / stop-loss, and the uniform number that picks its side in the loop (the side leans
with recent momentum). Liquidation prices are exact Binance USD-M isolated-margin prices: the
ratio ``liquidation / entry`` of each candidate is computed here for both sides with
:func:`liqmap.core.margin.liq_price_ratio`, so the loop only multiplies by the entry price.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from liqmap.core.margin import liq_price_ratio
from liqmap.domain.enums import Side, Venue
from liqmap.domain.margin import MarginTable
from liqmap.errors import ParameterError
from liqmap.sim.config import SimConfig

__all__ = ["Candidates", "draw_candidates", "max_notional_for"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

SIZE_DIGITS = 2  # significant digits of a position's notional (USD)


@dataclass(frozen=True, slots=True)
class Candidates:
    """The positions that will be opened, in arrival order (struct of arrays)."""

    arrivals: IntArray  # (n_steps,) number of positions opened at each step
    leverage: FloatArray
    notional: FloatArray  # USD at entry
    hold_steps: IntArray  # planned holding time in steps (time exit), >= 1
    side_draw: FloatArray  # uniform in [0, 1): long when below the momentum-tilted long share
    take_profit: BoolArray
    stop_loss: BoolArray
    ratio_long: FloatArray  # liquidation / entry if opened long
    ratio_short: FloatArray  # liquidation / entry if opened short

    def __len__(self) -> int:
        return len(self.leverage)


def max_notional_for(leverage: float, table: MarginTable) -> float:
    """Largest notional (USD, exclusive) at which ``leverage`` is allowed by the bracket table.

    Brackets allow less leverage as notional grows, so the allowed brackets are the first ones.
    """
    cap = 0.0
    for tier in table.tiers:
        if leverage > tier.max_leverage:
            break
        cap = tier.notional_cap
    if cap <= 0.0:
        raise ParameterError(
            f"SimConfig.leverages: {leverage:g}x exceeds the maximum leverage "
            f"{table.tiers[0].max_leverage:g}x of {table.symbol} even in its first bracket"
        )
    return math.nextafter(cap, 0.0)


def _arrivals(cfg: SimConfig, sigma: FloatArray, rng: np.random.Generator) -> IntArray:
    ref = cfg.volatility_pct / 100.0
    activity = (sigma / ref) ** cfg.activity_vol_exponent if ref > 0.0 else np.ones_like(sigma)
    rate = np.repeat(
        cfg.arrivals_per_minute * activity / cfg.steps_per_minute, cfg.steps_per_minute
    )
    return rng.poisson(rate).astype(np.int64)


def _round_sizes(usd: FloatArray) -> FloatArray:
    """Round to ``SIZE_DIGITS`` significant digits (traders type round sizes)."""
    scale = 10.0 ** (np.floor(np.log10(usd)) - (SIZE_DIGITS - 1))
    return np.asarray(np.round(usd / scale) * scale, dtype=np.float64)


def _ratios(
    leverage: FloatArray, notional: FloatArray, table: MarginTable
) -> tuple[FloatArray, FloatArray]:
    """Exact liquidation/entry ratios for both sides, one margin-math call per distinct terms."""
    terms, inverse = np.unique(np.column_stack((leverage, notional)), axis=0, return_inverse=True)
    longs = np.empty(len(terms))
    shorts = np.empty(len(terms))
    for j, (lev, usd) in enumerate(terms.tolist()):
        longs[j] = liq_price_ratio(Venue.BINANCE, Side.LONG, lev, usd, table)
        shorts[j] = liq_price_ratio(Venue.BINANCE, Side.SHORT, lev, usd, table)
    idx = inverse.reshape(-1)
    return longs[idx], shorts[idx]


def draw_candidates(
    cfg: SimConfig, sigma: FloatArray, table: MarginTable, rng: np.random.Generator
) -> Candidates:
    """Draw arrival counts per step (rate grows with volatility) and every candidate's terms."""
    arrivals = _arrivals(cfg, sigma, rng)
    n = int(arrivals.sum())
    levels = np.asarray(cfg.leverages)
    leverage = levels[rng.choice(len(levels), size=n, p=np.asarray(cfg.leverage_weights))]
    caps = np.array([max_notional_for(float(lev), table) for lev in levels])
    cap = caps[np.searchsorted(levels, leverage)] if n else np.zeros(0)
    cap = np.minimum(cap, cfg.max_notional_usd)
    drawn = rng.lognormal(math.log(cfg.notional_median_usd), cfg.notional_sigma, size=n)
    notional = np.minimum(np.maximum(_round_sizes(drawn), cfg.min_notional_usd), cap)
    mean_hold = cfg.hold_hours_at_10x * (10.0 / leverage) ** cfg.hold_leverage_exponent
    hold = rng.exponential(mean_hold * 60.0 * cfg.steps_per_minute)
    side_draw = rng.random(n)
    take_profit = rng.random(n) < cfg.take_profit_share
    stop_loss = rng.random(n) < cfg.stop_loss_share
    ratio_long, ratio_short = _ratios(leverage, notional, table)
    return Candidates(
        arrivals=arrivals,
        leverage=leverage,
        notional=notional,
        hold_steps=np.maximum(1, np.ceil(hold)).astype(np.int64),
        side_draw=side_draw,
        take_profit=take_profit,
        stop_loss=stop_loss,
        ratio_long=ratio_long,
        ratio_short=ratio_short,
    )
