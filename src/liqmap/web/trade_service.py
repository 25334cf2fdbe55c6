"""Cascades and plans on a served map, as ``liqmap cascade`` / ``liqmap plan`` compute them:
the impact model from the served bars, the outcome distribution, and what the data is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from liqmap.core.cascade import CascadeConfig, CascadeResult, simulate_cascade
from liqmap.core.cascade_dist import CascadeOutcomes, OutcomeConfig, simulate_outcomes
from liqmap.core.impact import ImpactModel, impact_from_bars
from liqmap.core.plan import Plan, make_plan
from liqmap.core.results import LiquidationMap
from liqmap.errors import ParameterError
from liqmap.web.params import FieldError, MapQuery
from liqmap.web.sources import Snapshot
from liqmap.web.trade_params import CascadeQuery, PlanQuery

__all__ = ["CascadeRun", "data_source", "run_cascade", "run_plan"]


@dataclass(frozen=True, slots=True)
class CascadeRun:
    """A cascade, its outcome distribution (``None`` without draws) and the data it ran on."""

    result: CascadeResult
    outcomes: CascadeOutcomes | None
    data_source: str
    simulated: bool

    def to_dict(self) -> dict[str, Any]:
        """``liqmap cascade --json``: the cascade plus ``outcomes``, ``data_source``, ``simulated``."""
        return self.result.to_dict() | {
            "outcomes": None if self.outcomes is None else self.outcomes.to_dict(),
            "data_source": self.data_source,
            "simulated": self.simulated,
        }


def data_source(q: MapQuery) -> tuple[str, bool]:
    """(label, simulated) of the served source behind ``q``."""
    if q.source.kind == "demo":
        return f"{q.source.name}: the built-in SIMULATED market (not real data)", True
    return f"{q.source.name} exchange data (local store)", False


def _impact(m: LiquidationMap, snap: Snapshot, scale: float, field: str) -> ImpactModel:
    try:
        imp = impact_from_bars(snap.data.candles, m.as_of_ms)
    except ParameterError as exc:
        raise FieldError(field, f"{exc}; use model=book") from None
    return imp if scale == 1.0 else imp.scaled(scale)


def run_cascade(m: LiquidationMap, q: CascadeQuery, snap: Snapshot) -> CascadeRun:
    """The cascade of ``q`` on ``m`` (impact law or book) and, with draws, its outcomes."""
    cfg = CascadeConfig(permanent_fraction=q.permanent_fraction)
    label, simulated = data_source(q.base)
    if q.model == "book":
        r = simulate_cascade(m, q.depth, shock_pct=q.shock_pct, order_usd=q.order_usd, config=cfg)
        return CascadeRun(r, None, label, simulated)
    imp = _impact(m, snap, q.depth_scale, "model")
    r = simulate_cascade(m, imp, shock_pct=q.shock_pct, order_usd=q.order_usd, config=cfg)
    o = None
    if q.draws > 0:
        o = simulate_outcomes(
            m, imp, shock_pct=q.shock_pct, order_usd=q.order_usd, config=cfg,
            outcomes=OutcomeConfig(n_draws=q.draws),
        )  # fmt: skip
    return CascadeRun(r, o, label, simulated)


def run_plan(m: LiquidationMap, q: PlanQuery, snap: Snapshot) -> Plan:
    """The plan of ``q`` on ``m``; the stop clears the impact-law cascade pin when the bars
    carry volume, else the book's."""
    label, simulated = data_source(q.base)
    try:
        imp: ImpactModel | None = _impact(m, snap, q.depth_scale, "depth_scale")
    except FieldError:
        imp = None
    return make_plan(
        m, snap.data.candles, side=q.side, entry=q.entry, size_usd=q.size_usd, depth=q.depth,
        impact=imp, data_source=label, simulated=simulated,
    )  # fmt: skip
