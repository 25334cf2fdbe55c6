"""Order-book depth profiles: how much USD a market order consumes to move price a distance ``d``.

A :class:`DepthSide` is the cumulative resting notional :math:`D(d)` (USD) between the mid price and
a relative distance :math:`d` (a fraction: 0.01 = 1%) on one side of the book: bids for price
falls, asks for price rises. A market sell of :math:`X` USD walks the bids to
:math:`d = D^{-1}(X)` (``distance_for``) and fills on average at ``avg_fill_distance(X)``.

The documented parametric model (``docs/cascade.md`` section 2) is a power law

.. math:: D(d) = D_1 \\,(d / 1\\%)^{b},

:math:`D_1` the USD within 1% of mid and :math:`b` the growth exponent (:math:`b = 1`: uniform
density; :math:`b > 1`: density rising away from mid). It is fitted by least squares on
log-log samples of a real book (:func:`fit_power_law`). An empirical side keeps the book's own
piecewise-linear curve up to the deepest level known and continues it with the fitted law:
:math:`D(d) = D_n + A\\,(d^b - d_n^b)` beyond :math:`d_n`, :math:`A = D_1 / 0.01^b`, so the marginal
density follows the fit and the curve stays continuous.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DepthProfile",
    "DepthSide",
    "fit_power_law",
    "median_profile",
    "power_profile",
    "profile_from_cumulative",
    "profile_from_levels",
    "side_from_cumulative",
]

FloatArray = NDArray[np.float64]
DEPTH_SCHEMA = "liqmap.depth/1"
ONE_PCT = 0.01
_FIT_POINTS = 40
FIT_MIN_DIST = 5e-4
_MIN_BOOKS = 3
MAX_FIT_EXPONENT = 2.0
MIN_FIT_EXPONENT = 0.05


def _ro(a: object) -> FloatArray:
    arr = np.array(a, dtype=np.float64, copy=True)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, slots=True)
class DepthSide:
    """Cumulative USD depth of one side as a function of relative distance from mid.

    Attributes
    ----------
    dist, cum_usd
        Samples of the empirical curve, both strictly increasing and starting at ``(0, 0)``;
        ``(0,)`` and ``(0,)`` for a pure power law.
    usd_1pct, exponent
        The power law :math:`D_1 (d/1\\%)^b`; beyond ``dist[-1]`` its marginal density is used.
    r2
        Goodness of the log-log fit (``nan`` for a model given by hand).
    """

    dist: FloatArray
    cum_usd: FloatArray
    usd_1pct: float
    exponent: float
    r2: float = math.nan

    def __post_init__(self) -> None:
        d, c = _ro(self.dist), _ro(self.cum_usd)
        if d.shape != c.shape or d.ndim != 1 or len(d) < 1 or d[0] != 0.0 or c[0] != 0.0:
            raise ValueError("dist and cum_usd must be equal-length 1-d arrays starting at 0")
        if len(d) > 1 and (np.any(np.diff(d) <= 0) or np.any(np.diff(c) <= 0)):
            raise ValueError("dist and cum_usd must be strictly increasing")
        if not (self.usd_1pct > 0 and math.isfinite(self.usd_1pct)):
            raise ValueError(f"usd_1pct must be finite and > 0, got {self.usd_1pct}")
        if not (0 < self.exponent <= 10):
            raise ValueError(f"exponent must be in (0, 10], got {self.exponent}")
        object.__setattr__(self, "dist", d)
        object.__setattr__(self, "cum_usd", c)

    @property
    def coef(self) -> float:
        """:math:`A = D_1 / 0.01^b`, so that :math:`D(d) = A d^b`."""
        return float(self.usd_1pct / ONE_PCT**self.exponent)

    @property
    def known_to(self) -> float:
        """Deepest distance covered by the empirical curve (0 for a pure model)."""
        return float(self.dist[-1])

    def usd_within(self, d: float) -> float:
        """:math:`D(d)`: USD resting between mid and distance ``d`` (>= 0)."""
        d = max(float(d), 0.0)
        dn = float(self.dist[-1])
        if d <= dn:
            return float(np.interp(d, self.dist, self.cum_usd))
        return float(self.cum_usd[-1] + self.coef * (d**self.exponent - dn**self.exponent))

    def distance_for(self, usd: float) -> float:
        """:math:`D^{-1}(X)`: the distance a market order of ``usd`` moves price."""
        x = max(float(usd), 0.0)
        cn, dn = float(self.cum_usd[-1]), float(self.dist[-1])
        if x <= cn:
            return float(np.interp(x, self.cum_usd, self.dist))
        return float(((x - cn) / self.coef + dn**self.exponent) ** (1.0 / self.exponent))

    def avg_fill_distance(self, usd: float) -> float:
        """USD-weighted mean distance of the fills of a market order of ``usd``:
        :math:`\\frac{1}{X}\\int_0^{D^{-1}(X)} s\\,dD(s)` (0 for ``usd`` <= 0)."""
        x = float(usd)
        if x <= 0:
            return 0.0
        end = self.distance_for(x)
        d, c = self.dist, self.cum_usd
        k = int(np.searchsorted(d, end, side="right"))  # samples strictly inside [0, end]
        xs = np.append(d[:k], min(end, float(d[-1])))
        ys = np.append(c[:k], self.usd_within(float(xs[-1])))
        moment = float(np.sum(np.diff(ys) * (xs[1:] + xs[:-1]) * 0.5))
        dn = float(d[-1])
        if end > dn:
            b = self.exponent
            moment += self.coef * b / (b + 1.0) * (end ** (b + 1.0) - dn ** (b + 1.0))
        return moment / x

    def scaled(self, factor: float) -> DepthSide:
        """The same shape with every USD amount multiplied by ``factor`` (> 0)."""
        if not (factor > 0 and math.isfinite(factor)):
            raise ValueError(f"depth scale must be finite and > 0, got {factor}")
        return replace(self, cum_usd=self.cum_usd * factor, usd_1pct=self.usd_1pct * factor)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (the fitted law and the depth at a few distances)."""
        return {
            "usd_1pct": self.usd_1pct,
            "exponent": self.exponent,
            "r2": None if math.isnan(self.r2) else self.r2,
            "known_to_pct": self.known_to * 100.0,
            "usd_within": {
                f"{p:g}%": self.usd_within(p / 100.0) for p in (0.1, 0.5, 1.0, 2.0, 5.0)
            },
        }


