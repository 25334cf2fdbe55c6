"""Wire schemas of order-book messages (exchange field names), book records and the local book
used by :mod:`liqmap.io.orderbook`."""

from __future__ import annotations

import gzip
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import numpy as np

from liqmap.core.depth import DepthProfile, profile_from_levels
from liqmap.domain.market import FloatArray
from liqmap.errors import DataFileError

__all__ = [
    "BookReplay",
    "BookSnapshot",
    "DepthUpdate",
    "HlBook",
    "HlLevel",
    "HlMessage",
    "LocalBook",
    "RestDepth",
    "SequenceGap",
    "StreamMessage",
    "json_text",
    "magic",
    "text_lines",
]


# --- wire schemas (exchange field names) --------------------------------------------------------
class DepthUpdate(msgspec.Struct, frozen=True):
    """``<symbol>@depth`` event: ``{"e":"depthUpdate","E":..,"T":..,"s":"BTCUSDT","U":..,"u":..,
    "pu":..,"b":[["61800.20","2.5"],..],"a":[..]}``."""

    E: int
    U: int
    u: int
    pu: int
    b: list[tuple[str, str]]
    a: list[tuple[str, str]]
    T: int = 0


class StreamMessage(msgspec.Struct, frozen=True):
    """Combined-stream envelope ``{"stream": "btcusdt@depth@0ms", "data": {...}}``."""

    stream: str
    data: msgspec.Raw


class RestDepth(msgspec.Struct, frozen=True):
    """``GET /fapi/v1/depth``: ``{"lastUpdateId":..,"E":..,"T":..,"bids":[..],"asks":[..]}``."""

    lastUpdateId: int  # noqa: N815 (exchange field name)
    bids: list[tuple[str, str]]
    asks: list[tuple[str, str]]
    E: int = 0
    T: int = 0


class HlLevel(msgspec.Struct, frozen=True):
    """Hyperliquid level ``{"px": "105055.0", "sz": "3.03622", "n": 5}``."""

    px: str
    sz: str
    n: int = 0


class HlBook(msgspec.Struct, frozen=True):
    """Hyperliquid ``l2Book`` data: ``{"coin":"BTC","time":..,"levels":[[bids..],[asks..]]}``."""

    coin: str
    time: int
    levels: list[list[HlLevel]]


class HlMessage(msgspec.Struct, frozen=True):
    """``{"channel": "l2Book", "data": {...}}`` (other channels are skipped)."""

    channel: str
    data: msgspec.Raw


