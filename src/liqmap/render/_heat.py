"""Heatmap helpers shared by the PNG and HTML renderers (colour scale, time steps, path mode)."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from matplotlib.ticker import MaxNLocator

__all__ = [
    "CANDLE_LIMIT",
    "PathMode",
    "color_scale_max",
    "colorbar_ticks",
    "path_close_times",
    "time_step_ms",
    "use_candles",
]

PathMode = Literal["auto", "line", "candles"]

CANDLE_LIMIT = 160
"""With ``price_path="auto"``, draw candles up to this many bars, a close line above it."""


def color_scale_max(usd: np.ndarray, quantile: float) -> float:
    """Top of the colour scale: ``quantile`` of the positive cells (1.0 when there are none).

    Clipping at a high quantile keeps one outlier cell from turning the rest of the map dark.
    """
    positive = usd[usd > 0]
    if positive.size == 0:
        return 1.0
    top = float(np.quantile(positive, min(max(quantile, 0.0), 1.0)))
    return top if top > 0 else float(positive.max())


def _nice_floor(x: float) -> float:
    """Largest 1-2-5 number (1, 2, 5, 10, 20, ...) not above ``x > 0``."""
    base = 10.0 ** math.floor(math.log10(x))
    return max(m * base for m in (1.0, 2.0, 5.0) if m * base <= x * (1 + 1e-9))


def colorbar_ticks(vmax: float, n: int = 5, *, low: bool = True) -> list[float]:
    """Round USD ticks in ``[0, vmax]`` for a power-normalised colour bar.

    Evenly spaced round values, plus (``low``) two small ones: on a power-scaled bar the lowest
    few percent of the range take much of the bar, which even spacing would leave unlabelled.
    """
    if not (vmax > 0 and math.isfinite(vmax)):
        return [0.0]
    even = MaxNLocator(nbins=n, steps=[1, 2, 2.5, 5, 10]).tick_values(0.0, vmax)
    ticks = {float(t) for t in even if t >= 0}
    if low:
        ticks |= {_nice_floor(vmax * 0.01), _nice_floor(vmax * 0.06)}
    return sorted(t for t in ticks if t <= vmax * (1 + 1e-9))


def time_step_ms(ts_ms: np.ndarray) -> float:
    """Typical spacing of ``ts_ms`` (median difference); one hour when there is a single time."""
    if len(ts_ms) < 2:
        return 3_600_000.0
    return float(np.median(np.diff(np.asarray(ts_ms, dtype=np.float64))))


def path_close_times(ts_ms: np.ndarray) -> np.ndarray:
    """Close times of bars given by their open times (open + typical step), as float ms."""
    return np.asarray(ts_ms, dtype=np.float64) + (time_step_ms(ts_ms) if len(ts_ms) > 1 else 0.0)


def use_candles(n_bars: int, mode: PathMode) -> bool:
    """Whether the price path is drawn as candles."""
    return mode == "candles" or (mode == "auto" and 0 < n_bars <= CANDLE_LIMIT)
