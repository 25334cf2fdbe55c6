"""``MarketData``: one market's inputs to the estimator, whatever source they came from.

It lives in the domain so that every layer (the store sync, the API, the CLI, the web) can build or
read it without importing the others; ``liqmap.MarketData`` and ``liqmap.api.MarketData`` are this
class.
"""

from __future__ import annotations

from dataclasses import dataclass

from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest

__all__ = ["MarketData"]


@dataclass(frozen=True, slots=True)
class MarketData:
    """What the estimator reads: bars and, when available, OI, liquidation events and (demo only)
    the simulator's full result with the true positions."""

    candles: Candles
    oi: OpenInterest | None = None
    liquidations: LiquidationEvents | None = None
    simulation: object | None = None  # liqmap.sim.SimulationResult for the demo source
    source: str = ""
    margin_table: MarginTable | None = None  # a live table cached in the store, when there is one
    mark: Candles | None = None  # mark-price bars: levels are crossed on mark (docs/model.md 2.15)
