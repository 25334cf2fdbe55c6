"""Market data records: candles, open interest, liquidation events, gaps.

Records are struct-of-arrays frozen dataclasses. Arrays are made read-only on construction, so a
record can be shared freely. Time is int64 UTC epoch milliseconds (``*_ms``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from liqmap.errors import DataFileError

__all__ = [
    "BAR_COLUMNS",
    "Candles",
    "FloatArray",
    "Gap",
    "IntArray",
    "LiquidationEvents",
    "OpenInterest",
    "is_frozen",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Int8Array = NDArray[np.int8]


def is_frozen(a: object) -> bool:
    """True for an array nobody can change: read-only, and so is every array it views, down to
    one that owns its data (e.g. a slice of another record's frozen column)."""
    if not isinstance(a, np.ndarray):
        return False
    x: object = a
    while isinstance(x, np.ndarray):
        if x.flags.writeable:
            return False
        x = x.base
    return x is None


def _frozen_as(a: object, dtype: type[np.generic]) -> NDArray[Any]:
    """``a`` as a read-only array of ``dtype``: ``a`` itself when it already is one nobody can
    change (e.g. a window of a record: shared, never copied), else a read-only copy."""
    if isinstance(a, np.ndarray) and a.dtype == dtype and is_frozen(a):
        return a
    arr = np.array(a, dtype=dtype, copy=True)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, slots=True)
class Gap:
    """A stretch of missing bars: ``[start_ms, end_ms)`` should hold ``missing`` bars but holds none."""

    start_ms: int
    end_ms: int
    missing: int

    def to_dict(self) -> dict[str, int]:
        """JSON-ready form."""
        return {"start_ms": self.start_ms, "end_ms": self.end_ms, "missing": self.missing}


BAR_COLUMNS = ("open", "high", "low", "close", "volume", "taker_buy_volume")


@dataclass(frozen=True, slots=True)
class Candles:
    """OHLC bars with volume and (when known) taker-buy volume.

    ``ts_ms`` is each bar's open time; bars are strictly increasing in time and all of length
    ``interval_ms`` (gaps are allowed and reported, never filled). ``volume`` and
    ``taker_buy_volume`` are in base units; NaN means unknown.
    """

    symbol: str
    interval_ms: int
    ts_ms: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray
    taker_buy_volume: FloatArray
    source: str = ""

    def __post_init__(self) -> None:
        n = len(self.ts_ms)
        object.__setattr__(self, "ts_ms", _frozen_as(self.ts_ms, np.int64))
        for name in BAR_COLUMNS:
            arr = _frozen_as(getattr(self, name), np.float64)
            if len(arr) != n:
                raise DataFileError(
                    f"column '{name}' has {len(arr)} values but there are {n} timestamps",
                    path=self.source or None,
                    field=name,
                )
            object.__setattr__(self, name, arr)
        if self.interval_ms <= 0:
            raise DataFileError(f"interval_ms must be > 0, got {self.interval_ms}")

    def __len__(self) -> int:
        return len(self.ts_ms)

    def bar_columns(self) -> dict[str, FloatArray]:
        """The per-bar values by column name, in :data:`BAR_COLUMNS` order (``open`` first)."""
        return {name: getattr(self, name) for name in BAR_COLUMNS}

    @property
    def has_taker_flow(self) -> bool:
        """True when taker-buy volume is known for at least one bar."""
        return bool(np.isfinite(self.taker_buy_volume).any())

    def between(self, start_ms: int, end_ms: int) -> Candles:
        """Bars whose open time lies in ``[start_ms, end_ms)``."""
        i0 = int(np.searchsorted(self.ts_ms, start_ms, side="left"))
        i1 = int(np.searchsorted(self.ts_ms, end_ms, side="left"))
        return self.take(slice(i0, i1))

    def take(self, idx: slice) -> Candles:
        """A sub-range of bars by position."""
        return Candles(
            symbol=self.symbol,
            interval_ms=self.interval_ms,
            ts_ms=self.ts_ms[idx],
            open=self.open[idx],
            high=self.high[idx],
            low=self.low[idx],
            close=self.close[idx],
            volume=self.volume[idx],
            taker_buy_volume=self.taker_buy_volume[idx],
            source=self.source,
        )


@dataclass(frozen=True, slots=True)
class OpenInterest:
    """Open interest in USD, either as levels (``kind='level'``: OI at ``ts_ms``) or as changes
    (``kind='change'``: the change over the bar that opens at ``ts_ms``)."""

    ts_ms: IntArray
    value_usd: FloatArray
    kind: Literal["level", "change"] = "level"
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "ts_ms", _frozen_as(self.ts_ms, np.int64))
        object.__setattr__(self, "value_usd", _frozen_as(self.value_usd, np.float64))
        if len(self.ts_ms) != len(self.value_usd):
            raise DataFileError("open interest: ts_ms and value_usd differ in length")
        if self.kind not in ("level", "change"):
            raise DataFileError(
                f"open interest kind must be 'level' or 'change', got {self.kind!r}"
            )

    def __len__(self) -> int:
        return len(self.ts_ms)


@dataclass(frozen=True, slots=True)
class LiquidationEvents:
    """Observed forced liquidations. ``side`` is +1 when a long was liquidated, -1 for a short."""

    ts_ms: IntArray
    side: Int8Array
    price: FloatArray
    qty: FloatArray
    notional_usd: FloatArray
    source: str = ""
    excluded: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ts_ms", _frozen_as(self.ts_ms, np.int64))
        object.__setattr__(self, "side", _frozen_as(self.side, np.int8))
        for name in ("price", "qty", "notional_usd"):
            object.__setattr__(self, name, _frozen_as(getattr(self, name), np.float64))
        n = len(self.ts_ms)
        if any(len(getattr(self, k)) != n for k in ("side", "price", "qty", "notional_usd")):
            raise DataFileError("liquidation events: columns differ in length")

    def __len__(self) -> int:
        return len(self.ts_ms)

    def between(self, start_ms: int, end_ms: int) -> LiquidationEvents:
        """Events with ``start_ms <= ts_ms < end_ms``."""
        i0 = int(np.searchsorted(self.ts_ms, start_ms, side="left"))
        i1 = int(np.searchsorted(self.ts_ms, end_ms, side="left"))
        s = slice(i0, i1)
        return LiquidationEvents(
            ts_ms=self.ts_ms[s],
            side=self.side[s],
            price=self.price[s],
            qty=self.qty[s],
            notional_usd=self.notional_usd[s],
            source=self.source,
            excluded=dict(self.excluded),
        )
