"""liqmap: open liquidation maps for crypto perpetual futures, with exact exchange margin math.

The public API::

    import liqmap
    data = liqmap.load_market("BTCUSDT", "demo")          # or a bars file path
    m = liqmap.estimate_map(data, window="24h")
    liqmap.plot(m, "map.png")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from liqmap.api import (
        MarketData,
        estimate_heatmap,
        estimate_map,
        liquidation_price,
        load_market,
        load_params,
        plot,
        true_map,
    )
    from liqmap.core.cascade import CascadeConfig, CascadeResult, simulate_cascade
    from liqmap.core.depth import DepthProfile
    from liqmap.core.depth_models import depth_model
    from liqmap.core.live_map import LiveMap
    from liqmap.core.margin import LiquidationQuote
    from liqmap.core.plan import Plan, PlanConfig, make_plan
    from liqmap.core.results import Cluster, Coverage, LiquidationHeatmap, LiquidationMap
    from liqmap.domain import (
        Candles,
        Gap,
        LiquidationEvents,
        MarginTable,
        MarginTier,
        OpenInterest,
        Side,
        Venue,
    )
    from liqmap.errors import InputError, LiqmapError
    from liqmap.io.files import load_candles, load_flow, load_liquidations, load_open_interest
    from liqmap.io.orderbook import load_depth
    from liqmap.model_config import DEFAULT_PARAMS, EstimatorParams

# Where each public name lives; imported on first use, so ``import liqmap`` (and every command
# that needs only part of the library) stays light.
_LAZY = {
    "liqmap.api": (
        "MarketData", "estimate_heatmap", "estimate_map", "liquidation_price", "load_market",
        "load_params", "plot", "true_map",
    ),
    "liqmap.model_config": ("DEFAULT_PARAMS", "EstimatorParams"),
    "liqmap.core.cascade": ("CascadeConfig", "CascadeResult", "simulate_cascade"),
    "liqmap.core.depth": ("DepthProfile",),
    "liqmap.core.depth_models": ("depth_model",),
    "liqmap.core.live_map": ("LiveMap",),
    "liqmap.core.margin": ("LiquidationQuote",),
    "liqmap.core.plan": ("Plan", "PlanConfig", "make_plan"),
    "liqmap.core.results": ("Cluster", "Coverage", "LiquidationHeatmap", "LiquidationMap"),
    "liqmap.domain": (
        "Candles", "Gap", "LiquidationEvents", "MarginTable", "MarginTier", "OpenInterest", "Side",
        "Venue",
    ),
    "liqmap.errors": ("InputError", "LiqmapError"),
    "liqmap.io.files": ("load_candles", "load_flow", "load_liquidations", "load_open_interest"),
    "liqmap.io.orderbook": ("load_depth",),
}  # fmt: skip
_WHERE = {name: module for module, names in _LAZY.items() for name in names}

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_PARAMS",
    "Candles",
    "CascadeConfig",
    "CascadeResult",
    "Cluster",
    "Coverage",
    "DepthProfile",
    "EstimatorParams",
    "Gap",
    "InputError",
    "LiqmapError",
    "LiquidationEvents",
    "LiquidationHeatmap",
    "LiquidationMap",
    "LiquidationQuote",
    "LiveMap",
    "MarginTable",
    "MarginTier",
    "MarketData",
    "OpenInterest",
    "Plan",
    "PlanConfig",
    "Side",
    "Venue",
    "__version__",
    "depth_model",
    "estimate_heatmap",
    "estimate_map",
    "liquidation_price",
    "load_candles",
    "load_depth",
    "load_flow",
    "load_liquidations",
    "load_market",
    "load_open_interest",
    "load_params",
    "make_plan",
    "plot",
    "simulate_cascade",
    "true_map",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562)."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'liqmap' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
