"""The plain-language reading of a liquidation map, derived deterministically from its numbers.

Same input, same text; every number in the text is a formatted input number (rules in
``docs/model.md`` section 3):

1. Headline: the rank-1 cluster with its USD, price, signed distance, share of its side and its
   dominant tiers (tiers holding >= ``DOMINANT_TIER_SHARE`` of its USD). No clusters: the side
   totals; an empty map (no clusters, both totals 0) says so.
2. Asymmetry within ``near_pct``: long USD below vs short USD above (``near_usd`` when given,
   else the USD of clusters whose centre lies within ``near_pct``). One side is *thinner* when the
   other holds at least ``ASYMMETRY_RATIO`` times as much; otherwise *balanced*.
3. The nearest and the largest cluster, when they are not the rank-1 cluster.
4. Bias: longs heavier below = downside wick risk (sell fuel); shorts heavier above = upside
   squeeze risk (buy fuel); otherwise two-sided, or neutral when nothing is near.
5. Coverage caveat when the input has gaps or covers less than ``MIN_COVERAGE`` of the window.
6. Evidence: a bias needs evidence of which side holds the positions. Without taker flow the
   estimator splits new notional evenly between longs and shorts, so the reading states no
   bias (``Bias: not stated``) and says why; without OI it adds that sizes come from volume
   (:func:`evidence_caveat`, also drawn on the charts).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from liqmap.core.formatting import format_distance, format_duration, format_price, format_usd
from liqmap.core.results import Cluster, Coverage, tier_label

__all__ = [
    "ASYMMETRY_RATIO",
    "DOMINANT_TIER_SHARE",
    "MIN_COVERAGE",
    "compose_reading",
    "coverage_caveat",
    "dominant_tiers",
    "evidence_caveat",
    "format_distance",
    "format_duration",
    "format_price",
    "format_usd",
]

ASYMMETRY_RATIO = 1.5
"""One side is heavier when it holds at least this multiple of the other's near USD."""

DOMINANT_TIER_SHARE = 0.25
"""A tier is named as dominant in a cluster when it holds at least this share of its USD."""

MIN_COVERAGE = 0.9
"""Below this covered fraction of the window (or with any gap) the reading adds a caveat."""


def _pct(x: float) -> str:
    return f"{x:g}%"


def _plural(side: str) -> str:
    return "longs" if side == "long" else "shorts"


def dominant_tiers(cluster: Cluster, leverages: Sequence[float]) -> str:
    """``'25x–50x'`` (adjacent tiers), ``'10x and 50x'``, ``'50x'``; ``''`` when none dominates."""
    total = cluster.usd
    idx = [
        i
        for i, u in enumerate(cluster.usd_by_tier)
        if total > 0 and u >= DOMINANT_TIER_SHARE * total
    ]
    labels = [tier_label(leverages[i]) for i in idx]
    if len(idx) >= 2 and idx[-1] - idx[0] == len(idx) - 1:
        return f"{labels[0]}–{labels[-1]}"
    if len(labels) >= 2:
        return ", ".join(labels[:-1]) + " and " + labels[-1]
    return labels[0] if labels else ""


def _where(c: Cluster) -> str:
    return f"{format_usd(c.usd)} at {format_price(c.price)} ({format_distance(c.distance_pct)})"


def _headline(prefix: str, top: Cluster, leverages: Sequence[float]) -> str:
    side = _plural(top.side)
    text = (
        f"{prefix}top cluster is {side} {_where(top)}, {top.share_of_side * 100:.0f}% of all {side}"
    )
    if len(leverages) > 1:
        tiers = dominant_tiers(top, leverages)
        text += f", mostly {tiers}" if tiers else ", spread across tiers"
    return text + "."


def _others(clusters: Sequence[Cluster], top: Cluster) -> str:
    """Nearest and largest cluster when they differ from the top-ranked one ('' otherwise)."""
    nearest = min(clusters, key=lambda c: (abs(c.distance_pct), c.rank))
    largest = min(clusters, key=lambda c: (-c.usd, c.rank))
    parts: list[str] = []
    if nearest is largest and nearest is not top:
        parts.append(f"nearest and largest: {_plural(nearest.side)} {_where(nearest)}")
    else:
        for role, c in (("nearest", nearest), ("largest", largest)):
            if c is not top:
                parts.append(f"{role}: {_plural(c.side)} {_where(c)}")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "." if text else ""


def _lean(near_long: float, near_short: float) -> str:
    """'long', 'short', 'balanced' or 'none' (nothing near)."""
    if near_long <= 0 and near_short <= 0:
        return "none"
    if near_long >= ASYMMETRY_RATIO * near_short:
        return "long"
    if near_short >= ASYMMETRY_RATIO * near_long:
        return "short"
    return "balanced"


def _asymmetry(lean: str, near_long: float, near_short: float, within: str) -> str:
    nl = format_usd(near_long) if near_long > 0 else "none"
    ns = format_usd(near_short) if near_short > 0 else "none"
    if lean == "none":
        return f"Nothing {within} of price on either side."
    if lean == "long":
        return f"Shorts are thinner above: {ns} {within} vs {nl} of longs {within} below."
    if lean == "short":
        return f"Longs are thinner below: {nl} {within} vs {ns} of shorts {within} above."
    return f"Balanced {within}: longs {nl} below vs shorts {ns} above."


