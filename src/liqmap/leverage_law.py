"""The leverage law of the estimator: log-normal leverage cells and explicit leverage mixes.

The positions' leverage is a log-normal law discretised on :data:`LEVERAGE_CELLS` (``docs/model.md``
2.11), or an explicit mix (``--leverage 10:0.3,25:0.7``). Pure arithmetic on floats; the
parameters that pick the law are :class:`liqmap.model_config.EstimatorParams`, which re-exports
these names.
"""

from __future__ import annotations

import functools
import itertools
import math

from liqmap.errors import ParameterError

__all__ = [
    "CELL_LEVERAGES",
    "LEVERAGE_CELLS",
    "MIN_CELL_MASS",
    "cell_mean_leverages",
    "lognormal_cells",
    "parse_leverage_mix",
    "turnover_half_life_10x",
]

#: Edges of the leverage cells the continuous distribution is discretised on (docs/model.md 2.11):
#: each cell is one kernel tier and one chart band (~2.5x, 5x, 10x, 25x, 50x, 100x).
LEVERAGE_CELLS: tuple[float, ...] = (2.0, 3.5, 7.0, 15.0, 35.0, 70.0, 125.0)
#: the leverage each cell's positions are given: the band's nominal leverage (stable labels)
CELL_LEVERAGES: tuple[float, ...] = (2.5, 5.0, 10.0, 25.0, 50.0, 100.0)
#: cells with less probability mass than this are set to 0 (and the rest renormalised)
MIN_CELL_MASS = 1e-6


def _norm_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


@functools.lru_cache(maxsize=256)
def _cell_stats(
    median: float, sigma: float, cells: tuple[float, ...]
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per cell ``[a, b]`` of the law: its mean-distance leverage ``1 / E[1/L | cell]`` (clipped
    to the cell) and its probability mass ``Phi(z_b) - Phi(z_a)`` (not renormalised). Cached:
    every map asks for the same few laws."""
    mu = math.log(median)
    reps: list[float] = []
    mass: list[float] = []
    for a, b in itertools.pairwise(cells):
        za, zb = (math.log(a) - mu) / sigma, (math.log(b) - mu) / sigma
        m = _norm_cdf(zb) - _norm_cdf(za)
        inv = math.exp(-mu + 0.5 * sigma * sigma) * (_norm_cdf(zb + sigma) - _norm_cdf(za + sigma))
        rep = (m / inv) if m > 1e-300 and inv > 0 else math.sqrt(a * b)
        reps.append(min(max(rep, a), b))
        mass.append(max(m, 0.0))
    return tuple(reps), tuple(mass)


def cell_mean_leverages(
    median: float, sigma: float, cells: tuple[float, ...] = LEVERAGE_CELLS
) -> tuple[float, ...]:
    """The mean-distance leverage ``1 / E[1/L | cell]`` of each cell of a log-normal law (the
    liquidation distance is ~``1/L``: a cell's positions sit, on average, at this leverage)."""
    return tuple(_cell_stats(median, sigma, cells)[0])


def lognormal_cells(
    median: float, sigma: float, cells: tuple[float, ...] = LEVERAGE_CELLS
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Leverage and probability mass of each cell of a log-normal leverage law.

    ``ln L ~ N(ln median, sigma^2)`` truncated to ``[cells[0], cells[-1]]``. A cell's mass is
    ``Phi(z_b) - Phi(z_a)`` (renormalised over the cells). With the default cells the leverage
    of each is its band's nominal value (:data:`CELL_LEVERAGES`); for other cells it is
    ``1 / E[1/L | cell]`` (the liquidation distance is ~``1/L``: the cell's mean distance),
    ``E[1/L | a<L<b] = exp(-mu + s^2/2) (Phi(z_b + s) - Phi(z_a + s)) / mass``.
    """
    means, mass = _cell_stats(median, sigma, cells)
    reps = [float(f"{r:.2g}") for r in means]  # 2 significant digits: readable tier labels
    kept = [m if m >= MIN_CELL_MASS else 0.0 for m in mass]  # empty cells cost no kernel time
    total = sum(kept)
    if cells == LEVERAGE_CELLS:
        reps = list(CELL_LEVERAGES)
    if total <= 0:
        raise ParameterError(
            f"leverage distribution (median {median:g}, sigma {sigma:g}) puts no mass on "
            f"{cells[0]:g}x..{cells[-1]:g}x"
        )
    return tuple(reps), tuple(m / total for m in kept)


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


def turnover_half_life_10x(
    turnover_per_day: float,
    leverages: tuple[float, ...],
    weights: tuple[float, ...],
    exponent: float,
) -> float:
    """The 10x half-life (hours) at which the model's open positions turn over as fast as the
    market's: the turnover identity of docs/model.md 2.11.

    Every trade changes two positions, so in a steady state the closes per day (both sides, USD)
    equal the volume ``V``, and the stock (both sides) is ``2 OI``: the stock-weighted closing
    hazard is ``V / (2 OI) = turnover_per_day / 2`` per day. With half-lives
    ``h_k = h10 (L_k / 10) ** -exponent`` and new positions split by ``weights``, the stock of
    cell ``k`` is ``w_k h_k / ln 2`` per unit of flow, so the hazard is
    ``ln 2 / sum_k w_k h_k`` per hour; equating the two gives
    ``h10 = 48 ln 2 / (turnover_per_day * sum_k w_k (L_k / 10) ** -exponent)``.

    Example: the default law (median 50x, sigma 1) and 3.4 turns a day give 23.6 h.
    """
    if not turnover_per_day > 0.0:
        raise ParameterError(f"turnover_per_day must be > 0, got {turnover_per_day}")
    s = float(sum(w * (lev / 10.0) ** -exponent for lev, w in zip(leverages, weights, strict=True)))
    if not s > 0.0:
        raise ParameterError("turnover_half_life_10x: the weights put no mass on any leverage")
    return 48.0 * math.log(2.0) / (turnover_per_day * s)
