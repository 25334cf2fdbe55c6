"""The plotly annotations of the HTML liquidation map: side titles, the current-price tag and
one boxed label per cluster (placed clear of the tag)."""

from __future__ import annotations

from typing import Any

import numpy as np

from liqmap.core.results import LiquidationMap
from liqmap.render._labels import PriceTag, cluster_labels, price_tag
from liqmap.render.formatting import format_price, format_usd
from liqmap.render.style import Style

__all__ = ["map_annotations"]

_TAG_HALF_WIDTH = 0.1  # share of the x range the current-price tag may cover on each side
_BELOW_TAG = 0.74  # cluster boxes near the tag stay below this share of the y range


def map_annotations(
    m: LiquidationMap, st: Style, top: np.ndarray, clusters: bool, y_top: float
) -> list[dict[str, Any]]:
    """Side titles and the price tag, then the cluster labels when ``clusters``."""
    paper = {"xref": "paper", "yref": "paper", "y": 0.99, "yanchor": "top", "showarrow": False}
    tag = price_tag(m)
    notes: list[dict[str, Any]] = [
        {
            **paper,
            "x": 0.005,
            "xanchor": "left",
            "text": "<b>◀ LONG LIQUIDATIONS</b>",
            "font": {"color": st.long_color, "size": 13},
        },
        {
            **paper,
            "x": 0.995,
            "xanchor": "right",
            "text": "<b>SHORT LIQUIDATIONS ▶</b>",
            "font": {"color": st.short_color, "size": 13},
        },
        {
            **paper,
            "xref": "x",
            "x": tag.x,
            "y": 0.99 if tag.inside else 0.93,
            "xanchor": tag.anchor,
            "text": f"<b>{tag.text}</b>",
            "bgcolor": st.price_line,
            "font": {"color": st.background, "size": 13},
            "borderpad": 4,
        },
    ]
    if clusters:
        notes += _cluster_notes(m, st, top, y_top, tag)
    return notes


def _cluster_notes(
    m: LiquidationMap, st: Style, top: np.ndarray, y_top: float, tag: PriceTag
) -> list[dict[str, Any]]:
    """One boxed price and USD per labelled cluster, kept clear of the current-price tag."""
    notes: list[dict[str, Any]] = []
    span = float(m.edges[-1] - m.edges[0]) or 1.0
    for label in cluster_labels(m, top):
        c = label.cluster
        color = st.long_color if c.side == "long" else st.short_color
        offset: dict[str, Any] = {"ax": 0, "ay": -28 - 34 * label.level}
        if tag.inside and abs(c.price - tag.x) < _TAG_HALF_WIDTH * span:
            # under the current-price tag: the box goes at a data height that stays below the
            # tag's band at any chart size (issue 14 item 6)
            box = min(label.y + y_top * (0.12 + 0.1 * label.level), y_top * _BELOW_TAG)
            offset = {"ax": 0, "ayref": "y", "ay": max(box, label.y)}
        notes.append(
            {
                "x": c.price,
                "y": label.y,
                "xref": "x",
                "yref": "y",
                "text": f"<b>{format_price(c.price)}</b><br>{format_usd(c.usd)}",
                "showarrow": True,
                "arrowhead": 0,
                "arrowcolor": color,
                **offset,
                "bgcolor": st.panel,
                "bordercolor": color,
                "borderpad": 3,
                "font": {"size": 11, "color": st.text},
            }
        )
    return notes
