"""Liquidation cascades: a shock crosses liquidation levels, their forced orders walk the book,
price moves on and crosses more levels, until the book absorbs the flow.

Model (derived in ``docs/cascade.md`` section 1). Price starts at the map's price :math:`P_0`; a
move
of sign :math:`s` (-1 down, +1 up) consumes the bids (down) or asks (up) of a
:class:`~liqmap.core.depth.DepthProfile` :math:`D(d)`; the forced orders are the map's long levels
below :math:`P_0` (forced sells) or short levels above it (forced buys), uniform within a bin as
everywhere in liqmap. Write :math:`L(d)` for the USD of those levels between :math:`P_0` and
:math:`P_0(1 + s d)`. A shock of :math:`d_0` (or a market order of :math:`X_0 = D(d_0)` USD) starts
the rounds

.. math:: d_{k+1} = D^{-1}\\big(X_0 + L(d_k)\\big),

each round force-closing the levels the previous one crossed. The sequence never decreases and
stops at the least fixed point :math:`d^* = D^{-1}(X_0 + L(d^*))` (the *pin*, the wick's extent),
when a round crosses less than ``max(tol_usd, tol_rel * X_0)`` (``absorbed``), at the map's edge
(``map_edge``: levels beyond are unknown), at a zero price (``book_exhausted``) or after
``max_steps``. After the wick the cascade's own impact partly reverts: the final move is
:math:`d_0 + \\phi\\,(d^* - d_0)` with :math:`\\phi` = ``permanent_fraction``.

:func:`simulate_cascade` runs the numba kernel; :func:`cascade_reference` is the readable
reference of the same rounds, kept equal by a test.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from liqmap._aot import load
from liqmap.core.cascade_result import STOP_REASONS, CascadeResult, StopReason
from liqmap.core.depth import DepthProfile, DepthSide
from liqmap.core.impact import ImpactModel
from liqmap.core.results import LiquidationMap

if TYPE_CHECKING:
    from liqmap.core._cascade_kernel import impact_rounds, rounds
else:  # compiled ahead of time when built, else numba
    _kernels = load("liqmap.core._cascade_kernel")
    rounds, impact_rounds = _kernels.rounds, _kernels.impact_rounds

__all__ = [
    "STOP_REASONS",
    "CascadeConfig",
    "CascadeResult",
    "cascade_reference",
    "simulate_cascade",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class CascadeConfig:
    """Settings of the rounds (documented defaults).

    ``permanent_fraction`` is the share of the cascade's extra impact still present after the
    wick (about 2/3 after a metaorder in the empirical literature, see ``docs/cascade.md``).
    """

    permanent_fraction: float = 2.0 / 3.0
    tol_usd: float = 1.0
    tol_rel: float = 1e-6
    max_steps: int = 100_000

    def __post_init__(self) -> None:
        if not (0.0 <= self.permanent_fraction <= 1.0):
            raise ValueError(f"permanent_fraction must be in [0, 1], got {self.permanent_fraction}")
        if not (self.tol_usd > 0 and self.tol_rel >= 0 and self.max_steps >= 1):
            raise ValueError("tol_usd must be > 0, tol_rel >= 0 and max_steps >= 1")

    def tolerance(self, flow0: float) -> float:
        """A round crossing less than this many USD ends the cascade."""
        return max(self.tol_usd, self.tol_rel * flow0)


# --- the rounds: readable reference ------------------------------------------------------------
def _below(edges: FloatArray, usd: FloatArray, prefix: FloatArray, x: float) -> float:
    """USD of ``usd`` below price ``x``, levels uniform within each bin."""
    if x <= edges[0]:
        return 0.0
    if x >= edges[-1]:
        return float(prefix[-1])
    j = int(np.searchsorted(edges, x, side="right")) - 1
    return float(prefix[j] + usd[j] * (x - edges[j]) / (edges[j + 1] - edges[j]))


def cascade_reference(
    edges: FloatArray,
    usd: FloatArray,
    start_price: float,
    direction: int,
    shock: float,
    flow0: float,
    side: DepthSide,
    config: CascadeConfig,
) -> tuple[FloatArray, FloatArray, FloatArray, StopReason]:
    """The rounds, written for reading. ``usd`` is the side's USD per bin (forced orders),
    ``shock`` the shock's distance (fraction), ``flow0`` its USD. Returns per step: price,
    liquidated USD, cumulative flow; and the stopping reason."""
    prefix = np.r_[0.0, np.cumsum(usd)]
    base = _below(edges, usd, prefix, start_price)
    prices, liq_steps, flows = [start_price * (1 + direction * shock)], [0.0], [flow0]
    if shock <= 0.0 and flow0 <= 0.0:
        return np.array(prices), np.array(liq_steps), np.array(flows), "no_shock"
    d, liq = shock, 0.0
    reason: StopReason = "max_steps"
    for _ in range(config.max_steps):
        p = start_price * (1 + direction * d)
        crossed = abs(_below(edges, usd, prefix, p) - base)
        new = crossed - liq
        if new <= config.tolerance(flow0):
            liq_steps[-1] += max(new, 0.0)
            off_map = p <= edges[0] if direction < 0 else p >= edges[-1]
            reason = "map_edge" if off_map else "absorbed"
            break
        liq = crossed
        d = side.distance_for(flow0 + liq)
        if direction < 0 and d >= 1.0:
            d, reason = 1.0, "book_exhausted"
        prices.append(start_price * (1 + direction * d))
        liq_steps.append(new)
        flows.append(flow0 + liq)
        if reason == "book_exhausted":  # price reached 0: every level below the start is crossed
            liq_steps[-1] += max(base - liq, 0.0)
            break
    return np.array(prices), np.array(liq_steps), np.array(flows), reason


def _shock(
    usd_for: Callable[[float], float],
    move_for: Callable[[float], float],
    shock_pct: float | None,
    order_usd: float | None,
) -> tuple[int, float, float]:
    """(direction, shock distance, shock flow) from a price shock or a signed market order;
    ``usd_for(d)`` is the flow that moves price by ``d``, ``move_for(x)`` the move of a flow ``x``."""
    if (shock_pct is None) == (order_usd is None):
        raise ValueError("give exactly one of shock_pct or order_usd")
    if shock_pct is not None:
        if not (math.isfinite(shock_pct) and shock_pct > -100.0):
            raise ValueError(f"shock_pct must be finite and > -100, got {shock_pct}")
        d = abs(shock_pct) / 100.0
        return (-1 if shock_pct < 0 else 1), d, usd_for(d)
    order = float(order_usd or 0.0)
    if not math.isfinite(order):
        raise ValueError(f"order_usd must be finite, got {order_usd}")
    x, sign = abs(order), (-1 if order < 0 else 1)
    d = move_for(x)
    return sign, (min(d, 1.0) if sign < 0 else d), x  # a sell cannot push price below 0


def _shock_inputs(
    side: DepthSide, shock_pct: float | None, order_usd: float | None
) -> tuple[int, float, float]:
    """:func:`_shock` on the instant book's side."""
    return _shock(side.usd_within, side.distance_for, shock_pct, order_usd)


