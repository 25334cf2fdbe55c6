"""Maintenance-margin bracket tables: files and the dated defaults shipped with liqmap.

:func:`load_brackets` reads three JSON layouts:

* Binance responses: USD-M ``GET /fapi/v1/leverageBracket`` (a list of ``{"symbol", "brackets":
  [{"bracket", "initialLeverage", "notionalCap", "notionalFloor", "maintMarginRatio", "cum"}]}``
  or one such object; https://developers.binance.com/docs/derivatives/usds-margined-futures/account/rest-api/Notional-and-Leverage-Brackets)
  and COIN-M ``GET /dapi/v2/leverageBracket`` (``qtyCap``/``qtylFloor`` in coin;
  https://developers.binance.com/docs/derivatives/coin-margined-futures/account/Notional-Bracket-for-Symbol).
* The shared-data layout ``{"source", "fields": [...], "symbols": {SYM: [[bracket, floor, cap,
  mmr, cum, initial_leverage], ...]}}`` (columns found by their names in ``fields``).
* liqmap's ``liqmap-brackets/1`` layout (``liqmap/data/brackets/<venue>.json``): the tables of
  one venue, each with symbol, aliases, ``as_of`` date and ``source``.

Wire JSON is parsed into frozen :class:`msgspec.Struct` classes that copy the exchange's field
names exactly, then converted to :class:`liqmap.domain.MarginTable`; every problem raises
:class:`~liqmap.errors.DataFileError` naming the file and the JSON path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from os import PathLike
from pathlib import Path
from typing import Any

import msgspec

from liqmap.data import read_bytes
from liqmap.domain.enums import Venue
from liqmap.domain.margin import MarginTable, MarginTier
from liqmap.errors import DataFileError, LiqmapError, UnknownSymbolError
from liqmap.io.bracket_schemas import (
    BinanceCoinmSymbolBrackets,
    BinanceSymbolBrackets,
    PackageFile,
    Row,
    SharedBracketFile,
)
from liqmap.io.bracket_snapshots import snapshot_dates, snapshot_symbols, snapshot_table

__all__ = ["NO_TABLE_HINT", "default_table", "known_symbols", "load_brackets", "table_from_binance"]

NO_TABLE_HINT = (
    "pass the exchange's tiers with --brackets FILE, or fetch them with "
    "`liqmap tiers sync --exchange {venue} --symbol {symbol}`"
)

SHARED_FIELDS = ("bracket", "notional_floor", "notional_cap", "maint_margin_ratio", "cum", "initial_leverage")  # fmt: skip


# --- public API -----------------------------------------------------------------------------------


def table_from_binance(
    x: BinanceSymbolBrackets, *, source: str, as_of: str, venue: Venue = Venue.BINANCE
) -> MarginTable:
    """One symbol of a Binance USD-M ``leverageBracket`` answer as a :class:`MarginTable`."""
    cand = _Candidate(x.symbol, [b.row() for b in x.brackets], source, "$.brackets", as_of=as_of)
    return _table(cand, venue, Path(source))


def load_brackets(
    path: str | PathLike[str], symbol: str | None = None, venue: Venue | str | None = None
) -> MarginTable:
    """Read one symbol's margin table from a bracket file (any of the three layouts).

    Parameters
    ----------
    path
        The JSON file.
    symbol
        Symbol or alias (``BTCUSDT``, ``BTC``, ``BTC-USDT-SWAP`` ...); may be omitted when the
        file holds one symbol.
    venue
        The venue the table applies to. Package files name their venue (a different one is an
        error); Binance and shared-layout files default to Binance USD-M (COIN-M for ``qtyCap``
        brackets).

    Raises
    ------
    DataFileError
        The file is missing, not JSON, or a field is malformed (the message names the JSON path).
    UnknownSymbolError
        The symbol is not in the file (the message lists the symbols it holds).
    """
    p = Path(path)
    want = None if venue is None else _venue(venue)
    cands, v = _candidates(_read_json(p), p, want)
    return _pick(cands, symbol, where=f"file {p}", venue=v, path=p)


def default_table(venue: Venue | str, symbol: str, *, as_of_ms: int | None = None) -> MarginTable:
    """The dated default table liqmap ships for ``symbol`` on ``venue``.

    Binance USD-M tables (a venue with ``bracket_snapshots``) come from the dated all-symbol
    snapshots (:mod:`liqmap.io.bracket_snapshots`): the snapshot in force at ``as_of_ms`` (the latest dated
    on or before it; ``None``: the latest). Other venues ship a few tables each. Symbols are
    matched case-insensitively, ignoring separators, by name or alias: ``BTC``, ``BTCUSDT``,
    ``BTC-USDT-SWAP``, ``BTCUSD_PERP`` ... Each table carries ``as_of`` and ``source`` (tables
    whose values could not be confirmed say so in ``source``).

    Raises
    ------
    UnknownSymbolError
        The venue ships no table for that symbol (the message lists known ones and names
        ``--brackets`` and ``liqmap tiers sync``; :func:`liqmap.io.fallback.fallback_table` gives
        the documented conservative stand-in).
    """
    v = _venue(venue)
    if v.bracket_snapshots:
        table = snapshot_table(symbol, as_of_ms)
        if table is not None:
            return table
        n = len(snapshot_symbols())
        raise UnknownSymbolError(
            f"unknown symbol {symbol!r} for {v.value}: none of liqmap's {n} dated Binance USD-M "
            f"tables ({snapshot_dates()[0]}..{snapshot_dates()[-1]}) lists it; "
            + NO_TABLE_HINT.format(venue=v.value, symbol=symbol)
        )
    where, path = f"liqmap's default tables for {v.value}", _resource(v)
    try:
        return _pick(_package_candidates(v), symbol, where=where, venue=v, path=path)
    except UnknownSymbolError as exc:
        if "ambiguous" in str(exc):
            raise
        hint = NO_TABLE_HINT.format(venue=v.value, symbol=symbol)
        raise UnknownSymbolError(f"{exc}; {hint}") from exc


def known_symbols(venue: Venue | str) -> tuple[str, ...]:
    """Symbols with a default table on ``venue`` (Binance: every symbol of the snapshots)."""
    v = _venue(venue)
    if v.bracket_snapshots:
        return tuple(i.symbol for i in snapshot_symbols())
    return tuple(c.symbol for c in _package_candidates(v))


# --- layouts -> candidate tables (built only when picked) ----------------------------------------


@dataclass(frozen=True, slots=True)
class _Candidate:
    symbol: str
    rows: list[Row]
    source: str
    field: str  # JSON path of the tiers, for error messages
    aliases: Sequence[str] = ()
    as_of: str = ""

    def answers_to(self, key: str) -> bool:
        names = {_norm(self.symbol), *(_norm(a) for a in self.aliases)}
        return key in names | _auto_aliases(self.symbol)


def _candidates(data: Any, path: Path, want: Venue | None) -> tuple[list[_Candidate], Venue]:
    if isinstance(data, dict) and "format" in data:
        return _package_file_candidates(data, path, want)
    if isinstance(data, dict) and "fields" in data and "symbols" in data:
        shared = _convert(data, SharedBracketFile, path)
        return _shared_candidates(shared, path), want or Venue.BINANCE
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(x, dict) and "brackets" in x for x in items):
        msg = "not a bracket file: expected a Binance leverageBracket response (objects with "
        msg += "'brackets'), the shared layout ('fields' + 'symbols') or a liqmap-brackets/1 file"
        raise DataFileError(msg, path=str(path), field="$")
    src = f"Binance leverageBracket response {path.name}"
    if any("qtyCap" in b for x in items for b in x["brackets"] if isinstance(b, dict)):
        cm = _convert(items, list[BinanceCoinmSymbolBrackets], path)
        return [_coinm(i, x, path, src) for i, x in enumerate(cm)], want or Venue.BINANCE_COINM
    um: list[BinanceSymbolBrackets] = _convert(items, list[BinanceSymbolBrackets], path)
    cands = [
        _Candidate(x.symbol, [b.row() for b in x.brackets], src, f"$[{i}].brackets")
        for i, x in enumerate(um)
    ]
    return cands, want or Venue.BINANCE


def _coinm(i: int, x: BinanceCoinmSymbolBrackets, path: Path, source: str) -> _Candidate:
    name = x.symbol or x.pair
    if not name:
        msg = "entry has neither 'symbol' nor 'pair'"
        raise DataFileError(msg, path=str(path), field=f"$[{i}]")
    rows: list[Row] = []
    for j, b in enumerate(x.brackets):
        floor = b.qtylFloor if b.qtylFloor is not None else b.qtyFloor
        if floor is None:
            where = f"$[{i}].brackets[{j}]"
            raise DataFileError("bracket has no 'qtylFloor'", path=str(path), field=where)
        rows.append((b.bracket, floor, b.qtyCap, b.maintMarginRatio, b.cum, b.initialLeverage))
    return _Candidate(name, rows, source, f"$[{i}].brackets")


def _shared_candidates(f: SharedBracketFile, path: Path) -> list[_Candidate]:
    missing = [name for name in SHARED_FIELDS if name not in f.fields]
    if missing:
        raise DataFileError(
            f"'fields' lacks {', '.join(missing)}; it must name {', '.join(SHARED_FIELDS)}",
            path=str(path),
            field="$.fields",
        )
    col = [f.fields.index(name) for name in SHARED_FIELDS]
    cands = []
    for sym, table in f.symbols.items():
        for j, row in enumerate(table):
            if len(row) != len(f.fields):
                raise DataFileError(
                    f"row has {len(row)} values but 'fields' names {len(f.fields)}",
                    path=str(path),
                    field=f"$.symbols.{sym}[{j}]",
                )
        rows: list[Row] = [
            (int(r[col[0]]), r[col[1]], r[col[2]], r[col[3]], r[col[4]], r[col[5]]) for r in table
        ]
        cands.append(_Candidate(sym, rows, f.source, f"$.symbols.{sym}"))
    return cands


def _package_file_candidates(
    data: Any, path: Path, want: Venue | None
) -> tuple[list[_Candidate], Venue]:
    f = _convert(data, PackageFile, path)
    try:
        v = Venue.parse(f.venue)
    except LiqmapError as exc:
        raise DataFileError(str(exc), path=str(path), field="$.venue") from exc
    if want is not None and want is not v:
        msg = f"the file holds {v.value} tables, not {want.value}"
        raise DataFileError(msg, path=str(path), field="$.venue")
    cands = [
        _Candidate(
            t.symbol,
            [x.row() for x in t.tiers],
            t.source,
            f"$.tables[{i}].tiers",
            aliases=t.aliases,
            as_of=t.as_of,
        )
        for i, t in enumerate(f.tables)
    ]
    return cands, v


def _resource(venue: Venue) -> Path:
    return Path(f"liqmap/data/brackets/{venue.value}.json")


@cache
def _package_candidates(venue: Venue) -> list[_Candidate]:
    try:
        raw = read_bytes("brackets", f"{venue.value}.json")
    except FileNotFoundError as exc:  # pragma: no cover - every venue ships a file (tested)
        raise UnknownSymbolError(f"liqmap ships no default tables for {venue.value}") from exc
    return _package_file_candidates(_decode(raw, _resource(venue)), _resource(venue), venue)[0]


# --- helpers --------------------------------------------------------------------------------------


def _pick(
    cands: list[_Candidate], symbol: str | None, *, where: str, venue: Venue, path: Path
) -> MarginTable:
    names = ", ".join(c.symbol for c in cands) or "none"
    if symbol is None:
        if len(cands) == 1:
            return _table(cands[0], venue, path)
        msg = f"{where} holds several symbols ({names}); choose one with --symbol"
        raise UnknownSymbolError(msg)
    key = _norm(symbol)
    hits = [c for c in cands if _norm(c.symbol) == key] or [c for c in cands if c.answers_to(key)]
    if len(hits) == 1:
        return _table(hits[0], venue, path)
    if hits:
        matches = ", ".join(c.symbol for c in hits)
        raise UnknownSymbolError(f"symbol {symbol!r} is ambiguous in {where}: it matches {matches}")
    raise UnknownSymbolError(
        f"unknown symbol {symbol!r} for {venue.value} in {where}; known symbols: {names}"
    )


def _table(c: _Candidate, venue: Venue, path: Path) -> MarginTable:
    tiers = sorted(
        (
            MarginTier(int(b), float(lo), math.inf if hi is None else float(hi), mmr, cum, lev)
            for b, lo, hi, mmr, cum, lev in c.rows
        ),
        key=lambda t: t.notional_floor,
    )
    try:
        return MarginTable(c.symbol, venue.value, tuple(tiers), as_of=c.as_of, source=c.source)
    except LiqmapError as exc:
        raise DataFileError(str(exc), path=str(path), field=c.field) from exc


def _venue(v: Venue | str) -> Venue:
    return v if isinstance(v, Venue) else Venue.parse(v)


def _norm(s: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", s.upper())


def _auto_aliases(symbol: str) -> set[str]:
    """``BTC`` for ``BTCUSDT``, ``BTCUSD_PERP``, ``BTC-USDT-SWAP`` (suffix, then quote removed)."""
    s = re.sub(r"(PERP|SWAP)$", "", _norm(symbol)) or _norm(symbol)
    base = re.sub(r"(USDT|USDC|BUSD|USD)$", "", s)
    return {s, base} if base else {s}


def _read_json(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise DataFileError("file not found; check the --brackets path", path=str(path)) from exc
    except OSError as exc:
        raise DataFileError(f"cannot read the file: {exc.strerror or exc}", path=str(path)) from exc
    return _decode(raw, path)


def _decode(raw: bytes, path: Path) -> Any:
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise DataFileError(f"not valid JSON: {exc}", path=str(path)) from exc


def _convert(data: Any, typ: Any, path: Path) -> Any:
    try:
        return msgspec.convert(data, typ, strict=False)
    except msgspec.ValidationError as exc:
        msg, _, at = str(exc).partition(" - at `")
        raise DataFileError(msg, path=str(path), field=at.rstrip("`") or "$") from exc
