"""Heatmap helpers shared by the PNG and HTML renderers (colour scale, time steps, path mode)."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from matplotlib.ticker import MaxNLocator

from liqmap.core.results import PricePath
from liqmap.errors import ParameterError
from liqmap.render.style import Style

__all__ = [
    "CANDLE_LIMIT",
    "DEFAULT_VIEW_PCT",
    "MAX_CANDLES",
    "PathMode",
    "color_ramp",
    "color_scale_max",
    "colorbar_ticks",
    "path_close_times",
    "resample_path",
    "scale_text",
    "time_step_ms",
    "use_candles",
    "view_rows",
]

PathMode = Literal["auto", "line", "candles"]

CANDLE_LIMIT = 160
"""With ``price_path="auto"``, draw candles up to this many bars, a close line above it."""

MAX_CANDLES = 240
"""With ``price_path="candles"``, longer price paths are merged into at most this many candles."""

DEFAULT_VIEW_PCT = 12.0
"""Default price view of heatmaps: the traded range widened by this % of price on each side.

Where the liquidity is (Coinglass-like): the 10x-100x rungs lie within about 10% of the entry,
so a view of the traded range +/-12% shows them, while the 5x rung and the far edge of the
estimator's grid (about +/-25%) stay off-screen. ``view_pct=None`` shows the whole grid.
"""


def view_rows(edges: np.ndarray, pp: PricePath, view_pct: float | None) -> tuple[int, int]:
    """Bin rows ``[i0, i1)`` of the price view: the path's low..high widened by ``view_pct``% of
    its last close (the whole grid with ``None`` or an empty path)."""
    n = len(edges) - 1
    if view_pct is None or len(pp.ts_ms) == 0 or n <= 0:
        return 0, max(n, 0)
    if not (0 < view_pct <= 100):
        raise ParameterError(f"view_pct must be in (0, 100] (percent of price), got {view_pct:g}")
    pad = float(pp.close[-1]) * view_pct / 100.0
    lo, hi = float(np.min(pp.low)) - pad, float(np.max(pp.high)) + pad
    i0 = int(np.clip(np.searchsorted(edges, lo, side="right") - 1, 0, n - 1))
    i1 = int(np.clip(np.searchsorted(edges, hi, side="left"), i0 + 1, n))
    return i0, i1


def resample_path(pp: PricePath, max_candles: int = MAX_CANDLES) -> PricePath:
    """Merge consecutive bars into at most ``max_candles`` candles (open of the first, high/low of
    all, close of the last); a path already short enough is returned as is."""
    n = len(pp.ts_ms)
    if n <= max_candles:
        return pp
    k = math.ceil(n / max_candles)
    starts = np.arange(0, n, k)
    ends = np.minimum(starts + k, n) - 1
    return PricePath(
        pp.ts_ms[starts],
        pp.open[starts],
        np.maximum.reduceat(pp.high, starts),
        np.minimum.reduceat(pp.low, starts),
        pp.close[ends],
    )


def color_ramp(st: Style, u: np.ndarray) -> np.ndarray:
    """Colormap position of a cell holding ``u * vmax`` USD (``u`` in [0, 1]).

    Both renderers draw the colour bar linear in USD and place the colours along it with this
    ramp, so the PNG and the HTML have the same scale: ``"power"`` is ``u ** gamma`` (the
    default, gamma 0.5: a square-root ramp), ``"log"`` spans three decades below ``vmax``.
    """
    u = np.clip(np.asarray(u, dtype=np.float64), 0.0, 1.0)
    if st.heatmap_norm == "log":
        with np.errstate(divide="ignore"):
            out = np.clip((np.log10(np.maximum(u, 1e-12)) + 3.0) / 3.0, 0.0, 1.0)
    else:
        out = u**st.heatmap_gamma
    return np.asarray(out, dtype=np.float64)


def scale_text(st: Style) -> str:
    """The colour-scale choice, stated on every heatmap."""
    if st.heatmap_norm == "log":
        return "log ramp (3 decades)"
    if abs(st.heatmap_gamma - 0.5) < 1e-9:
        return "square-root ramp"
    return f"power-{st.heatmap_gamma:g} ramp"


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
