"""Dated Binance USD-M bracket snapshots for every symbol, and the fallback ladder for unknown ones.

The package file ``liqmap/data/brackets/binance-snapshots.json.gz`` (layout
``liqmap-bracket-snapshots/1``, built by ``scripts/build_binance_snapshots.py`` from freqtrade's
weekly ``/fapi/v1/leverageBracket`` snapshots) stores each distinct ladder once::

    {"format": "liqmap-bracket-snapshots/1", "venue": "binance", "source": "...",
     "tier_fields": ["floor", "cap", "mmr", "maint_amount", "max_leverage"],
     "snapshots": [{"date": "2024-08-01", "freqtrade_commit": "af554fc3f7"}, ...],
     "ladders": [[[0, 5000, 0.015, 0, 50], ...], ...],
     "symbols": {"BTCUSDT": [137, 137, 138, ...], ...}}   # ladder index per snapshot, -1 = unlisted

:func:`snapshot_table` picks the snapshot **in force** at a time: the latest one dated on or
before it. Before the first snapshot it uses the first, and a symbol not listed at that date
uses the nearest snapshot that lists it; both cases say so in the table's ``source``.

:func:`fallback_ladder` is the documented rule for symbols without any table: the most common
ladder among the latest snapshot's perpetuals with the requested maximum leverage (default: the
most common maximum leverage). See ``docs/model.md`` section 1.9.
"""

from __future__ import annotations

import gzip
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Literal

import msgspec

from liqmap.data import read_bytes
from liqmap.domain.margin import MarginTable, MarginTier
from liqmap.errors import DataFileError

__all__ = [
    "SnapshotInfo",
    "fallback_ladder",
    "snapshot_dates",
    "snapshot_symbols",
    "snapshot_table",
]

RESOURCE = "liqmap/data/brackets/binance-snapshots.json.gz"
Ladder = tuple[tuple[float, float, float, float, float], ...]  # floor, cap, mmr, amount, lev


