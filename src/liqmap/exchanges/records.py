"""Records the exchange layer produces beyond :mod:`liqmap.domain` (funding, taker flow,
long/short ratios, account positions) and the vocabulary of a sync: :class:`DataKind` and
:class:`Endpoint`.

Like the domain records they are struct-of-arrays frozen dataclasses with read-only arrays and
int64 UTC epoch-millisecond times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

import numpy as np

from liqmap.domain.market import (
    Candles,
    FloatArray,
    IntArray,
    LiquidationEvents,
    OpenInterest,
)
from liqmap.errors import DataFileError, ParameterError

__all__ = [
    "AccountPosition",
    "DataKind",
    "Endpoint",
    "FundingRates",
    "LongShortRatios",
    "PositionSnapshot",
    "Record",
    "TakerFlow",
    "concat",
]


class DataKind(Enum):
    """What a sync can fetch and the store keeps (``--kinds`` names)."""

    CANDLES = "candles"
    OI = "oi"
    FUNDING = "funding"
    TAKER = "taker"
    LONG_SHORT = "long_short"
    LIQUIDATIONS = "liquidations"
    BRACKETS = "brackets"

    @classmethod
    def parse_list(cls, text: str) -> tuple[DataKind, ...]:
        """``'candles,oi'`` -> kinds (unknown names are an error listing the known ones)."""
        out: list[DataKind] = []
        for part in (p.strip().lower() for p in text.split(",")):
            if not part:
                continue
            try:
                kind = cls(part.replace("-", "_"))
            except ValueError:
                names = ", ".join(k.value for k in cls)
                raise ParameterError(f"--kinds: unknown kind {part!r}; known: {names}") from None
            if kind not in out:
                out.append(kind)
        if not out:
            raise ParameterError("--kinds: give at least one kind, e.g. 'candles,oi,funding'")
        return tuple(out)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One public endpoint serving a kind: its path, paging limits and history depth."""

    path: str
    page_size: int
    doc: str
    history_ms: int | None = None  # how far back the endpoint serves (None: full history)
    note: str = ""


def _ro_f(a: object) -> FloatArray:
    arr = np.array(a, dtype=np.float64, copy=True)
    arr.setflags(write=False)
    return arr


def _ro_i(a: object) -> IntArray:
    arr = np.array(a, dtype=np.int64, copy=True)
    arr.setflags(write=False)
    return arr


def _check(name: str, n: int, **cols: FloatArray) -> None:
    for col, arr in cols.items():
        if len(arr) != n:
            raise DataFileError(f"{name}: column '{col}' has {len(arr)} values, {n} timestamps")


@dataclass(frozen=True, slots=True)
class FundingRates:
    """Funding rate per settlement (``rate`` is the fraction paid by longs, e.g. 0.0001)."""

    ts_ms: IntArray
    rate: FloatArray
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "ts_ms", _ro_i(self.ts_ms))
        object.__setattr__(self, "rate", _ro_f(self.rate))
        _check("funding", len(self.ts_ms), rate=self.rate)

    def __len__(self) -> int:
        return len(self.ts_ms)


@dataclass(frozen=True, slots=True)
class TakerFlow:
    """Taker buy / sell volume (base units) per period that opens at ``ts_ms``."""

    ts_ms: IntArray
    buy_volume: FloatArray
    sell_volume: FloatArray
    interval_ms: int
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "ts_ms", _ro_i(self.ts_ms))
        object.__setattr__(self, "buy_volume", _ro_f(self.buy_volume))
        object.__setattr__(self, "sell_volume", _ro_f(self.sell_volume))
        _check("taker flow", len(self.ts_ms), buy=self.buy_volume, sell=self.sell_volume)

    def __len__(self) -> int:
        return len(self.ts_ms)


@dataclass(frozen=True, slots=True)
class LongShortRatios:
    """Long/short account ratio (longs / shorts) as the venue publishes it."""

    ts_ms: IntArray
    ratio: FloatArray
    kind: Literal["accounts", "top_accounts", "top_positions"] = "accounts"
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "ts_ms", _ro_i(self.ts_ms))
        object.__setattr__(self, "ratio", _ro_f(self.ratio))
        _check("long/short ratio", len(self.ts_ms), ratio=self.ratio)

    def __len__(self) -> int:
        return len(self.ts_ms)


@dataclass(frozen=True, slots=True)
class AccountPosition:
    """One account's position in one coin (Hyperliquid ``clearinghouseState``).

    ``size`` is signed (``szi``: > 0 long, < 0 short); ``liquidation_px`` is ``None`` when the
    venue reports none (e.g. a cross position the account's equity can always cover).
    """

    address: str
    coin: str
    size: float
    entry_px: float
    position_value: float
    leverage: float
    margin_mode: Literal["cross", "isolated"]
    margin_used: float
    liquidation_px: float | None
    unrealized_pnl: float = 0.0

    @property
    def side(self) -> int:
        """+1 long, -1 short."""
        return 1 if self.size > 0 else -1


@dataclass(frozen=True, slots=True)
class PositionSnapshot:
    """Positions read at ``ts_ms`` from a set of accounts, with what could not be read."""

    venue: str
    ts_ms: int
    positions: tuple[AccountPosition, ...]
    accounts: int
    failed: dict[str, str] = field(default_factory=dict)  # address -> error text


Record = Candles | OpenInterest | FundingRates | TakerFlow | LongShortRatios | LiquidationEvents


def _dedup_sorted(ts: IntArray) -> IntArray:
    order = np.argsort(ts, kind="stable")
    keep = np.ones(len(ts), dtype=bool)
    keep[1:] = np.diff(ts[order]) != 0
    return np.asarray(order[keep], dtype=np.int64)


def concat(pages: Sequence[Record]) -> Record:
    """Join pages of one kind into one record, sorted by time, duplicate times dropped.

    Liquidation events keep duplicate times (several liquidations can share a millisecond).
    """
    if not pages:
        raise ParameterError("nothing to join: no pages were fetched")
    first = pages[0]
    if isinstance(first, LiquidationEvents):
        evs = [p for p in pages if isinstance(p, LiquidationEvents)]
        ts = np.concatenate([e.ts_ms for e in evs])
        o = np.argsort(ts, kind="stable")
        return LiquidationEvents(
            ts[o], np.concatenate([e.side for e in evs])[o], np.concatenate([e.price for e in evs])[o],
            np.concatenate([e.qty for e in evs])[o], np.concatenate([e.notional_usd for e in evs])[o],
            source=first.source,
        )  # fmt: skip
    ts = np.concatenate([p.ts_ms for p in pages])
    idx = _dedup_sorted(ts)

    def cat(name: str) -> FloatArray:
        return np.asarray(np.concatenate([getattr(p, name) for p in pages])[idx], dtype=np.float64)

    if isinstance(first, Candles):
        cols = ("open", "high", "low", "close", "volume", "taker_buy_volume")
        op, hi, lo, cl, vol, tb = (cat(n) for n in cols)
        return Candles(
            first.symbol, first.interval_ms, ts[idx], op, hi, lo, cl, vol, tb, first.source
        )
    if isinstance(first, OpenInterest):
        return OpenInterest(ts[idx], cat("value_usd"), kind=first.kind, source=first.source)
    if isinstance(first, FundingRates):
        return FundingRates(ts[idx], cat("rate"), first.source)
    if isinstance(first, TakerFlow):
        return TakerFlow(
            ts[idx], cat("buy_volume"), cat("sell_volume"), first.interval_ms, first.source
        )
    return LongShortRatios(ts[idx], cat("ratio"), first.kind, first.source)
