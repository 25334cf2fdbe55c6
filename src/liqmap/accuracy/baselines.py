"""Naive maps the model must beat, built on the model's own grid and inputs.

* **Uniform** (:func:`uniform_profile`): the model's total long USD spread evenly over the
  grid's bins below the price and its short USD evenly over those above. It knows how much, not where; on a side's
  visited bins it is constant, so it ranks nothing (Spearman undefined, top-20% share exactly
  0.20).
* **Distance-only ladder** (:func:`ladder_inputs`, :func:`ladder_ratios`): what the common
  TradingView "liquidation levels" scripts draw. Every bar's volume opens positions at its
  typical price ``(H + L + C) / 3``, split 50/50 between longs and shorts, at the model's leverage
  tiers and weights; a tier-``L`` long is liquidated at ``entry * (1 - 1/L)`` and a short at
  ``entry * (1 + 1/L)`` (the initial margin lost, no maintenance margin, no brackets); a level is
  deleted once price trades through it (the scripts stop drawing a touched line); nothing decays
  and open interest is ignored. Sized with the volume fallback of the model
  (``volume * typical price * volume_open_fraction``), so totals are comparable. It runs through
  the model's own kernel, so the two differ only in those rules. Bars without a volume (e.g.
  recorder bars sized by OI changes only) get the median volume of the window's bars that have
  one (a volume of 0 is kept: nothing traded), or, when none has, one unit of base volume each: the ladder is distance-only, so it still
  draws (and ranks) its levels, and a note says how it was sized. It is never silently empty.
"""

from __future__ import annotations

import math
from dataclasses import fields, replace

import numpy as np
from numpy.typing import NDArray

from liqmap.core.bands import floor_profile
from liqmap.core.bars import BarInputs, prepare_bars
from liqmap.domain.market import Candles
from liqmap.model_config import EstimatorParams

__all__ = ["ladder_inputs", "ladder_params", "ladder_ratios", "uniform_profile"]

FloatArray = NDArray[np.float64]


def ladder_ratios(leverages: tuple[float, ...]) -> tuple[FloatArray, FloatArray]:
    """Liquidation/entry price ratios of the ladder: ``1 - 1/L`` (longs), ``1 + 1/L`` (shorts).

    Example: 10x -> 0.90 / 1.10; 100x -> 0.99 / 1.01.
    """
    lev = np.asarray(leverages, dtype=np.float64)
    return 1.0 - 1.0 / lev, 1.0 + 1.0 / lev


def ladder_params(params: EstimatorParams) -> EstimatorParams:
    """The model's tiers and weights with the ladder's rules: one entry price (the typical
    price), a 50/50 side split, no decay, no subtraction of observed liquidations, sized by the
    plain volume fallback (no open interest implied from turnover)."""
    rules: dict[str, object] = {
        "half_life_hours": tuple(math.inf for _ in params.leverages),
        "entry_spread": 0.0,
        "side_split_strength": 0.0,
        "subtract_liquidations": False,
    }
    if "turnover_per_day" in {f.name for f in fields(params)}:
        rules["turnover_per_day"] = 0.0  # the plain volume_open_fraction rule, no implied OI
    return replace(params, **rules)  # type: ignore[arg-type]


def ladder_inputs(candles: Candles, params: EstimatorParams) -> tuple[BarInputs, str | None]:
    """Per-bar kernel inputs of the ladder (volume-sized, no open interest: nothing closes pro
    rata, entries at the typical price) and a note when some bars had no volume.

    Example: three bars with volumes ``[2, NaN, 4]`` are sized as ``[2, 3, 4]`` (the median of
    the known ones); with no volume at all every bar gets 1.
    """
    vol = np.asarray(candles.volume, dtype=np.float64)
    known = np.isfinite(vol)  # 0 is a real volume (nothing traded); NaN is unknown
    note = None
    if not known.all():
        fill = float(np.median(vol[known])) if known.any() else 1.0
        vol = np.where(known, vol, fill)
        how = "the median volume of the other bars" if known.any() else "one unit of volume"
        note = f"ladder baseline: {int((~known).sum())} bars without volume sized at {how}"
        candles = replace(candles, volume=vol)
    return prepare_bars(candles, None, ladder_params(params)), note


def uniform_profile(
    edges: FloatArray, price: float, long_total: float, short_total: float
) -> tuple[FloatArray, FloatArray]:
    """``long_total`` in equal parts in every bin starting below ``price`` and ``short_total``
    in every bin ending above it (the bin holding the price gets a part of each; a price on an
    edge, to within a millionth of a bin, belongs to neither), so the profile is constant on each
    side's bins.

    Example: edges ``[0, 1, 2, 3, 4]``, price 2, totals 10 and 4 -> longs ``[5, 5, 0, 0]``,
    shorts ``[0, 0, 2, 2]``; at price 1.5 the shorts are ``[0, 4/3, 4/3, 4/3]``.
    """
    return floor_profile(edges, price, long_total, short_total)  # the bands' floor, too