def _by_tier(m: LiquidationMap, direction: int, pin: float, total: float) -> tuple[float, ...]:
    usd = m.long_usd if direction < 0 else m.short_usd
    lo, hi = sorted((m.price, pin))
    left = np.clip(np.minimum(m.edges[1:], hi) - np.maximum(m.edges[:-1], lo), 0.0, None)
    share = left / np.diff(m.edges)
    tiers = (usd * share).sum(axis=1)
    s = float(tiers.sum())
    return tuple(float(t) * (total / s) if s > 0 else 0.0 for t in tiers)


def held_usd(m: LiquidationMap, direction: int) -> float:
    """USD of the positions the map holds that a move of sign ``direction`` could force-close:
    its long levels below price (falls) or short levels above it (rises), incl. off-range USD.
    No cascade force-closes more than this."""
    if direction < 0:
        return float(m.long_total[m.centers < m.price].sum() + m.out_of_range_long_usd)
    return float(m.short_total[m.centers > m.price].sum() + m.out_of_range_short_usd)


def run_rounds(
    m: LiquidationMap, usd: FloatArray, model: DepthProfile | ImpactModel, direction: int,
    shock: float, flow0: float, joint: bool, cap: float, cfg: CascadeConfig, out: FloatArray,
) -> tuple[int, int]:  # fmt: skip
    """One kernel call on the side's USD per bin ``usd`` (book or impact rounds)."""
    edges, tol = np.ascontiguousarray(m.edges), cfg.tolerance(max(flow0, 1.0))
    if isinstance(model, ImpactModel):
        return impact_rounds(
            edges, usd, float(m.price), direction, shock, flow0, joint, model.scale,
            model.volume_usd_daily, model.fit.delta, cap, tol, cfg.max_steps, out,
        )  # fmt: skip
    side = model.side(direction)
    return rounds(
        edges, usd, float(m.price), direction, shock, flow0, side.dist, side.cum_usd,
        side.coef, side.exponent, tol, cfg.max_steps, out,
    )  # fmt: skip


