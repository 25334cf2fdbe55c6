"""What the overlay charts draw, computed once for the PNG and the HTML renderers."""

from __future__ import annotations

import numpy as np

from liqmap.core.cascade import CascadeResult
from liqmap.core.cascade_dist import CascadeOutcomes
from liqmap.core.plan import Plan
from liqmap.core.results import LiquidationMap
from liqmap.render.formatting import format_pct, format_price, format_usd
from liqmap.render.style import Style

__all__ = [
    "AMBER", "absorption", "kind_color", "outcome_text", "plan_lines", "staircase", "summary",
]  # fmt: skip

AMBER = "#f3b23f"


def staircase(r: CascadeResult) -> tuple[np.ndarray, np.ndarray]:
    """(x, y): start -> shock at 0 USD, then per round up to the cumulative USD, across to the
    next price."""
    total = np.cumsum(r.step_long_usd + r.step_short_usd)
    last = len(total) - 1
    cum = total[np.minimum(np.arange(len(total)) + 1, last)]  # USD crossed on reaching step k
    xs, ys = [r.start_price, r.step_price[0]], [0.0, 0.0]
    for k, p in enumerate(r.step_price):
        xs += [float(p), float(p)]
        ys += [ys[-1], float(cum[k])]
        if k + 1 < len(r.step_price):
            xs.append(float(r.step_price[k + 1]))
            ys.append(float(cum[k]))
    return np.array(xs), np.array(ys)


def absorption(r: CascadeResult, m: LiquidationMap) -> tuple[np.ndarray, np.ndarray]:
    """Absorption along the cascade's direction, up to the map's edge
    (:meth:`CascadeResult.absorption_usd`)."""
    end = m.edges[0] if r.direction < 0 else m.edges[-1]
    prices = np.linspace(r.shock_price, end, 200)
    usd = [r.absorption_usd(abs(p / r.start_price - 1.0)) for p in prices]
    return prices, np.maximum(np.array(usd), 0.0)


def summary(r: CascadeResult) -> str:
    how = f"order {format_usd(abs(r.order_usd))}" if r.order_usd is not None else "shock"
    return (
        f"{how} {format_pct(r.shock_move_pct)} → pin {format_price(r.pin_price)} "
        f"({format_pct(r.pin_move_pct)}), final {format_pct(r.final_move_pct)} · "
        f"liquidated {format_usd(r.total_liquidated_usd)} in {r.n_steps} rounds · {r.stop_reason}"
    )


def outcome_text(o: CascadeOutcomes) -> str:
    """One line on the outcome distribution."""
    q = o.pin_move_pct
    return (
        f"{o.n_draws} draws: wick p10-p90 {format_pct(q[0.1])} to {format_pct(q[0.9])}, "
        f"liquidated p10-p90 {format_usd(o.liquidated_usd[0.1])}-{format_usd(o.liquidated_usd[0.9])}"
        + "".join(f", P(≥{k:g}x) {p:.0%}" for k, p in o.p_extend.items() if k == 2.0)
    )


def plan_lines(p: Plan) -> list[tuple[float, str, str]]:
    """(price, label, kind) of every level a plan draws."""
    s = p.stop
    lines = [(p.entry, f"entry {format_price(p.entry)}", "entry")]
    lines.append((s.price, f"stop {format_price(s.price)} ({format_pct(s.distance_pct)})", "stop"))
    if p.simulated:
        lines[0] = (p.entry, f"entry {format_price(p.entry)} · SIMULATED market", "entry")
    for i, t in enumerate(p.take_profits, start=1):
        label = (
            f"TP{i} {format_price(t.price)} ({format_pct(t.distance_pct)}, {t.reward_risk:.1f}R)"
        )
        lines.append((t.price, label, "tp"))
    return lines


def kind_color(kind: str, st: Style) -> str:
    return {"entry": st.price_line, "stop": st.long_color, "tp": st.short_color}[kind]
