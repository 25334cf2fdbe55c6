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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from liqmap._aot import load
from liqmap.core.depth import DepthProfile, DepthSide
from liqmap.core.results import LiquidationMap, iso_ms, tier_label

if TYPE_CHECKING:
    from liqmap.core._cascade_kernel import rounds
else:  # compiled ahead of time when built, else numba
    rounds = load("liqmap.core._cascade_kernel").rounds

__all__ = [
    "STOP_REASONS",
    "CascadeConfig",
    "CascadeResult",
    "cascade_reference",
    "simulate_cascade",
]

FloatArray = NDArray[np.float64]
CASCADE_SCHEMA = "liqmap.cascade/1"
StopReason = Literal["no_shock", "absorbed", "map_edge", "book_exhausted", "max_steps"]
STOP_REASONS: tuple[StopReason, ...] = (
    "no_shock", "absorbed", "map_edge", "book_exhausted", "max_steps",
)  # fmt: skip
_STOP_TEXT = {
    "no_shock": "no shock: nothing moved price",
    "absorbed": "the book absorbed the forced orders (a round crossed no further levels)",
    "map_edge": "price left the map's range; levels beyond it are unknown",
    "book_exhausted": "the depth model ran out before zero price",
    "max_steps": "stopped after the maximum number of rounds before converging",
}
_MAX_JSON_STEPS = 500


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


def _ro(a: object) -> FloatArray:
    arr = np.array(a, dtype=np.float64, copy=True)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, slots=True)
