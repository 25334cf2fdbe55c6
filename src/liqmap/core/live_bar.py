"""One live bar's kernel inputs, computed with scalars (the live map's hot path).

:func:`prepare_live_bar` gives what :func:`liqmap.core.bars.prepare_bars` gives for a window of
one bar, with the OI known at the bar's open and close as a two-point level series: the same
rules (docs/model.md 2.2-2.4, 2.12-2.13), term by term in the same order, on Python floats
instead of one-element arrays (each numpy call on a one-element array costs about a microsecond,
and ``prepare_bars`` makes ~100 of them). ``tests/core/test_live_bar.py`` checks the two agree
on random bars, with and without OI, volume and taker flow.
"""

from __future__ import annotations

import math

import numpy as np

from liqmap.core.bars import BarInputs
from liqmap.model_config import EstimatorParams

__all__ = ["prepare_live_bar"]

_LN2 = math.log(2.0)


def _one(x: float) -> np.ndarray:
    return np.array([x], dtype=np.float64)


def _entries(
    high: float, low: float, typical: float, params: EstimatorParams, prior: bool
) -> tuple[float, float]:
    """The entry range: the bar's range shrunk toward the typical price, or for the stock held
    before the run (``prior``) the range widened by ``prior_spread``."""
    if prior:
        return low * (1.0 - params.prior_spread), high * (1.0 + params.prior_spread)
    s = params.entry_spread
    return typical - s * (typical - low), typical + s * (high - typical)


def _implied(
    turnover: float, interval_ms: int, params: EstimatorParams, ema0: float, dt_hours: float
) -> tuple[float, float, str]:
    """OI implied by volume (``bars._implied_target`` on one bar): target, EMA, source."""
    if params.turnover_per_day <= 0 or math.isnan(turnover):
        return math.nan, ema0, "none"
    per_day = turnover * 24.0 / (interval_ms / 3_600_000.0)
    alpha = 1.0 - float(np.exp(-_LN2 * dt_hours / 24.0))
    ema = per_day if math.isnan(ema0) else ema0 + alpha * (per_day - ema0)
    return ema / params.turnover_per_day, ema, "volume"


def prepare_live_bar(
    interval_ms: int,
    open_: float,
    high: float,
    low: float,
    close: float,
    volume: float,
    taker_buy_volume: float,
    params: EstimatorParams,
    *,
    oi_open: float,
    oi_close: float,
    volume_ema: float,
    first: bool,
    dt_hours: float,
) -> BarInputs:
    """Kernel inputs of one bar (see the module docstring).

    ``oi_open`` / ``oi_close``: OI levels (USD) at the bar's open and close, NaN when either is
    unknown (then the bar is sized by volume); ``volume_ema`` carries the implied-OI EMA;
    ``first``: the bar starts the run (it opens the stock held before it); ``dt_hours``: time since
    the previous bar.
    """
    typical = (high + low + close) / 3.0
    with_oi = math.isfinite(oi_open) and math.isfinite(oi_close)
    oi_delta = (oi_close / close - oi_open / open_) * typical if with_oi else math.nan
    oi_prev = oi_open if with_oi else math.nan
    known = math.isfinite(oi_delta)
    has_volume = math.isfinite(volume)
    turnover = (volume if has_volume else 0.0) * typical
    opened = max(oi_delta, 0.0) if known else turnover * params.volume_open_fraction
    flow = math.isfinite(taker_buy_volume) and has_volume and volume > 0
    imbalance = (2.0 * taker_buy_volume - volume) / volume if flow else 0.0
    share = min(max(0.5 + params.side_split_strength * imbalance / 2.0, 0.0), 1.0)
    if known:
        target, ema_end = (oi_close if params.oi_anchor else math.nan), volume_ema
        target_source = "oi" if params.oi_anchor else "none"
    else:
        target, ema_end, target_source = _implied(
            turnover if has_volume else math.nan, interval_ms, params, volume_ema, dt_hours
        )
    entry_lo, entry_hi = _entries(high, low, typical, params, first and math.isfinite(target))
    return BarInputs(
        high=_one(high),
        low=_one(low),
        entry_lo=_one(entry_lo),
        entry_hi=_one(entry_hi),
        new_long=_one(opened * share),
        new_short=_one(opened * (1.0 - share)),
        oi_delta=_one(oi_delta),
        oi_prev=_one(oi_prev),
        dt_hours=_one(dt_hours),
        oi_target=_one(target),
        long_share=_one(share),
        oi_source="level" if known else "none",
        bars_with_oi=int(known),
        bars_with_flow=int(flow),
        bars_unsized=int(not known and not has_volume),
        volume_ema=ema_end,
        target_source=target_source,  # type: ignore[arg-type]
        bars_on_mark=0,
    )