@dataclass(frozen=True, slots=True)
class DepthProfile:
    """Both sides of a book (bids absorb sells, asks absorb buys) and where they came from."""

    bid: DepthSide
    ask: DepthSide
    kind: Literal["book", "power"]
    source: str
    mid: float = math.nan
    ts_ms: int | None = None

    def side(self, direction: int) -> DepthSide:
        """The side a move of sign ``direction`` consumes: bids for -1 (falls), asks for +1."""
        return self.bid if direction < 0 else self.ask

    def scaled(self, factor: float) -> DepthProfile:
        """Every USD amount multiplied by ``factor`` (sensitivity studies, property tests)."""
        label = self.source if factor == 1.0 else f"{self.source} x{factor:g}"
        return replace(self, bid=self.bid.scaled(factor), ask=self.ask.scaled(factor), source=label)

    def as_power(self) -> DepthProfile:
        """Only the fitted power law of each side (drops the empirical curve)."""
        return replace(
            self,
            bid=power_side(self.bid.usd_1pct, self.bid.exponent, r2=self.bid.r2),
            ask=power_side(self.ask.usd_1pct, self.ask.exponent, r2=self.ask.r2),
            kind="power",
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "schema": DEPTH_SCHEMA,
            "kind": self.kind,
            "source": self.source,
            "mid": None if math.isnan(self.mid) else self.mid,
            "ts_ms": self.ts_ms,
            "bid": self.bid.to_dict(),
            "ask": self.ask.to_dict(),
        }


