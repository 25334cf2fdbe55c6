"""The input file layouts liqmap reads, declared as data, and their detection from column names.

Each :class:`Layout` maps the canonical fields liqmap needs (``ts``, ``open``, ...) to the column
names that may carry them in a file. Detection takes the first layout, in :data:`LAYOUTS` order
(most specific first), whose required fields are all present; column names are compared
case-insensitively. A symbol column (``symbol``, ``coin`` or ``inst_id``), when present, is used
by every layout to pick one instrument, and a ``venue`` (or ``exchange``) column to pick one
venue. Headerless files are accepted only for the two data.binance.vision layouts that ship
that way (klines: 12 columns; aggTrades: 7 columns on USD-M futures, 8 on spot).

Field names: ``ts`` is the time column (epoch ms/µs, or UTC text), prices are
``open/high/low/close`` (``src_price`` in the minute-flow file), ``volume`` and
``taker_buy_volume`` are base units, ``oi_level`` is open interest in USD, ``oi_change`` a change
of open interest in USD.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from liqmap.errors import MissingColumnError

__all__ = [
    "LAYOUTS",
    "Kind",
    "Layout",
    "LayoutMatch",
    "detect_layout",
    "headerless_columns",
    "normalize_column",
]

Kind = Literal["candles", "agg_trades", "flow", "open_interest", "liquidations"]

_WORDS: Mapping[Kind, str] = {
    "candles": "candle",
    "agg_trades": "aggTrades",
    "flow": "minute-flow",
    "open_interest": "open-interest",
    "liquidations": "liquidation",
}

#: The public loader for each kind of file (used in error messages).
LOADER: Mapping[Kind, str] = {
    "candles": "load_candles",
    "agg_trades": "load_candles",
    "flow": "load_flow",
    "open_interest": "load_open_interest",
    "liquidations": "load_liquidations",
}


@dataclass(frozen=True, slots=True)
class Layout:
    """One file layout: the canonical fields and the column names that may carry each one.

    ``fields`` maps a canonical field to the accepted column names, documented name first.
    Fields listed in ``optional`` may be absent. ``headerless`` lists the column names of the
    layout's headerless form(s), keyed by column count.
    """

    name: str
    kind: Kind
    description: str
    fields: Mapping[str, tuple[str, ...]]
    optional: frozenset[str] = frozenset()
    headerless: Mapping[int, tuple[str, ...]] = field(default_factory=dict)

    def match(self, columns: Mapping[str, str]) -> dict[str, str] | None:
        """``{canonical field: file column}`` when every required field is present, else None.

        ``columns`` maps normalized column names (see :func:`normalize_column`) to file names.
        """
        found: dict[str, str] = {}
        for name, aliases in self.fields.items():
            hit = next((columns[a] for a in aliases if a in columns), None)
            if hit is not None:
                found[name] = hit
            elif name not in self.optional:
                return None
        return found

    def missing(self, columns: Mapping[str, str]) -> list[str]:
        """Documented names of the required fields absent from ``columns``."""
        return [
            aliases[0]
            for name, aliases in self.fields.items()
            if name not in self.optional and not any(a in columns for a in aliases)
        ]

    def signature(self) -> str:
        """The documented column list, optional ones in brackets."""
        cols = [a[0] if n not in self.optional else f"[{a[0]}]" for n, a in self.fields.items()]
        return ",".join(cols)


@dataclass(frozen=True, slots=True)
class LayoutMatch:
    """A detected layout and, for each canonical field, the file column that carries it."""

    layout: Layout
    columns: Mapping[str, str]
    symbol_column: str | None
    venue_column: str | None = None


#: Column names that carry the instrument, in order of preference (every layout).
SYMBOL_COLUMNS = ("symbol", "coin", "inst_id", "instrument")
#: Column names that carry the venue, in order of preference (every layout).
VENUE_COLUMNS = ("venue", "exchange")


_KLINES = (
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "count",
    "taker_buy_volume",
    "taker_buy_quote_volume",
    "ignore",
)
_AGG_FUTURES = (
    "agg_trade_id",
    "price",
    "quantity",
    "first_trade_id",
    "last_trade_id",
    "transact_time",
    "is_buyer_maker",
)
_OHLC = {"open": ("open",), "high": ("high",), "low": ("low",), "close": ("close",)}

LAYOUTS: tuple[Layout, ...] = (
    Layout(
        "binance-klines",
        "candles",
        "data.binance.vision klines, with header or headerless (12 columns)",
        {
            "ts": ("open_time",),
            **_OHLC,
            "volume": ("volume",),
            "taker_buy_volume": ("taker_buy_volume", "taker_buy_base_asset_volume"),
        },
        headerless={12: _KLINES},
    ),
    Layout(
        "archive-1h",
        "candles",
        "archive-style klines with a header and UTC text times",
        {
            "ts": ("timestamp",),
            **_OHLC,
            "volume": ("volume",),
            "taker_buy_volume": ("taker_buy_base",),
        },
    ),
    Layout(
        "recorder-1m",
        "candles",
        "recorder 1m OHLC, several symbols",
        {"ts": ("minute_ms",), "symbol": ("symbol",), **_OHLC},
    ),
    Layout(
        "recorder-minute-flow",
        "flow",
        "recorder per-minute taker flow and open-interest change, several symbols",
        {
            "ts": ("minute_ms",),
            "symbol": ("symbol",),
            "src_price": ("src_price",),
            "high": ("high",),
            "low": ("low",),
            "close": ("close",),
            "taker_buy_vol": ("taker_buy_vol",),
            "taker_sell_vol": ("taker_sell_vol",),
            "oi_change": ("oi_change",),
            "ok": ("ok",),
        },
    ),
    Layout(
        "binance-mark",
        "candles",
        "Binance mark-price klines (mark_open..mark_close), several symbols",
        {
            "ts": ("open_time_ms", "open_time"),
            "symbol": ("symbol",),
            "open": ("mark_open",),
            "high": ("mark_high",),
            "low": ("mark_low",),
            "close": ("mark_close",),
        },
    ),
    Layout(
        "binance-aggtrades",
        "agg_trades",
        "data.binance.vision aggTrades, with header or headerless (7 or 8 columns)",
        {
            "agg_trade_id": ("agg_trade_id",),
            "price": ("price",),
            "quantity": ("quantity",),
            "ts": ("transact_time",),
            "is_buyer_maker": ("is_buyer_maker",),
        },
        optional=frozenset({"agg_trade_id"}),
        headerless={7: _AGG_FUTURES, 8: (*_AGG_FUTURES, "is_best_match")},
    ),
    Layout(
        "bars",
        "candles",
        "generic bars, e.g. the shared binance-um-*.csv.gz (epoch-ms open time)",
        {
            "ts": ("open_time_ms", "ts_ms", "open_time", "timestamp", "time"),
            **_OHLC,
            "volume": ("volume",),
            "taker_buy_volume": ("taker_buy_volume", "taker_buy_base", "taker_buy_vol"),
        },
        optional=frozenset({"volume", "taker_buy_volume"}),
    ),
    Layout(
        "binance-metrics",
        "open_interest",
        "data.binance.vision metrics (5m open interest); level in USD",
        {"ts": ("create_time",), "oi_level": ("sum_open_interest_value",)},
    ),
    Layout(
        "oi-level",
        "open_interest",
        "generic open-interest levels in USD",
        {"ts": ("ts_ms", "timestamp"), "oi_level": ("oi_usd", "open_interest_usd")},
    ),
    Layout(
        "oi-change",
        "open_interest",
        "generic open-interest changes in USD per bar",
        {"ts": ("ts_ms", "timestamp"), "oi_change": ("oi_change",)},
    ),
    Layout(
        "liquidation-tape",
        "liquidations",
        "liquidation tape (one forced order per row)",
        {
            "ts": ("ts_ms",),
            "liquidated_side": ("liquidated_side",),
            "order_side": ("order_side",),
            "price": ("price",),
            "qty": ("qty",),
            "notional_usd": ("notional_usd",),
        },
        optional=frozenset({"notional_usd"}),
    ),
)


def normalize_column(name: str) -> str:
    """Column name as compared: stripped of spaces, quotes and a byte-order mark; lower case."""
    return name.strip().strip("\ufeff").strip().strip("\"'").strip().lower()


def headerless_columns(n_columns: int) -> tuple[str, ...] | None:
    """Column names for a headerless file with ``n_columns`` columns, or None if none fits."""
    for layout in LAYOUTS:
        if n_columns in layout.headerless:
            return layout.headerless[n_columns]
    return None


def headerless_help() -> str:
    """Which headerless forms are accepted (for error messages)."""
    forms = [
        f"{layout.name} ({n} columns)" for layout in LAYOUTS for n in sorted(layout.headerless)
    ]
    return ", ".join(forms)


def detect_layout(columns: Iterable[str], kinds: Iterable[Kind], path: str) -> LayoutMatch:
    """The first layout of one of ``kinds`` whose required fields are all among ``columns``.

    Raises
    ------
    MissingColumnError
        No layout of those kinds fits. The message lists the columns found, names the closest
        layout and its missing columns (with a close-match suggestion for misspelt names), or
        says which loader reads the file when it fits a layout of another kind.
    """
    wanted = tuple(kinds)
    cols = {normalize_column(c): c for c in columns}
    other: Layout | None = None
    for layout in LAYOUTS:
        found = layout.match(cols)
        if found is None:
            continue
        if layout.kind in wanted:
            symbol = found.get("symbol") or next(
                (cols[c] for c in SYMBOL_COLUMNS if c in cols), None
            )
            venue = next((cols[c] for c in VENUE_COLUMNS if c in cols), None)
            return LayoutMatch(layout, found, symbol, venue)
        other = other or layout
    if other is not None:
        raise MissingColumnError(
            f"this is a {other.name} file ({other.description}), not a {_WORDS[wanted[0]]} "
            f"file; read it with liqmap.io.files.{LOADER[other.kind]}()",
            path=path,
        )
    raise _missing_error(cols, wanted, path)


def _missing_error(cols: Mapping[str, str], wanted: tuple[Kind, ...], path: str) -> Exception:
    candidates = [layout for layout in LAYOUTS if layout.kind in wanted]
    best = min(candidates, key=lambda layout: len(layout.missing(cols)))
    missing = best.missing(cols)
    hints = []
    for name in missing:
        close = difflib.get_close_matches(name, list(cols), n=1, cutoff=0.6)
        if close:
            hints.append(f"'{name}' (found '{cols[close[0]]}': rename it to '{name}'?)")
        else:
            hints.append(f"'{name}'")
    expected = "; ".join(f"{layout.name}: {layout.signature()}" for layout in candidates)
    return MissingColumnError(
        f"no known {_WORDS[wanted[0]]} layout matches the columns "
        f"[{_shown(cols.values())}]. Closest is {best.name} ({best.description}), which "
        f"lacks {', '.join(hints)}. Expected layouts — {expected}",
        path=path,
        field=missing[0] if missing else None,
    )


def _shown(names: Iterable[str]) -> str:
    """Column names for a message: each truncated, at most 20 of them."""
    listed = [n if len(n) <= 40 else n[:40] + "..." for n in names]
    more = f", ... ({len(listed) - 20} more)" if len(listed) > 20 else ""
    return ", ".join(listed[:20]) + more
