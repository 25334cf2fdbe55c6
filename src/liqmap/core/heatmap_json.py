"""The heatmap's JSON-ready form (``docs/json.md``), kept beside :mod:`liqmap.core.results`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import msgspec
import numpy as np
from numpy.typing import NDArray

from liqmap.core.jsonnum import usd_rows_buffer

if TYPE_CHECKING:
    from liqmap.core.results import LiquidationHeatmap

__all__ = ["heatmap_dict"]


def heatmap_dict(
    h: LiquidationHeatmap, *, price_path: Literal["columns", "bars"], raw_json: bool
) -> dict[str, Any]:
    """:meth:`LiquidationHeatmap.to_dict <liqmap.core.results.LiquidationHeatmap.to_dict>`."""
    from liqmap.core.results import HEATMAP_SCHEMA, tier_label

    def rows(a: NDArray[np.float64]) -> Any:
        if raw_json:
            return msgspec.Raw(usd_rows_buffer(a).data)
        return np.where(np.isfinite(a), np.rint(a), 0.0).astype(np.int64).tolist()

    pp = h.price_path if price_path == "bars" else h.price_path.at_columns(h.ts_ms)
    return {
        "schema": HEATMAP_SCHEMA,
        "symbol": h.symbol,
        "exchange": h.exchange,
        "window": {"label": h.window_label},
        "tiers": [tier_label(lv) for lv in h.leverages],
        "ts_ms": h.ts_ms.tolist(),
        "edges": h.edges.tolist(),
        "long_usd": rows(h.long_usd),
        "short_usd": rows(h.short_usd),
        "price_path": {
            "ts_ms": pp.ts_ms.tolist(),
            "open": pp.open.tolist(),
            "high": pp.high.tolist(),
            "low": pp.low.tolist(),
            "close": pp.close.tolist(),
        },
        "events": {
            "ts_ms": [int(t) for t in h.events_ts_ms],
            "price": h.events_price.tolist(),
            "usd": h.events_usd.tolist(),
            "side": ["long" if s > 0 else "short" for s in h.events_side],
        },
        "coverage": h.coverage.to_dict(),
        "params": h.params.to_dict(),
        "notes": list(h.notes),
    }
