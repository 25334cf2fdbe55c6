"""What a simulation returns: market records plus the true positions behind them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from liqmap.core.position_bins import bin_positions
from liqmap.domain.margin import MarginTable
from liqmap.domain.market import Candles, LiquidationEvents, OpenInterest
from liqmap.errors import ParameterError
from liqmap.sim.config import SimConfig

__all__ = [
    "ExitKind",
    "PositionLog",
    "SimulationResult",
    "TruePositions",
    "true_liquidation_profile",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Int8Array = NDArray[np.int8]


class ExitKind(IntEnum):
    """How a position ended (``OPEN``: it had not ended when the simulation stopped)."""

    OPEN = 0
    LIQUIDATION = 1
    TAKE_PROFIT = 2
    STOP_LOSS = 3
    TIME_EXIT = 4


def _ro(a: NDArray[np.generic], dtype: type[np.generic]) -> NDArray[np.generic]:
    arr = np.array(a, dtype=dtype, copy=True)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, slots=True)
class TruePositions:
    """Open isolated-margin positions (struct of arrays; read-only).

    ``side`` is +1 long / -1 short; ``notional_usd = qty * entry_price`` at entry;
    ``liquidation_price`` is the exact Binance USD-M price for that leverage and notional.
    """

    side: Int8Array
    entry_price: FloatArray
    leverage: FloatArray
    notional_usd: FloatArray
    qty: FloatArray
    liquidation_price: FloatArray
    open_ts_ms: IntArray

    def __post_init__(self) -> None:
        object.__setattr__(self, "side", _ro(self.side, np.int8))
        object.__setattr__(self, "open_ts_ms", _ro(self.open_ts_ms, np.int64))
        for name in ("entry_price", "leverage", "notional_usd", "qty", "liquidation_price"):
            object.__setattr__(self, name, _ro(getattr(self, name), np.float64))

    def __len__(self) -> int:
        return len(self.side)

    def take(self, mask: NDArray[np.bool_]) -> TruePositions:
        """The positions selected by a boolean mask."""
        return TruePositions(
            side=self.side[mask],
            entry_price=self.entry_price[mask],
            leverage=self.leverage[mask],
            notional_usd=self.notional_usd[mask],
            qty=self.qty[mask],
            liquidation_price=self.liquidation_price[mask],
            open_ts_ms=self.open_ts_ms[mask],
        )


@dataclass(frozen=True, slots=True)
class PositionLog:
    """Every position the simulation opened, in opening order, with how and when it ended.

    ``close_ts_ms`` is -1 and ``exit_kind`` is ``ExitKind.OPEN`` for positions still open at the
    end; ``close_price`` is the liquidation price for liquidations, the market price otherwise.
    """

    positions: TruePositions
    close_ts_ms: IntArray
    close_price: FloatArray
    exit_kind: Int8Array

    def __post_init__(self) -> None:
        object.__setattr__(self, "close_ts_ms", _ro(self.close_ts_ms, np.int64))
        object.__setattr__(self, "close_price", _ro(self.close_price, np.float64))
        object.__setattr__(self, "exit_kind", _ro(self.exit_kind, np.int8))

    def __len__(self) -> int:
        return len(self.close_ts_ms)

    def open_mask(self, ts_ms: int) -> NDArray[np.bool_]:
        """Positions open at the instant ``ts_ms``: opened before it, not closed before it."""
        opened = self.positions.open_ts_ms < ts_ms
        alive = (self.close_ts_ms < 0) | (self.close_ts_ms >= ts_ms)
        return np.asarray(opened & alive)


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """Output of :func:`liqmap.sim.simulate` (the warm-up is not part of the market records).

    ``open_interest`` holds ``len(candles) + 1`` levels: at ``start_ms`` and at each bar's close
    (``ts_ms + 60_000``); at any ``ts`` it equals the value of :meth:`positions_at` ``(ts)``.
    ``exogenous_close`` is what each close would have been without any position trader's
    impact (the noise/news path), to measure how much the agents amplified a move.
    """

    config: SimConfig
    margin_table: MarginTable
    candles: Candles
    open_interest: OpenInterest
    liquidations: LiquidationEvents
    log: PositionLog
    exogenous_close: FloatArray

    @property
    def start_ms(self) -> int:
        """Open time of the first output bar."""
        return self.config.start_ms

    @property
    def end_ms(self) -> int:
        """Close time of the last bar (the instant the simulation stops)."""
        return self.config.start_ms + self.config.duration_minutes * 60_000

    @property
    def positions(self) -> TruePositions:
        """The true open positions when the simulation stops."""
        return self.positions_at(self.end_ms)

    def positions_at(self, ts_ms: int) -> TruePositions:
        """The true open positions at the instant ``ts_ms`` (before anything that happens at it).

        Valid from the start of the warm-up to :attr:`end_ms`; a bar's orders happen strictly
        inside it, so at a bar's close time this is the state after that bar.
        """
        first = self.config.start_ms - self.config.warmup_minutes * 60_000
        if not first <= ts_ms <= self.end_ms:
            raise ParameterError(
                f"positions_at: ts_ms {ts_ms} lies outside the simulated span [{first}, {self.end_ms}]"
            )
        return self.log.positions.take(self.log.open_mask(ts_ms))


def true_liquidation_profile(
    positions: TruePositions,
    edges: FloatArray,
    leverages: tuple[float, ...],
    *,
    measure: Literal["notional", "at_liquidation"] = "notional",
) -> tuple[FloatArray, FloatArray]:
    """Bin the positions' liquidation USD by price, per leverage tier, like a ``LiquidationMap``.

    The binning is :func:`liqmap.core.position_bins.bin_positions`. Each position goes to the
    tier nearest its leverage in log terms (75x between 50x and 100x
    goes to 100x) and to the bin ``[edges[i], edges[i + 1])`` holding its liquidation price;
    positions outside the edges are left out. ``measure`` is the USD counted: ``notional`` (at
    entry, what open interest counted when it opened) or ``at_liquidation`` (qty x liquidation
    price, the size of the liquidation order).

    Returns
    -------
    (long_usd, short_usd), each of shape ``(len(leverages), len(edges) - 1)``.
    """
    edges = np.asarray(edges, dtype=np.float64)
    tiers = np.asarray(leverages, dtype=np.float64)
    if len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ParameterError("true_liquidation_profile: edges must be >= 2 increasing prices")
    if len(tiers) == 0 or np.any(tiers <= 0):
        raise ParameterError("true_liquidation_profile: give at least one leverage > 0")
    if measure not in ("notional", "at_liquidation"):
        raise ParameterError(
            f"true_liquidation_profile: measure must be 'notional' or 'at_liquidation', got {measure!r}"
        )
    usd = positions.notional_usd
    if measure == "at_liquidation":
        usd = positions.qty * positions.liquidation_price
    bins = bin_positions(
        edges, leverages, side=positions.side, leverage=positions.leverage,
        liquidation_price=positions.liquidation_price, usd=usd,
    )  # fmt: skip
    return bins.long_usd, bins.short_usd
