"""Per-bar inputs of the estimator: new long/short notional, OI changes, entry ranges, time steps.

Pure numpy, no I/O. The rules are derived in ``docs/model.md`` section 2:

* **New notional.** Where open-interest history is known, a bar opens ``max(dOI, 0)`` USD of new
  positions (OI grew by that much). Where it is not, the documented volume fallback opens
  ``volume * typical_price * volume_open_fraction`` USD.
* **Side split.** ``long_share = 0.5 + k * (buy - sell) / (2 * (buy + sell))`` from taker flow,
  clipped to [0, 1], with ``k = side_split_strength``; 0.5 (neutral) when the flow is unknown.
* **Entries** are uniform over the bar's range shrunk toward the typical price ``(H + L + C) / 3``.
* **OI decreases** (``dOI < 0``) close positions pro rata in the kernel.
* **Open-interest target** (``oi_target``, docs/model.md 2.12). Where the OI *level* is known,
  the kernel keeps the live notional equal to it (stock-flow rule). Without any OI, the level is
  implied from volume: ``EMA_24h(USD volume per day) / turnover_per_day`` (the measured turnover
  ratio), so volume-based maps carry a plausible USD size. The first bar of a run opens the
  stock held before the window, its entries spread ``prior_spread`` beyond that bar's range.
* **Trigger price** (docs/model.md 2.15). Levels are crossed by the bar's low/high; with mark-price
  bars they are crossed by the mark's extremes instead (venues liquidate on mark), see
  :func:`mark_extremes`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from liqmap._aot import load
from liqmap.domain.market import Candles, OpenInterest
from liqmap.model_config import EstimatorParams

if TYPE_CHECKING:
    from liqmap.core._kernel import ema
else:  # compiled ahead of time when built, else numba
    ema = load("liqmap.core._kernel").ema

__all__ = ["BarInputs", "align_open_interest", "mark_extremes", "prepare_bars"]

FloatArray = NDArray[np.float64]
_MS_PER_HOUR = 3_600_000.0


@dataclass(frozen=True, slots=True)
class BarInputs:
    """Everything the kernel needs per bar (arrays of the window's length)."""

    high: FloatArray  # the prices that cross levels: the bar's, or the mark's (mark_extremes)
    low: FloatArray
    entry_lo: FloatArray
    entry_hi: FloatArray
    new_long: FloatArray
    new_short: FloatArray
    oi_delta: FloatArray  # NaN where unknown
    oi_prev: FloatArray  # NaN where the OI level is unknown
    dt_hours: FloatArray
    oi_target: FloatArray  # NaN where neither an OI level nor an implied level is known
    long_share: FloatArray
    oi_source: Literal["level", "change", "none"]
    bars_with_oi: int
    bars_with_flow: int
    bars_unsized: int  # bars with neither an OI change nor a volume: they open nothing
    volume_ema: float = float("nan")  # USD volume per day (EMA) after the last bar (live maps)
    target_source: Literal["oi", "volume", "none"] = "none"
    bars_on_mark: int = 0  # bars whose levels are crossed by mark-price extremes


def align_open_interest(
    candles: Candles, oi: OpenInterest | None, *, max_stale_ms: int | None = None
) -> tuple[FloatArray, FloatArray]:
    """Per bar: the OI change over the bar and the OI level before it (NaN where unknown).

    Levels are read at each bar's open and close time by linear interpolation between
    observations; a bar whose neighbouring observations are more than ``max_stale_ms`` apart
    (default: 3 observation intervals or 3 bars, whichever is longer) gets NaN, never a guess.
    USD levels are mark-valued, so the change is taken in contracts (level / open at the bar's
    start, level / close at its end) and valued at the typical price: a price move alone opens
    nothing. Changes (``kind='change'``) are summed over the observations inside each bar.
    """
    n = len(candles)
    nan = np.full(n, np.nan)
    if oi is None or len(oi) == 0 or n == 0:
        return nan, nan.copy()
    t0 = candles.ts_ms
    t1 = candles.ts_ms + candles.interval_ms
    if oi.kind == "change":
        idx = np.searchsorted(t0, oi.ts_ms, side="right") - 1
        ok = (idx >= 0) & (oi.ts_ms < t1[np.clip(idx, 0, n - 1)]) & np.isfinite(oi.value_usd)
        delta = np.zeros(n)
        np.add.at(delta, idx[ok], oi.value_usd[ok])
        seen = np.zeros(n, dtype=bool)
        seen[idx[ok]] = True
        return np.where(seen, delta, np.nan), nan.copy()
    ts = oi.ts_ms
    val = oi.value_usd
    good = np.isfinite(val)
    ts, val = ts[good], val[good]
    if len(ts) < 2:
        return nan, nan.copy()
    step = float(np.median(np.diff(ts)))
    stale = max_stale_ms if max_stale_ms is not None else 3.0 * max(step, candles.interval_ms)
    lvl0 = _interp_level(ts, val, t0, stale)
    lvl1 = _interp_level(ts, val, t1, stale)
    # USD open interest is mark-valued: a price move alone changes it. Positions opened are the
    # change in contracts (USD / price at each end of the bar), valued at the typical price.
    typical = (candles.high + candles.low + candles.close) / 3.0
    contracts_delta = lvl1 / candles.close - lvl0 / candles.open
    return contracts_delta * typical, lvl0


def _interp_level(
    ts: NDArray[np.int64], val: FloatArray, at: NDArray[np.int64], stale: float
) -> FloatArray:
    out = np.interp(at.astype(np.float64), ts.astype(np.float64), val)
    j = np.searchsorted(ts, at, side="right")
    inside = (j > 0) & (j <= len(ts))
    left = ts[np.clip(j - 1, 0, len(ts) - 1)]
    right = ts[np.clip(j, 0, len(ts) - 1)]
    exact = inside & (left == at)
    span_ok = inside & (j < len(ts)) & ((right - left) <= stale)
    ok = exact | span_ok
    return np.where(ok, out, np.nan)


def _long_share(candles: Candles, strength: float) -> tuple[FloatArray, int]:
    buy = candles.taker_buy_volume
    vol = candles.volume
    known = np.isfinite(buy) & np.isfinite(vol) & (vol > 0)
    imbalance = np.zeros(len(candles))
    with np.errstate(invalid="ignore", divide="ignore"):
        imbalance[known] = (2.0 * buy[known] - vol[known]) / vol[known]
    share = np.clip(0.5 + strength * imbalance / 2.0, 0.0, 1.0)
    return share, int(known.sum())


def _oi_level_at_close(candles: Candles, oi: OpenInterest | None) -> FloatArray:
    n = len(candles)
    if oi is None or oi.kind != "level" or n == 0:
        return np.full(n, np.nan)
    good = np.isfinite(oi.value_usd)
    ts, val = oi.ts_ms[good], oi.value_usd[good]
    if len(ts) < 2:
        return np.full(n, np.nan)
    step = float(np.median(np.diff(ts)))
    stale = 3.0 * max(step, candles.interval_ms)
    at = candles.ts_ms + candles.interval_ms
    level = _interp_level(ts, val, at, stale)
    # after the last observation (the latest bars of a live or walk-forward map) the last level
    # holds for up to ``stale`` ms: known data only, never a guess beyond it
    j = np.searchsorted(ts, at, side="right") - 1
    carry = (j >= 0) & np.isnan(level) & (at - ts[np.clip(j, 0, None)] <= stale)
    return np.where(carry, val[np.clip(j, 0, None)], level)


def _implied_target(
    turnover_usd: FloatArray,
    has_volume: NDArray[np.bool_],
    dt_hours: FloatArray,
    interval_hours: float,
    params: EstimatorParams,
    ema0: float,
) -> tuple[FloatArray, float]:
    """OI implied by volume: EMA (24 h half-life) of USD volume per day / turnover per day."""
    n = len(turnover_usd)
    if params.turnover_per_day <= 0 or n == 0 or not has_volume.any():
        return np.full(n, np.nan), ema0
    per_day = np.where(has_volume, turnover_usd * 24.0 / interval_hours, np.nan)
    alpha = 1.0 - np.exp(-np.log(2.0) * dt_hours / 24.0)
    smoothed = ema(np.ascontiguousarray(per_day), np.ascontiguousarray(alpha), ema0)
    return smoothed / params.turnover_per_day, float(smoothed[-1])


def mark_extremes(candles: Candles, mark: Candles | None) -> tuple[FloatArray, FloatArray, int]:
    """Per bar, the (low, high) that trigger liquidations, and how many bars used the mark.

    Mark bars as fine as the bars or finer that tile a bar (every mark bar of its span present)
    give its exact mark low/high. Coarser mark bars (e.g. 1h mark for 5m bars) only bound the
    mark inside the bar: the trigger is then ``max(low, mark low)`` / ``min(high, mark high)`` of
    the mark bar holding it (a last-trade wick beyond the mark's range does not liquidate).
    Bars without mark data keep their own low/high.
    """
    low = np.array(candles.low, dtype=np.float64)
    high = np.array(candles.high, dtype=np.float64)
    n = len(low)
    if mark is None or len(mark) == 0 or n == 0:
        return low, high, 0
    t0 = candles.ts_ms
    mt = mark.ts_ms
    if mark.interval_ms <= candles.interval_ms:
        per = candles.interval_ms // mark.interval_ms
        a = np.searchsorted(mt, t0, side="left")
        b = np.searchsorted(mt, t0 + candles.interval_ms, side="left")
        used = b - a == per
        span = a[used, None] + np.arange(per)  # the mark bars tiling each covered bar
        low[used] = np.min(mark.low[span], axis=1)
        high[used] = np.max(mark.high[span], axis=1)
    else:
        j = np.searchsorted(mt, t0, side="right") - 1
        used = (j >= 0) & (t0 + candles.interval_ms <= mt[np.clip(j, 0, None)] + mark.interval_ms)
        k = j[used]
        low[used] = np.maximum(low[used], mark.low[k])
        high[used] = np.maximum(np.minimum(high[used], mark.high[k]), low[used])
    return low, high, int(used.sum())


def _entry_range(
    typical: FloatArray, low: FloatArray, high: FloatArray, spread: float
) -> tuple[FloatArray, FloatArray]:
    """Entries: the bar's range shrunk toward the typical price by ``entry_spread``."""
    return typical - spread * (typical - low), typical + spread * (high - typical)


def _time_steps(candles: Candles, first_dt_hours: float | None) -> FloatArray:
    """Hours since the previous bar (the first: ``first_dt_hours``, default one interval)."""
    ts = candles.ts_ms
    dt = np.empty(len(ts))
    if len(ts):
        dt[0] = candles.interval_ms / _MS_PER_HOUR if first_dt_hours is None else first_dt_hours
        dt[1:] = np.diff(ts) / _MS_PER_HOUR
    return dt


def _targets(
    candles: Candles,
    oi: OpenInterest | None,
    implied: bool,
    turnover: FloatArray,
    has_volume: NDArray[np.bool_],
    dt: FloatArray,
    params: EstimatorParams,
    volume_ema: float,
) -> tuple[FloatArray, float, Literal["oi", "volume", "none"]]:
    """The OI level to hold per bar (known OI, else ``implied`` from volume), the EMA after the
    last bar and where the level came from (docs/model.md 2.12-2.13)."""
    target = _oi_level_at_close(candles, oi)
    source: Literal["oi", "volume", "none"] = "oi" if np.isfinite(target).any() else "none"
    ema_end = volume_ema
    if implied:
        target, ema_end = _implied_target(
            turnover, has_volume, dt, candles.interval_ms / _MS_PER_HOUR, params, volume_ema
        )
        source = "volume" if np.isfinite(target).any() else "none"
    return target, ema_end, source


def prepare_bars(
    candles: Candles,
    oi: OpenInterest | None,
    params: EstimatorParams,
    *,
    mark: Candles | None = None,
    volume_ema: float = float("nan"),
    first_bar_is_start: bool | None = None,
    first_dt_hours: float | None = None,
) -> BarInputs:
    """Turn bars (+ optional OI) into the kernel's per-bar inputs.

    ``volume_ema`` carries the volume EMA of earlier bars (live maps); NaN starts it at the first
    bar, which then also opens the stock held before the run (``first_bar_is_start``, default:
    when ``volume_ema`` is NaN). ``first_dt_hours`` is the time since the bar before the first
    (default: one interval). ``mark``: mark-price bars; levels are then crossed by the mark
    (:func:`mark_extremes`).
    """
    high, low, close = candles.high, candles.low, candles.close
    typical = (high + low + close) / 3.0
    entry_lo, entry_hi = _entry_range(typical, low, high, params.entry_spread)

    oi_delta, oi_prev = align_open_interest(candles, oi)
    known = np.isfinite(oi_delta)
    has_volume = np.isfinite(candles.volume)
    turnover = np.where(has_volume, candles.volume, 0.0) * typical
    opened = np.where(known, np.maximum(np.nan_to_num(oi_delta), 0.0), 0.0)
    opened = np.where(known, opened, turnover * params.volume_open_fraction)
    share, n_flow = _long_share(candles, params.side_split_strength)

    ts = candles.ts_ms
    dt = _time_steps(candles, first_dt_hours)
    n_oi = int(known.sum())
    source: Literal["level", "change", "none"] = "none" if oi is None or n_oi == 0 else oi.kind
    target, ema_end, target_source = _targets(
        candles, oi if params.oi_anchor else None, source == "none", turnover, has_volume, dt,
        params, volume_ema,
    )  # fmt: skip
    start = math.isnan(volume_ema) if first_bar_is_start is None else first_bar_is_start
    if start and len(ts) and np.isfinite(target[0]):  # the stock held before the run
        entry_lo[0] = low[0] * (1.0 - params.prior_spread)
        entry_hi[0] = high[0] * (1.0 + params.prior_spread)
    trig_low, trig_high, on_mark = mark_extremes(candles, mark)
    return BarInputs(
        high=np.ascontiguousarray(trig_high),
        low=np.ascontiguousarray(trig_low),
        entry_lo=entry_lo,
        entry_hi=entry_hi,
        new_long=opened * share,
        new_short=opened * (1.0 - share),
        oi_delta=oi_delta,
        oi_prev=oi_prev,
        dt_hours=dt,
        oi_target=np.ascontiguousarray(target, dtype=np.float64),
        long_share=np.ascontiguousarray(share, dtype=np.float64),
        oi_source=source,
        bars_with_oi=n_oi,
        bars_with_flow=n_flow,
        bars_unsized=int((~known & ~has_volume).sum()),
        volume_ema=ema_end,
        target_source=target_source,
        bars_on_mark=on_mark,
    )
