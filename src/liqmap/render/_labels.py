"""Which clusters to label on a map, where, and at which stagger level (shared by PNG and HTML)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from liqmap.core.results import Cluster, LiquidationMap
from liqmap.render.formatting import format_price

__all__ = ["ClusterLabel", "PriceTag", "cluster_labels", "price_tag"]

MAX_PER_SIDE = 3
_CROWDED = 0.075  # labels closer than this share of the x range are stacked at different heights
_LEVELS = 3


@dataclass(frozen=True, slots=True)
class ClusterLabel:
    """A cluster to label: the top of its bars (``y``) and its stagger ``level`` (0 = lowest)."""

    cluster: Cluster
    y: float
    level: int


def cluster_labels(
    m: LiquidationMap, stack_top: np.ndarray, per_side: int = MAX_PER_SIDE
) -> list[ClusterLabel]:
    """The ``per_side`` best-ranked clusters of each side inside the chart, left to right."""
    lo, hi = float(m.edges[0]), float(m.edges[-1])
    span = hi - lo if hi > lo else 1.0
    chosen: list[Cluster] = []
    for side in ("long", "short"):
        ranked = sorted((c for c in m.clusters if c.side == side), key=lambda c: c.rank)
        chosen.extend(c for c in ranked[:per_side] if lo <= c.price <= hi)
    out: list[ClusterLabel] = []
    last, level = -1.0, 0
    for c in sorted(chosen, key=lambda c: c.price):
        inside = (m.edges[1:] > c.price_low) & (m.edges[:-1] < c.price_high)
        y = float(stack_top[inside].max()) if inside.any() else 0.0
        frac = (c.price - lo) / span
        level = (level + 1) % _LEVELS if frac - last < _CROWDED else 0
        last = frac
        out.append(ClusterLabel(cluster=c, y=y, level=level))
    return out


@dataclass(frozen=True, slots=True)
class PriceTag:
    """Where the current-price label goes: at the price, or pinned to the edge it lies beyond."""

    x: float
    text: str
    anchor: Literal["left", "center", "right"]
    inside: bool


def price_tag(m: LiquidationMap) -> PriceTag:
    """The current-price label, pinned to the chart's edge (with an arrow) when off the chart."""
    lo, hi = float(m.edges[0]), float(m.edges[-1])
    text = f"Current price {format_price(m.price)}"
    if m.price > hi:
        return PriceTag(hi, f"{text} ▶", "right", inside=False)
    if m.price < lo:
        return PriceTag(lo, f"◀ {text}", "left", inside=False)
    return PriceTag(m.price, text, "center", inside=True)