def _impact_shock(
    impact: ImpactModel, shock_pct: float | None, order_usd: float | None
) -> tuple[int, float, float]:
    """:func:`_shock` on the impact law."""
    return _shock(
        lambda d: impact.usd_for(d) if d > 0 else 0.0, impact.move_for, shock_pct, order_usd
    )


def simulate_cascade(
    m: LiquidationMap,
    depth: DepthProfile | ImpactModel,
    *,
    shock_pct: float | None = None,
    order_usd: float | None = None,
    config: CascadeConfig | None = None,
) -> CascadeResult:
    """Run the cascade on map ``m``.

    Parameters
    ----------
    depth
        An :class:`~liqmap.core.impact.ImpactModel` (the fitted square-root law with the market's
        volatility and volume: forced flow moves price by :math:`I(L)` on top of the shock), or a
        :class:`DepthProfile` (the instant book with no refill: an upper bound of the cascade).
    shock_pct
        Initial price move in percent (``-2.0`` = 2% down), or
    order_usd
        a market order of that many USD (negative = sell), moving price first.
    config
        Rounds settings; see :class:`CascadeConfig`.
    """
    cfg = config or CascadeConfig()
    if isinstance(depth, ImpactModel):
        direction, shock, flow0 = _impact_shock(depth, shock_pct, order_usd)
    else:
        probe = depth.side(-1 if (shock_pct or 0) < 0 or (order_usd or 0) < 0 else 1)
        direction, shock, flow0 = _shock_inputs(probe, shock_pct, order_usd)
    usd = np.ascontiguousarray(m.long_total if direction < 0 else m.short_total)
    out = np.zeros((cfg.max_steps + 1, 3))
    cap = held_usd(m, direction)
    joint = order_usd is not None
    n, code = run_rounds(m, usd, depth, direction, shock, flow0, joint, cap, cfg, out)
    price, liq, flow = out[:n, 0], out[:n, 1], out[:n, 2]
    zero = np.zeros(n)
    total = float(liq.sum())
    reason = STOP_REASONS[code]
    notes: list[str] = []
    if reason == "map_edge":
        notes.append("the cascade ran past the map's price range: widen --range to see further")
    if not isinstance(depth, ImpactModel):
        notes.append("instant book with no refill: an upper bound (books refill within seconds)")
    return CascadeResult(
        symbol=m.symbol,
        as_of_ms=m.as_of_ms,
        start_price=float(m.price),
        direction=direction,
        shock_pct=float(shock_pct) if shock_pct is not None else direction * shock * 100.0,
        order_usd=None if order_usd is None else float(order_usd),
        step_price=price,
        step_long_usd=liq if direction < 0 else zero,
        step_short_usd=zero if direction < 0 else liq,
        step_flow_usd=flow,
        stop_reason=reason,
        permanent_fraction=cfg.permanent_fraction,
        leverages=m.leverages,
        liquidated_by_tier=_by_tier(m, direction, float(price[-1]), total),
        depth=None if isinstance(depth, ImpactModel) else depth,
        notes=tuple(notes),
        impact=depth if isinstance(depth, ImpactModel) else None,
    )
