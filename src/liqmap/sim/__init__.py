"""The deterministic market simulator behind ``liqmap demo`` / ``--source demo``.

Leveraged position takers open and close isolated-margin positions by market orders that move
the price; liquidations fire at their exact Binance USD-M prices and push the price further, so
cascades emerge. A run yields candles, open interest, taker flow and liquidation events, plus the
true positions behind them (``docs/simulator.md``)::

    from liqmap.sim import SimConfig, simulate
    result = simulate(SimConfig.preset("crash"))
    result.candles, result.open_interest, result.liquidations, result.positions
"""

from liqmap.sim.config import LEVERAGE_POPULATIONS, PRESETS, PresetName, Regime, SimConfig
from liqmap.sim.engine import simulate
from liqmap.sim.result import (
    ExitKind,
    PositionLog,
    SimulationResult,
    TruePositions,
    true_liquidation_profile,
)

__all__ = [
    "LEVERAGE_POPULATIONS",
    "PRESETS",
    "ExitKind",
    "PositionLog",
    "PresetName",
    "Regime",
    "SimConfig",
    "SimulationResult",
    "TruePositions",
    "simulate",
    "true_liquidation_profile",
]
