"""Market impact of forced flow: a square-root law fitted on real trades, scaled by the market.

The cascade needs the price move that :math:`Q` USD of forced orders (liquidations, market
orders) cause on top of a shock. A resting book alone (``liqmap.core.depth``) is the *instant*
answer and far too thin for a cascade that runs for minutes: the recorded BTCUSDT book refills
the depth it loses within ~5 s (its half-life, :func:`fit_resilience`), so over a cascade it is
replaced many times. What survives that refilling is the empirical **square-root law** of
metaorder impact (Torre 1997; Almgren et al. 2005; Toth et al. 2011, *Anomalous price impact and
the critical nature of liquidity*, PRX 1, 021006; Bouchaud et al. 2018, *Trades, Quotes and
Prices*, ch. 12):

.. math:: I(Q) = Y\\,\\sigma_D\\,\\left(\\frac{Q}{V_D}\\right)^{\\delta},

:math:`\\sigma_D` the daily volatility, :math:`V_D` the daily traded USD (both measured from the
map's own bars by :func:`market_state`), :math:`\\delta = 1/2` and :math:`Y` a dimensionless
coefficient **fitted** on the signed trades vs mid-price changes of the shared Binance recording
(:func:`fit_impact_law`; ``docs/cascade.md`` section 2 gives the numbers). In the latent-book
picture of Toth et al. the law is a book whose cumulative depth grows as :math:`d^{1/\\delta}`
beyond the touch: that is the profile :class:`ImpactModel` uses beyond the visible book.

:class:`ImpactModel` holds the fitted constants with their uncertainty (a bivariate normal of
:math:`(\\ln Y, \\delta)` from a bootstrap) so a cascade can draw them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from liqmap.domain.market import Candles
from liqmap.errors import ParameterError

__all__ = [
    "FITTED",
    "ImpactFit",
    "ImpactModel",
    "fit_impact_law",
    "fit_resilience",
    "impact_from_bars",
    "market_state",
]

FloatArray = NDArray[np.float64]
DAY_MS = 86_400_000
IMPACT_SCHEMA = "liqmap.impact/1"


@dataclass(frozen=True, slots=True)
class ImpactFit:
    """Fitted square-root-law constants and their bootstrap spread.

    ``log_y_sd``/``delta_sd``/``corr``: the bootstrap's standard deviations of :math:`\\ln Y` and
    :math:`\\delta` and their correlation (draws use this bivariate normal).
    ``half_life_s``: the book's depth refill half-life (:func:`fit_resilience`).
    """

    y: float
    delta: float
    log_y_sd: float
    delta_sd: float
    corr: float
    half_life_s: float
    n_windows: int
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "y": self.y, "delta": self.delta, "log_y_sd": self.log_y_sd,
            "delta_sd": self.delta_sd, "corr": self.corr, "half_life_s": self.half_life_s,
            "n_windows": self.n_windows, "source": self.source,
        }  # fmt: skip


# Fitted by ``liqmap.io.orderbook.fit_impact_recording`` on the shared Binance USD-M BTCUSDT
# recording of 2024-08-08 (344 s, 21,313 trades, 6,547 depth diffs; a test recomputes them).
# ``log_y_sd`` is widened from the bootstrap's 0.12 to 0.25: the ETH recording of the same day
# gives Y = 0.69 (ln ratio 0.35), a spread between books the bootstrap of one cannot see.
# The exponent is the law's (1/2: the free fits give 0.47 at 2 s and 0.51 at 5 s windows), drawn
# without spread.
FITTED = ImpactFit(
    y=0.983,
    delta=0.5,
    log_y_sd=0.25,
    delta_sd=0.0,
    corr=0.0,
    half_life_s=5.1,
    n_windows=302,
    source="Binance USD-M BTCUSDT 2024-08-08 recording (trades vs mid, 2-30 s windows)",
)


@dataclass(frozen=True, slots=True)
class ImpactModel:
    """:math:`I(Q) = Y \\sigma_D (Q / V_D)^\\delta` for one market at one time.

    Attributes
    ----------
    sigma_daily
        Daily volatility (fraction) of the market, from its recent bars.
    volume_usd_daily
        USD traded per day, from its recent bars.
    fit
        The fitted constants (:data:`FITTED` by default) and their uncertainty.
    """

    sigma_daily: float
    volume_usd_daily: float
    fit: ImpactFit = FITTED
    source: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.sigma_daily) and self.sigma_daily > 0):
            raise ParameterError(f"impact sigma_daily must be > 0, got {self.sigma_daily}")
        if not (math.isfinite(self.volume_usd_daily) and self.volume_usd_daily > 0):
            raise ParameterError(
                f"impact volume_usd_daily must be > 0, got {self.volume_usd_daily}"
            )

    @property
    def scale(self) -> float:
        """:math:`Y \\sigma_D`: the move (fraction) of a flow of one day's volume."""
        return self.fit.y * self.sigma_daily

    def move_for(self, usd: float) -> float:
        """:math:`I(Q)`: the move (fraction, >= 0) a flow of ``usd`` causes."""
        q = max(float(usd), 0.0)
        return float(self.scale * (q / self.volume_usd_daily) ** self.fit.delta)

    def usd_for(self, move: float) -> float:
        """:math:`I^{-1}(d)`: the flow that moves price by ``move`` (fraction)."""
        d = max(float(move), 0.0)
        return float(self.volume_usd_daily * (d / self.scale) ** (1.0 / self.fit.delta))

    def scaled(self, factor: float) -> ImpactModel:
        """A market ``factor`` x as liquid (volume x factor: every move for a flow smaller)."""
        if not (factor > 0 and math.isfinite(factor)):
            raise ParameterError(f"impact liquidity scale must be finite and > 0, got {factor}")
        return replace(self, volume_usd_daily=self.volume_usd_daily * factor)

    def draws(self, n: int, rng: np.random.Generator) -> tuple[FloatArray, FloatArray]:
        """``n`` draws of :math:`(Y, \\delta)` from the fit's bivariate normal of (ln Y, delta)."""
        f = self.fit
        z1, z2 = rng.standard_normal(n), rng.standard_normal(n)
        log_y = math.log(f.y) + f.log_y_sd * z1
        delta = f.delta + f.delta_sd * (f.corr * z1 + math.sqrt(max(1 - f.corr**2, 0.0)) * z2)
        return np.exp(log_y), np.clip(delta, 0.2, 1.0)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``liqmap.impact/1``)."""
        return {
            "schema": IMPACT_SCHEMA,
            "law": "I(Q) = Y * sigma_daily * (Q / volume_usd_daily) ** delta",
            "sigma_daily": self.sigma_daily,
            "volume_usd_daily": self.volume_usd_daily,
            "usd_for_1pct": self.usd_for(0.01),
            "source": self.source,
            "fit": self.fit.to_dict(),
        }


def market_state(bars: Candles, as_of_ms: int, lookback_ms: int = DAY_MS) -> tuple[float, float]:
    """(daily volatility, daily USD volume) of the bars closed in ``lookback_ms`` before
    ``as_of_ms`` (no look-ahead): realised variance of log closes per day, USD volume
    (``volume x close``) per day. Volume is ``nan`` when the bars carry none.

    Raises
    ------
    ParameterError
        Fewer than 10 bars in the lookback.
    """
    end = bars.ts_ms + bars.interval_ms
    k = (end <= as_of_ms) & (end > as_of_ms - lookback_ms)
    if k.sum() < 10:
        raise ParameterError(
            f"impact model needs at least 10 bars in the {lookback_ms / 3.6e6:g} h before the "
            f"map's time; found {int(k.sum())}"
        )
    c = bars.close[k]
    span_days = max(float(k.sum()) * bars.interval_ms / DAY_MS, 1e-9)
    r = np.diff(np.log(c))
    sigma = math.sqrt(float(np.sum(r * r)) / span_days)
    vol = bars.volume[k] * c
    known = np.isfinite(vol) & (vol > 0)
    volume = (
        float(vol[known].sum()) / span_days * (len(vol) / known.sum()) if known.any() else math.nan
    )
    return float(sigma), float(volume)


def impact_from_bars(
    bars: Candles,
    as_of_ms: int,
    *,
    fit: ImpactFit = FITTED,
    lookback_ms: int = DAY_MS,
    fallback_volume_usd: float | None = None,
) -> ImpactModel:
    """The impact model of a market at ``as_of_ms`` from its bars (see :func:`market_state`).

    Bars without volume (e.g. the recorder's) need ``fallback_volume_usd``; the model's
    ``source`` says which was used.
    """
    sigma, volume = market_state(bars, as_of_ms, lookback_ms)
    hours = lookback_ms / 3.6e6
    src = f"sigma and volume of the {hours:g} h of bars before the map's time"
    if not math.isfinite(volume):
        if fallback_volume_usd is None:
            raise ParameterError(
                "the bars carry no volume; the impact model needs the market's daily USD volume "
                "(pass fallback_volume_usd, or bars with volume)"
            )
        volume = float(fallback_volume_usd)
        src = (
            f"sigma of the {hours:g} h of bars; volume {volume:,.0f} USD/day given (bars have none)"
        )
    sigma = max(sigma, 1e-4)
    return ImpactModel(sigma, volume, fit, src)


# --- fitting (pure: arrays in, numbers out) ---------------------------------------------------
def _best_y(s: FloatArray, f: FloatArray) -> float:
    den = float(f @ f)
    return float(f @ s) / den if den > 0 else math.nan


def _fit_pair(s: FloatArray, x: FloatArray, sigma: float) -> tuple[float, float]:
    """(Y, delta) minimising squared error of ``s = Y sigma x^delta`` over a delta grid."""
    best = (math.inf, math.nan, math.nan)
    for d in np.linspace(0.2, 1.0, 81):
        f = sigma * x**d
        y = _best_y(s, f)
        sse = float(np.sum((s - y * f) ** 2))
        if sse < best[0]:
            best = (sse, float(d), y)
    return best[2], best[1]


def fit_impact_law(
    signed_return: FloatArray,
    signed_flow_usd: FloatArray,
    sigma_daily: float,
    volume_usd_daily: float,
    *,
    delta: float = 0.5,
    n_boot: int = 300,
    seed: int = 0,
) -> tuple[float, float, float, float, float]:
    """Fit :math:`r\\,\\mathrm{sgn}(Q) = Y \\sigma_D (|Q|/V_D)^\\delta` on windows of (log mid
    change, signed taker USD).

    Returns ``(Y at delta, sd of ln Y, free delta, sd of free delta, corr(ln Y, delta))``, the
    spreads from ``n_boot`` bootstrap resamples of the windows (free fits of both).
    """
    r, q = np.asarray(signed_return, np.float64), np.asarray(signed_flow_usd, np.float64)
    ok = np.isfinite(r) & np.isfinite(q) & (q != 0)
    s, x = r[ok] * np.sign(q[ok]), np.abs(q[ok]) / volume_usd_daily
    if len(s) < 10:
        raise ParameterError(f"need at least 10 windows with flow to fit impact, got {len(s)}")
    y_fixed = _best_y(s, sigma_daily * x**delta)
    _, d_free = _fit_pair(s, x, sigma_daily)
    rng = np.random.default_rng(seed)
    ly, ds, yfix = [], [], []
    for _ in range(n_boot):
        k = rng.integers(0, len(s), len(s))
        y, d = _fit_pair(s[k], x[k], sigma_daily)
        yf = _best_y(s[k], sigma_daily * x[k] ** delta)
        if y > 0 and yf > 0:
            ly.append(math.log(y))
            ds.append(d)
            yfix.append(math.log(yf))
    corr = float(np.corrcoef(ly, ds)[0, 1]) if len(ly) > 2 else 0.0
    return y_fixed, float(np.std(yfix)), d_free, float(np.std(ds)), corr


def fit_resilience(depth_usd: FloatArray, dt_s: float) -> float:
    """Half-life (s) of depth deviations: an AR(1) :math:`D_{t+1} - \\bar D = \\phi (D_t - \\bar D)`
    fitted on a depth series sampled every ``dt_s``; half-life :math:`\\ln 2 / (-\\ln \\phi)\\,dt`.
    """
    d = np.asarray(depth_usd, np.float64)
    dm = d - d.mean()
    den = float(dm[:-1] @ dm[:-1])
    if len(d) < 10 or den <= 0:
        raise ParameterError("need at least 10 varying depth samples to fit resilience")
    phi = float(dm[1:] @ dm[:-1]) / den
    if not (0 < phi < 1):
        raise ParameterError(f"depth series is not mean-reverting (phi = {phi:.3f})")
    return math.log(2.0) / -math.log(phi) * dt_s
