"""``liqmap liqprice``: the exact isolated-margin liquidation price of one position."""

from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from liqmap.cli import console
from liqmap.core.margin import LiquidationQuote, liquidation_price
from liqmap.domain.enums import ContractKind, Side, Venue
from liqmap.domain.margin import MarginTable
from liqmap.domain.venue import venue_names
from liqmap.errors import FallbackTableWarning, ParameterError
from liqmap.io.brackets import load_brackets
from liqmap.io.quote_json import margin_currency, quote_to_dict
from liqmap.io.tables import table_kind
from liqmap.timeutil import parse_time_ms

__all__ = ["liqprice_cmd", "register"]

DEFAULT_SYMBOL = "BTC"


_Symbol = Annotated[
    str | None,
    typer.Option("--symbol", help="Symbol or alias (BTCUSDT, BTC, BTC-USDT-SWAP...). Default BTC."),
]
_Leverage = Annotated[
    float | None,
    typer.Option(
        "--leverage", help="Initial leverage (or give --margin: leverage = value/margin)."
    ),
]
_Notional = Annotated[
    float | None, typer.Option("--notional", help="Position value at entry (USDT/USDC/USD).")
]
_Quantity = Annotated[
    float | None, typer.Option("--quantity", help="Position size in coin (instead of --notional).")
]
_Margin = Annotated[
    float | None,
    typer.Option("--margin", help="Isolated margin (coin for COIN-M). Default value/leverage."),
]
_Brackets = Annotated[
    Path | None,
    typer.Option(
        "--brackets", help="Bracket file: Binance leverageBracket, shared or liqmap layout."
    ),
]
_Fee = Annotated[
    float | None,
    typer.Option("--taker-fee", help="OKX only: taker fee rate in the liquidation condition."),
]
_At = Annotated[
    str | None,
    typer.Option(
        "--at", help="Date the tiers apply (picks the Binance snapshot in force). Default now."
    ),
]


def liqprice_cmd(
    *,
    side: Annotated[str, typer.Option("--side", help="Position side: long or short.")],
    entry: Annotated[float, typer.Option("--entry", help="Entry price.")],
    exchange: Annotated[str, typer.Option("--exchange", help=f"{venue_names()}.")] = "binance",
    symbol: _Symbol = None,
    leverage: _Leverage = None,
    notional: _Notional = None,
    quantity: _Quantity = None,
    margin: _Margin = None,
    brackets: _Brackets = None,
    fee_rate: _Fee = None,
    at: _At = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Exact isolated-margin liquidation price, bracket used and distance from entry."""
    venue = Venue.parse(exchange)
    pos_side = Side.parse(side)
    table = _table(venue, symbol, brackets, at)
    lev = _leverage(
        venue, entry, leverage=leverage, notional=notional, quantity=quantity, margin=margin
    )
    quote = liquidation_price(
        venue,
        pos_side,
        entry,
        lev,
        notional=notional,
        quantity=quantity,
        margin=margin,
        table=table,
        taker_fee_rate=fee_rate,
    )
    if as_json:
        sys.stdout.write(json.dumps(quote_to_dict(quote, table, brackets), indent=2) + "\n")
    else:
        _print(quote, table)


def register(app: typer.Typer) -> None:
    """Add the ``liqprice`` command to the app (once)."""
    if any(c.name == "liqprice" for c in app.registered_commands):
        return
    app.command("liqprice")(liqprice_cmd)


def _table(venue: Venue, symbol: str | None, path: Path | None, at: str | None) -> MarginTable:
    """--brackets, a live table cached by ``liqmap tiers sync``, the dated default, or the
    labelled fallback (a FallbackTableWarning is printed as a warning line)."""
    if path is not None:
        return load_brackets(path, symbol=symbol, venue=venue)
    from liqmap.io.tables import resolve_table

    sym = symbol or DEFAULT_SYMBOL
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FallbackTableWarning)
        table = resolve_table(
            venue, sym, as_of_ms=parse_time_ms(at) if at else None, cached=_cached(venue, sym)
        )
    for w in caught:
        console.err().print(f"[bold yellow]warning:[/] {escape(str(w.message))}")
    return table


def _cached(venue: Venue, symbol: str) -> MarginTable | None:
    """A live table cached in the store (read-only; None when there is no store)."""
    from liqmap.settings import Settings

    settings = Settings.from_env()
    if not settings.store_path.exists():
        return None
    from liqmap.services.sync import store_symbol
    from liqmap.store import Store

    with Store.open(settings=settings, read_only=True) as store:
        return store.latest_brackets(venue.value, store_symbol(venue, symbol))


def _leverage(
    venue: Venue,
    entry: float,
    *,
    leverage: float | None,
    notional: float | None,
    quantity: float | None,
    margin: float | None,
) -> float:
    """The given leverage, or value / margin when only --margin is given."""
    if leverage is not None:
        return leverage
    if margin is None:
        raise ParameterError("give --leverage or --margin (or both)")
    size = notional if notional is not None else (None if quantity is None else quantity * entry)
    if size is None:
        raise ParameterError("give the position size with --notional or --quantity")
    if not (math.isfinite(margin) and margin > 0 and math.isfinite(entry) and entry > 0):
        raise ParameterError(f"--margin and --entry must be > 0, got {margin} and {entry}")
    value = size / entry if venue.contract_kind is ContractKind.INVERSE else size
    return value / margin


def _print(q: LiquidationQuote, table: MarginTable) -> None:
    term = console.out()
    cur = margin_currency(q.venue, table.symbol)
    t = q.tier
    out = Table(
        title=f"{table.symbol} {q.venue.value} {q.side.value}",
        title_justify="left",
        show_header=False,
    )
    out.add_column("", style="bold")
    out.add_column("")
    never = q.liquidation_price == 0.0 or math.isinf(q.liquidation_price)
    lp = "never (the margin covers the position)" if never else f"{q.liquidation_price:,.2f}"
    rows = [
        ("liquidation price", lp),
        ("distance from entry", "-" if never else f"{q.distance_pct:+.3f}%"),
        ("entry", f"{q.entry_price:,.2f}"),
        ("size", _size(q)),
        ("leverage", f"{q.leverage:g}x"),
        ("margin", f"{q.margin:,.8g} {cur} (maintenance at entry {q.maintenance_margin:,.8g})"),
        (
            "bracket",
            f"#{t.tier}: MMR {t.maint_margin_ratio * 100:.4g}%, maint amount {t.maint_amount:,.8g} "
            f"{cur}, max leverage {t.max_leverage:g}x",
        ),
    ]
    if q.entry_tier is not None:
        rows.append(
            (
                "entry bracket",
                f"#{q.entry_tier.tier} (Binance applies the bracket at the liquidation price)",
            )
        )
    if q.taker_fee_rate:
        rows.append(("taker fee", f"{q.taker_fee_rate * 100:.4g}% (in the liquidation condition)"))
    for k, v in rows:
        out.add_row(k, v)
    term.print(out)
    kind = table_kind(table)
    style = "bold yellow" if kind == "FALLBACK" else "dim"
    term.print(
        f"[{style}]{kind} table as of {table.as_of or '?'}: {escape(table.source or 'no source')}[/]"
    )


def _size(q: LiquidationQuote) -> str:
    text = f"{q.notional:,.2f} notional = {q.quantity:,.8g} coin"
    return text + (f" = {q.contracts:,.6g} contracts" if q.contracts is not None else "")