class _Snapshot(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    date: str
    freqtrade_commit: str


class _SnapshotFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    format: Literal["liqmap-bracket-snapshots/1"]
    venue: str
    source: str
    tier_fields: list[str]
    snapshots: list[_Snapshot]
    ladders: list[list[tuple[float, float, float, float, float]]]
    symbols: dict[str, list[int]]


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """Where one symbol's table comes from: the dates that list it."""

    symbol: str
    first_date: str
    last_date: str
    snapshots: int
    listed_last: bool  # listed in the latest snapshot
    max_leverage: float


@cache
def _doc() -> _SnapshotFile:
    raw = read_bytes("brackets", "binance-snapshots.json.gz")
    try:
        return msgspec.json.decode(gzip.decompress(raw), type=_SnapshotFile)
    except (OSError, msgspec.DecodeError) as exc:  # pragma: no cover - package data is tested
        raise DataFileError(f"corrupt package data: {exc}", path=RESOURCE) from exc


def snapshot_dates() -> tuple[str, ...]:
    """The snapshot dates (ISO), oldest first."""
    return tuple(s.date for s in _doc().snapshots)


def _norm(s: str) -> str:
    """Upper case without separators (``-``, ``/``, ``.``, spaces) or ccxt's ``:SETTLE``
    suffix; symbols may hold non-ASCII letters (Binance lists some)."""
    return re.sub(r"[\s\-/.]", "", s.split(":", maxsplit=1)[0].upper())


def resolve_symbol(symbol: str) -> str | None:
    """The snapshot symbol for ``BTCUSDT``, ``btc``, ``BTC-USDT``, ``BTC/USDT:USDT``..., or None."""
    syms = _doc().symbols
    key = _norm(symbol)
    for cand in (key, key + "USDT", re.sub(r"(PERP|SWAP)$", "", key)):
        if cand in syms:
            return cand
    return None


def _date_ms(date: str) -> int:
    return int(datetime.fromisoformat(date).replace(tzinfo=UTC).timestamp() * 1000)


def _pick_index(per: list[int], as_of_ms: int | None) -> tuple[int, str]:
    """The snapshot index to use and a note when it is not simply the one in force."""
    dates = snapshot_dates()
    if as_of_ms is None:
        want, why = len(dates) - 1, "latest snapshot (no map time given)"
    else:
        pos = bisect_right([_date_ms(d) for d in dates], as_of_ms) - 1
        want = max(pos, 0)
        why = "in force at the map time" if pos >= 0 else "map time before the first snapshot"
    if per[want] >= 0:
        return want, why
    listed = [i for i, x in enumerate(per) if x >= 0]
    near = min(listed, key=lambda i: (abs(i - want), -i))
    return near, f"not listed on {dates[want]}: nearest snapshot that lists it"


def snapshot_table(symbol: str, as_of_ms: int | None = None) -> MarginTable | None:
    """The Binance USD-M table of ``symbol`` in force at ``as_of_ms`` (None: latest), or None."""
    sym = resolve_symbol(symbol)
    if sym is None:
        return None
    doc = _doc()
    i, why = _pick_index(doc.symbols[sym], as_of_ms)
    snap = doc.snapshots[i]
    ladder = doc.ladders[doc.symbols[sym][i]]
    source = (
        f"Binance snapshot {snap.date} ({why}; freqtrade commit {snap.freqtrade_commit}): "
        f"{doc.source}"
    )
    return _table(sym, "binance", ladder, snap.date, source)


def _table(
    symbol: str, venue: str, ladder: list[tuple[float, float, float, float, float]], as_of: str,
    source: str,
) -> MarginTable:  # fmt: skip
    """The ladder as a table; Binance numbers the brackets 1.. in order. Empty brackets
    (floor == cap: a few published tables hold one) can hold no position: dropped, and said."""
    tiers = tuple(
        MarginTier(k, float(lo), float(hi), float(mmr), float(amt), float(lev))
        for k, (lo, hi, mmr, amt, lev) in enumerate(ladder, start=1)
        if hi > lo
    )
    empty = len(ladder) - len(tiers)
    if empty:
        source = f"{source} ({empty} empty bracket(s) with floor = cap dropped)"
    return MarginTable(symbol, venue, tiers, as_of=as_of, source=source)


def snapshot_symbols() -> tuple[SnapshotInfo, ...]:
    """Every symbol of the snapshots with the dates that list it."""
    doc, dates = _doc(), snapshot_dates()
    out = []
    for sym, per in doc.symbols.items():
        listed = [i for i, x in enumerate(per) if x >= 0]
        last = doc.ladders[per[listed[-1]]]
        out.append(
            SnapshotInfo(
                sym, dates[listed[0]], dates[listed[-1]], len(listed), per[-1] >= 0,
                max(t[4] for t in last),
            )
        )  # fmt: skip
    return tuple(out)


@cache
def fallback_ladder(max_leverage: float | None = None) -> tuple[Ladder, float, int]:
    """The most common ladder of the latest snapshot's perpetuals with this maximum leverage.

    Returns ``(ladder, max_leverage, symbols sharing it)``. ``max_leverage=None`` takes the most
    common maximum leverage; a value no perpetual has takes the nearest lower one that exists (a
    lower maximum leverage comes with higher maintenance rates: the conservative side).
    """
    doc = _doc()
    latest = [
        tuple(tuple(t) for t in doc.ladders[per[-1]])
        for sym, per in doc.symbols.items()
        if per[-1] >= 0 and "_" not in sym
    ]
    by_lev = Counter(max(t[4] for t in lad) for lad in latest)
    if max_leverage is None:
        lev = by_lev.most_common(1)[0][0]
    else:
        lower = [x for x in by_lev if x <= max_leverage]
        lev = max(lower) if lower else min(by_lev)
    ladders = Counter(lad for lad in latest if max(t[4] for t in lad) == lev)
    ladder, n = ladders.most_common(1)[0]
    return ladder, lev, n  # type: ignore[return-value]