class CascadeResult:
    """The rounds of a cascade and what they add up to.

    Step ``0`` is the shock (no liquidations); step ``k`` holds the price reached after round ``k``
    and the USD force-closed in that round, per side. ``flow_usd`` is the cumulative market flow
    (shock + forced orders) that has walked the book.
    """

    symbol: str
    as_of_ms: int
    start_price: float
    direction: int
    shock_pct: float
    order_usd: float | None
    step_price: FloatArray
    step_long_usd: FloatArray
    step_short_usd: FloatArray
    step_flow_usd: FloatArray
    stop_reason: StopReason
    permanent_fraction: float
    leverages: tuple[float, ...]
    liquidated_by_tier: tuple[float, ...]
    depth: DepthProfile
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for name in ("step_price", "step_long_usd", "step_short_usd", "step_flow_usd"):
            object.__setattr__(self, name, _ro(getattr(self, name)))

    @property
    def n_steps(self) -> int:
        """Rounds after the shock."""
        return len(self.step_price) - 1

    @property
    def total_long_usd(self) -> float:
        """Long liquidations of the whole cascade."""
        return float(self.step_long_usd.sum())

    @property
    def total_short_usd(self) -> float:
        """Short liquidations of the whole cascade."""
        return float(self.step_short_usd.sum())

    @property
    def total_liquidated_usd(self) -> float:
        """All liquidations of the cascade."""
        return self.total_long_usd + self.total_short_usd

    @property
    def shock_price(self) -> float:
        """Price right after the shock, before any liquidation."""
        return float(self.step_price[0])

    @property
    def pin_price(self) -> float:
        """The wick's extreme: the furthest price the cascade reached."""
        return float(self.step_price[-1])

    @property
    def shock_move_pct(self) -> float:
        """Move of the shock alone, signed, in percent."""
        return (self.shock_price / self.start_price - 1.0) * 100.0

    @property
    def pin_move_pct(self) -> float:
        """Move to the pin, signed, in percent."""
        return (self.pin_price / self.start_price - 1.0) * 100.0

    @property
    def final_move_pct(self) -> float:
        """Move after the wick reverts: shock + ``permanent_fraction`` x cascade extra."""
        s, p = self.shock_move_pct, self.pin_move_pct
        return s + self.permanent_fraction * (p - s)

    @property
    def final_price(self) -> float:
        """Price after the wick reverts."""
        return self.start_price * (1.0 + self.final_move_pct / 100.0)

    @property
    def amplification(self) -> float:
        """Final move / shock move (1 = no cascade; ``nan`` without a shock)."""
        s = self.shock_move_pct
        return self.final_move_pct / s if s != 0 else math.nan

    @property
    def pin_amplification(self) -> float:
        """Pin move / shock move."""
        s = self.shock_move_pct
        return self.pin_move_pct / s if s != 0 else math.nan

    @property
    def stop_text(self) -> str:
        """The stopping reason in words."""
        return _STOP_TEXT[self.stop_reason]

    def _steps(self) -> tuple[list[dict[str, float | int]], bool]:
        n = len(self.step_price)
        groups = np.array_split(np.arange(n), min(n, _MAX_JSON_STEPS)) if n > 1 else [np.arange(n)]
        out: list[dict[str, float | int]] = []
        for g in groups:
            last = int(g[-1])
            out.append({
                "step": last,
                "price": float(self.step_price[last]),
                "move_pct": float((self.step_price[last] / self.start_price - 1.0) * 100.0),
                "long_usd": float(self.step_long_usd[g].sum()),
                "short_usd": float(self.step_short_usd[g].sum()),
                "flow_usd": float(self.step_flow_usd[last]),
            })  # fmt: skip
        return out, n > _MAX_JSON_STEPS

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``schema`` ``liqmap.cascade/1``; path merged above 500 steps)."""
        steps, merged = self._steps()
        amp, pamp = self.amplification, self.pin_amplification
        return {
            "schema": CASCADE_SCHEMA,
            "symbol": self.symbol,
            "as_of_ms": self.as_of_ms,
            "as_of": iso_ms(self.as_of_ms),
            "start_price": self.start_price,
            "direction": "down" if self.direction < 0 else "up",
            "shock_pct": self.shock_pct,
            "order_usd": self.order_usd,
            "shock_price": self.shock_price,
            "pin_price": self.pin_price,
            "pin_move_pct": self.pin_move_pct,
            "final_price": self.final_price,
            "final_move_pct": self.final_move_pct,
            "amplification": None if math.isnan(amp) else amp,
            "pin_amplification": None if math.isnan(pamp) else pamp,
            "total_liquidated_usd": self.total_liquidated_usd,
            "total_long_usd": self.total_long_usd,
            "total_short_usd": self.total_short_usd,
            "liquidated_by_tier": {
                tier_label(lv): u
                for lv, u in zip(self.leverages, self.liquidated_by_tier, strict=True)
            },
            "n_steps": self.n_steps,
            "stop_reason": self.stop_reason,
            "stop_text": self.stop_text,
            "permanent_fraction": self.permanent_fraction,
            "steps": steps,
            "steps_merged": merged,
            "depth": self.depth.to_dict(),
            "notes": list(self.notes),
        }


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


def _shock_inputs(
    side: DepthSide, shock_pct: float | None, order_usd: float | None
) -> tuple[int, float, float]:
    """(direction, shock distance, shock flow) from a price shock or a signed market order."""
    if (shock_pct is None) == (order_usd is None):
        raise ValueError("give exactly one of shock_pct or order_usd")
    if shock_pct is not None:
        if not (math.isfinite(shock_pct) and shock_pct > -100.0):
            raise ValueError(f"shock_pct must be finite and > -100, got {shock_pct}")
        d = abs(shock_pct) / 100.0
        return (-1 if shock_pct < 0 else 1), d, side.usd_within(d)
    order = float(order_usd or 0.0)
    if not math.isfinite(order):
        raise ValueError(f"order_usd must be finite, got {order_usd}")
    x, sign = abs(order), (-1 if order < 0 else 1)
    d = side.distance_for(x)
    return sign, (min(d, 1.0) if sign < 0 else d), x  # a sell cannot push price below 0


def _by_tier(m: LiquidationMap, direction: int, pin: float, total: float) -> tuple[float, ...]:
    usd = m.long_usd if direction < 0 else m.short_usd
    lo, hi = sorted((m.price, pin))
    left = np.clip(np.minimum(m.edges[1:], hi) - np.maximum(m.edges[:-1], lo), 0.0, None)
    share = left / np.diff(m.edges)
    tiers = (usd * share).sum(axis=1)
    s = float(tiers.sum())
    return tuple(float(t) * (total / s) if s > 0 else 0.0 for t in tiers)


def simulate_cascade(
    m: LiquidationMap,
    depth: DepthProfile,
    *,
    shock_pct: float | None = None,
    order_usd: float | None = None,
    config: CascadeConfig | None = None,
) -> CascadeResult:
    """Run the cascade on map ``m`` with book ``depth``.

    Parameters
    ----------
    shock_pct
        Initial price move in percent (``-2.0`` = 2% down), or
    order_usd
        a market order of that many USD (negative = sell), walking the book first.
    config
        Rounds settings; see :class:`CascadeConfig`.
    """
    cfg = config or CascadeConfig()
    probe = depth.side(-1 if (shock_pct or 0) < 0 or (order_usd or 0) < 0 else 1)
    direction, shock, flow0 = _shock_inputs(probe, shock_pct, order_usd)
    side = depth.side(direction)
    usd = np.ascontiguousarray(m.long_total if direction < 0 else m.short_total)
    out = np.zeros((cfg.max_steps + 1, 3))
    n, code = rounds(
        np.ascontiguousarray(m.edges), usd, float(m.price), direction, shock, flow0,
        side.dist, side.cum_usd, side.coef, side.exponent, cfg.tolerance(flow0), cfg.max_steps,
        out,
    )  # fmt: skip
    price, liq, flow = out[:n, 0], out[:n, 1], out[:n, 2]
    zero = np.zeros(n)
    total = float(liq.sum())
    reason = STOP_REASONS[code]
    notes: list[str] = []
    if reason == "map_edge":
        notes.append("the cascade ran past the map's price range: widen --range to see further")
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
        depth=depth,
        notes=tuple(notes),
    )