def power_side(usd_1pct: float, exponent: float, *, r2: float = math.nan) -> DepthSide:
    """A pure power-law side :math:`D_1 (d/1\\%)^b`."""
    return DepthSide(np.zeros(1), np.zeros(1), float(usd_1pct), float(exponent), r2)


def power_profile(
    usd_1pct: float | tuple[float, float],
    exponent: float | tuple[float, float],
    *,
    source: str = "power model",
) -> DepthProfile:
    """A parametric profile; a pair gives ``(bid, ask)`` values, a number both sides."""
    u = usd_1pct if isinstance(usd_1pct, tuple) else (usd_1pct, usd_1pct)
    b = exponent if isinstance(exponent, tuple) else (exponent, exponent)
    return DepthProfile(power_side(u[0], b[0]), power_side(u[1], b[1]), "power", source)


def fit_power_law(
    dist: FloatArray,
    cum_usd: FloatArray,
    *,
    min_dist: float = FIT_MIN_DIST,
    max_exponent: float = MAX_FIT_EXPONENT,
) -> tuple[float, float, float]:
    """Least-squares fit of :math:`\\log D = \\log D_1 + b \\log(d / 1\\%)` with :math:`b \\le`
    ``max_exponent``.

    The curve is sampled at 40 log-spaced distances from ``min_dist`` (5 bp: nearer the touch
    the queue at the best prices dominates, which says little about depth at cascade scales) to
    its deepest level; a curve shallower than ``2 * min_dist`` is sampled from its first level.
    When the free fit gives :math:`b` above ``max_exponent`` (2: the latent-liquidity profile of
    the square-root impact law, ``liqmap.core.impact``; the shared BTC/ETH books fit 1.09-1.70),
    :math:`b` is fixed there and :math:`\\log D_1` refitted as the mean residual.
    Returns ``(D_1, b, R^2)``.

    Raises
    ------
    ValueError
        Fewer than two distinct levels away from mid.
    """
    d, c = np.asarray(dist, np.float64), np.asarray(cum_usd, np.float64)
    pos = d > 0
    if pos.sum() < 2 or c[-1] <= 0:
        raise ValueError("need at least two levels away from mid to fit a depth law")
    hi = float(d[-1])
    lo = max(float(d[pos][0]), min_dist) if hi >= 2 * min_dist else float(d[pos][0])
    xs = np.geomspace(lo, hi, _FIT_POINTS) if hi > lo * 1.0001 else d[pos]
    ys = np.interp(xs, d, c)
    keep = ys > 0
    x, y = np.log(xs[keep] / ONE_PCT), np.log(ys[keep])
    if len(x) < 2:
        raise ValueError("need at least two levels away from mid to fit a depth law")
    b, a = (float(v) for v in np.polyfit(x, y, 1))
    if b > max_exponent or b < MIN_FIT_EXPONENT:
        b = min(max(b, MIN_FIT_EXPONENT), max_exponent)
        a = float(np.mean(y - b * x))
    ss = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum((y - (a + b * x)) ** 2)) / ss if ss > 0 else 1.0
    return math.exp(a), b, r2


def median_profile(
    profiles: Sequence[DepthProfile], *, source: str, points: int = 32
) -> DepthProfile:
    """The median of several books' curves (each only over its own known range), refitted.

    Medians are taken at ``points`` log-spaced distances; a distance counts where at least three
    books (all, when fewer) reach it. Single books are noisy (walls come and go); the median is
    what a typical moment of the recording offers.
    """
    if not profiles:
        raise ValueError("median_profile needs at least one profile")
    sides = [_median_side([getattr(p, name) for p in profiles], points) for name in ("bid", "ask")]
    ts = profiles[-1].ts_ms
    mid = float(np.median([p.mid for p in profiles]))
    return DepthProfile(sides[0], sides[1], "book", source, mid, ts)