def _bias(lean: str, near: str) -> str:
    if lean == "long":
        return "Bias: downside wick risk (more long liquidation fuel below)."
    if lean == "short":
        return "Bias: upside squeeze risk (more short liquidation fuel above)."
    if lean == "balanced":
        return f"Bias: two-sided; neither side's liquidation fuel dominates within {near}."
    return f"Bias: neutral; no liquidation fuel within {near}."


def evidence_caveat(coverage: Coverage | None) -> str:
    """What the map could not see: ``''`` with OI and taker flow (or without a coverage)."""
    if coverage is None:
        return ""
    flow = coverage.taker_flow
    oi = coverage.oi_source != "none"
    if flow and oi:
        return ""
    if not flow and not oi:
        return (
            "No OI or taker flow in the input: sizes come from volume and new positions are "
            "split evenly between longs and shorts."
        )
    if not flow:
        return (
            "No taker flow in the input: new positions are split evenly between longs and shorts."
        )
    return "No OI in the input: position sizes come from traded volume."


def _no_bias() -> str:
    return "Bias: not stated; without taker flow the map cannot tell which side is heavier."


def _coverage_pct(fraction: float) -> str:
    pct = fraction * 100.0
    if 99.5 <= pct < 100.0:
        return f"{math.floor(pct * 10) / 10:.1f}%"
    return f"{pct:.0f}%"


def coverage_caveat(coverage: Coverage | None) -> str:
    """The caveat sentence, or ``''`` when the input has no gaps and covers >= ``MIN_COVERAGE``."""
    if coverage is None or (not coverage.gaps and coverage.fraction >= MIN_COVERAGE):
        return ""
    gaps = coverage.gaps
    detail = ""
    if gaps:
        longest = format_duration(max(g.end_ms - g.start_ms for g in gaps))
        detail = (
            f" (1 gap of {longest})"
            if len(gaps) == 1
            else f" ({len(gaps)} gaps, longest {longest})"
        )
    return (
        f"Input covers {_coverage_pct(coverage.fraction)} of the window{detail}; "
        "levels from missing bars are absent."
    )


def _near_from_clusters(clusters: Sequence[Cluster], near_pct: float) -> tuple[float, float]:
    near = [c for c in clusters if abs(c.distance_pct) <= near_pct]
    return (
        sum(c.usd for c in near if c.side == "long"),
        sum(c.usd for c in near if c.side == "short"),
    )


def compose_reading(
    price: float,
    clusters: Sequence[Cluster],
    long_total_usd: float,
    short_total_usd: float,
    *,
    coverage: Coverage | None,
    leverages: Sequence[float],
    symbol: str = "",
    near_pct: float = 3.0,
    near_usd: tuple[float, float] | None = None,
    sides_known: bool | None = None,
) -> str:
    """A short trader's reading of a map (2–5 sentences; 1–2 for an empty map).

    Parameters
    ----------
    price
        Current price.
    clusters
        Ranked clusters (``detect_clusters``); their ``usd_by_tier`` align with ``leverages``.
    long_total_usd, short_total_usd
        Totals of the map's sides.
    coverage
        Input coverage; adds a caveat sentence when it has gaps or a fraction below 0.9.
    near_pct
        What "near" means, in % of price.
    near_usd
        ``(long USD within near_pct below, short USD within near_pct above)``, e.g. from
        ``usd_near_price``. Without it the USD of clusters within ``near_pct`` is compared.
    sides_known
        Whether the map knows which side holds the positions (real positions, or an estimate
        with taker flow). ``None``: ``coverage.taker_flow`` (``True`` without a coverage). When
        ``False`` the reading states no bias.
    """
    for c in clusters:
        if len(c.usd_by_tier) != len(leverages):
            raise ValueError(
                f"cluster {c.rank} has {len(c.usd_by_tier)} tiers but {len(leverages)} leverages"
            )
    ranked = sorted(clusters, key=lambda c: c.rank)
    prefix = f"{symbol} at {format_price(price)}: " if symbol else f"At {format_price(price)}: "
    caveat = coverage_caveat(coverage)
    evidence = evidence_caveat(coverage) if sides_known is None else ""
    if sides_known is None:
        sides_known = coverage is None or coverage.taker_flow
    if not ranked and long_total_usd <= 0 and short_total_usd <= 0:
        empty = f"{prefix}the map is empty, no estimated liquidation levels in range."
        return " ".join(s for s in (empty, caveat) if s)
    if ranked:
        head = _headline(prefix, ranked[0], leverages)
        others = _others(ranked, ranked[0])
    else:
        head = (
            f"{prefix}no dense clusters; {format_usd(long_total_usd)} of longs below and "
            f"{format_usd(short_total_usd)} of shorts above are spread out."
        )
        others = ""
    near_long, near_short = near_usd or _near_from_clusters(ranked, near_pct)
    within = f"within {_pct(near_pct)}" if near_usd else f"clustered within {_pct(near_pct)}"
    lean = _lean(near_long, near_short)
    asymmetry = _asymmetry(lean, near_long, near_short, within)
    bias = (
        _bias(lean, _pct(near_pct)) if sides_known or lean in ("none", "balanced") else _no_bias()
    )
    sentences = (head, asymmetry, others, bias, evidence, caveat)
    return " ".join(s for s in sentences if s)