# --- records -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BookSnapshot:
    """A book at ``ts_ms``: bids best first (descending), asks best first (ascending).

    ``bid_floor`` / ``ask_cap`` bound the price range over which the book is known complete (the
    REST snapshot's deepest levels; a diff stream only reports levels that change).
    """

    ts_ms: int
    update_id: int
    bid_price: FloatArray
    bid_qty: FloatArray
    ask_price: FloatArray
    ask_qty: FloatArray
    bid_floor: float
    ask_cap: float
    source: str = ""

    @property
    def mid(self) -> float:
        """(best bid + best ask) / 2."""
        return 0.5 * (float(self.bid_price[0]) + float(self.ask_price[0]))

    def profile(self) -> DepthProfile:
        """The empirical depth profile over the complete range, with its fitted power law."""
        b = self.bid_price >= self.bid_floor
        a = self.ask_price <= self.ask_cap
        return profile_from_levels(
            self.bid_price[b], self.bid_qty[b], self.ask_price[a], self.ask_qty[a],
            source=self.source, ts_ms=self.ts_ms,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class SequenceGap:
    """Events were missed: the book is invalid until the next REST snapshot."""

    ts_ms: int
    expected: int  # previous event's u (or the snapshot's lastUpdateId)
    got_first: int  # this event's pu (or U for the first event after a snapshot)


@dataclass(frozen=True, slots=True)
class BookReplay:
    """Result of replaying a recording.

    ``snapshots``: copies taken every ``sample_every_ms``; ``final``: the last book known in
    sequence (at the end, or just before a gap that no later snapshot resynchronised; ``None``
    without a snapshot); ``dropped_stale``: events older than the snapshot; ``crossed_cleared``:
    levels removed because a newer level on the other side crossed them.
    """

    snapshots: tuple[BookSnapshot, ...]
    final: BookSnapshot | None
    applied: int
    dropped_stale: int
    gaps: tuple[SequenceGap, ...] = field(default_factory=tuple)
    crossed_cleared: int = 0


# --- the local book -------------------------------------------------------------------------------
class LocalBook:
    """Mutable price -> quantity maps; ``apply`` sets absolute quantities and clears crossings.

    The best prices are cached (``None`` = recompute) so a crossing check is O(1) per event.
    """

    def __init__(self, snap: RestDepth, source: str) -> None:
        self.bids = {float(p): float(q) for p, q in snap.bids if float(q) > 0}
        self.asks = {float(p): float(q) for p, q in snap.asks if float(q) > 0}
        self.bid_floor = min(self.bids, default=0.0)
        self.ask_cap = max(self.asks, default=math.inf)
        self.update_id, self.ts_ms, self.source = snap.lastUpdateId, snap.E or snap.T, source
        self.crossed_cleared = 0
        self._best: list[float | None] = [None, None]  # bid, ask

    def best(self, k: int) -> float:
        """Best bid (``k=0``, -inf when empty) or best ask (``k=1``, +inf when empty)."""
        v = self._best[k]
        if v is None:
            book = self.asks if k else self.bids
            v = (min if k else max)(book, default=math.inf if k else -math.inf)
            self._best[k] = v
        return v

    def apply(self, ev: DepthUpdate, line: int) -> None:
        top = [-math.inf, math.inf]  # best new bid / ask set by this event
        for k, levels, book in ((0, ev.b, self.bids), (1, ev.a, self.asks)):
            for p, q in levels:
                price, qty = float(p), float(q)
                if not (qty >= 0 and price > 0 and math.isfinite(qty)):
                    raise DataFileError(
                        f"depth level [{p!r}, {q!r}] has a negative or invalid value",
                        path=self.source, row=line, field="ab"[k],
                    )  # fmt: skip
                self._set(k, book, price, qty)
                if qty > 0:
                    top[k] = min(top[k], price) if k else max(top[k], price)
        if top[0] >= self.best(1):
            self._clear(1, [p for p in self.asks if p <= top[0]])
        if top[1] <= self.best(0):
            self._clear(0, [p for p in self.bids if p >= top[1]])
        self.update_id, self.ts_ms = ev.u, ev.E

    def _set(self, k: int, book: dict[float, float], price: float, qty: float) -> None:
        cached = self._best[k]
        if qty == 0:
            if book.pop(price, None) is not None and cached == price:
                self._best[k] = None
            return
        book[price] = qty
        if cached is not None and (price < cached if k else price > cached):
            self._best[k] = price

    def _clear(self, k: int, stale: list[float]) -> None:
        """Remove levels of side ``k`` crossed by a newer level on the other side."""
        book = self.asks if k else self.bids
        self.crossed_cleared += len(stale)
        for p in stale:
            del book[p]
        self._best[k] = None

    def snapshot(self) -> BookSnapshot:
        bp = np.array(sorted(self.bids, reverse=True))
        ap = np.array(sorted(self.asks))
        return BookSnapshot(
            self.ts_ms, self.update_id, bp, np.array([self.bids[p] for p in bp]),
            ap, np.array([self.asks[p] for p in ap]), self.bid_floor, self.ask_cap, self.source,
        )  # fmt: skip


def json_text(line: str) -> str:
    """``'<ns> <json>'`` -> the JSON text (a bare JSON line is returned as is)."""
    head, sep, rest = line.partition(" ")
    return rest if sep and head.isdigit() else line


def magic(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(2)


def text_lines(path: Path) -> Iterator[str]:
    try:
        if magic(path) == b"\x1f\x8b":
            with gzip.open(path, "rt", encoding="utf-8") as g:
                yield from g
        else:
            with path.open(encoding="utf-8") as f:
                yield from f
    except (OSError, EOFError, UnicodeDecodeError) as e:
        raise DataFileError(f"cannot read the recording ({e})", path=str(path)) from e