def _median_side(sides: list[DepthSide], points: int) -> DepthSide:
    first = min(float(s.dist[1]) for s in sides if len(s.dist) > 1)
    last = max(s.known_to for s in sides)
    grid = np.geomspace(max(first, 1e-6), last, points)
    vals = np.full((len(sides), points), np.nan)
    for i, s in enumerate(sides):
        ok = grid <= s.known_to
        vals[i, ok] = np.interp(grid[ok], s.dist, s.cum_usd)
    count = np.isfinite(vals).sum(axis=0)
    keep = count >= min(_MIN_BOOKS, len(sides))
    med = np.array([np.median(col[np.isfinite(col)]) for col in vals[:, keep].T])
    return side_from_cumulative(grid[keep], np.maximum.accumulate(med))


def side_from_cumulative(dist: FloatArray, cum_usd: FloatArray) -> DepthSide:
    """An empirical side from cumulative samples (any order; ``(0, 0)`` is added), with its fit.

    Samples that do not add depth (equal or lower cumulative USD further out) are dropped.
    """
    d, c = np.asarray(dist, np.float64), np.asarray(cum_usd, np.float64)
    order = np.argsort(d, kind="stable")
    d, c = d[order], c[order]
    keep = (d > 0) & (c > 0) & (c >= np.maximum.accumulate(c))
    d, c = np.r_[0.0, d[keep]], np.r_[0.0, c[keep]]
    inc = np.r_[True, (np.diff(d) > 0) & (np.diff(c) > 0)]
    d, c = d[inc], c[inc]
    usd1, b, r2 = fit_power_law(d, c)
    return DepthSide(d, c, usd1, b, r2)


def _side_from_levels(mid: float, prices: FloatArray, qty: FloatArray) -> DepthSide:
    """Levels of one side (any order) -> empirical curve with its fitted tail."""
    p, q = np.asarray(prices, np.float64), np.asarray(qty, np.float64)
    keep = q > 0
    p, q = p[keep], q[keep]
    dist, inv = np.unique(np.abs(p / mid - 1.0), return_inverse=True)
    usd = np.bincount(inv, weights=p * q)
    if dist[0] == 0.0 and len(dist) > 1:  # a level exactly at mid joins the first one away
        usd[1] += usd[0]
        dist, usd = dist[1:], usd[1:]
    return side_from_cumulative(dist, np.cumsum(usd))


def profile_from_levels(
    bid_prices: FloatArray,
    bid_qty: FloatArray,
    ask_prices: FloatArray,
    ask_qty: FloatArray,
    *,
    source: str,
    ts_ms: int | None = None,
    mid: float | None = None,
) -> DepthProfile:
    """An empirical profile from book levels (price, base quantity); mid = (best bid + ask) / 2.

    Only the levels given are counted: pass the range the book is known to be complete over.
    """
    if len(bid_prices) < 2 or len(ask_prices) < 2:
        raise ValueError("a depth profile needs at least two levels on each side")
    m = (
        float(mid)
        if mid is not None
        else 0.5 * (float(np.max(bid_prices)) + float(np.min(ask_prices)))
    )
    return DepthProfile(
        _side_from_levels(m, bid_prices, bid_qty),
        _side_from_levels(m, ask_prices, ask_qty),
        "book",
        source,
        m,
        ts_ms,
    )


def profile_from_cumulative(
    bid: tuple[FloatArray, FloatArray],
    ask: tuple[FloatArray, FloatArray],
    *,
    source: str,
    ts_ms: int | None = None,
    mid: float = math.nan,
) -> DepthProfile:
    """An empirical profile from cumulative ``(distance, USD)`` samples per side (e.g. the
    ``bookDepth`` archive's percentage bands)."""
    return DepthProfile(
        side_from_cumulative(*bid), side_from_cumulative(*ask), "book", source, mid, ts_ms
    )
