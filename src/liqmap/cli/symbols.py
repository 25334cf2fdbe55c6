"""``liqmap symbols [--exchange X] [--json]``: what can be mapped, with each table's date and source."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from typing import Annotated

import typer
from rich.table import Table

from liqmap.cli import console
from liqmap.domain.enums import Venue
from liqmap.domain.venue import venue_names

__all__ = ["SymbolRow", "register", "symbol_rows"]


@dataclass(frozen=True, slots=True)
class SymbolRow:
    """One mappable symbol: where its margin table comes from and how current it is."""

    exchange: str
    symbol: str
    origin: str  # "live" (cached by tiers sync), "snapshot", "shipped"
    as_of: str  # table date (snapshot date, fetch date, publication date)
    max_leverage: float
    tiers: int
    source: str
    listed: bool = True  # Binance: listed in the latest snapshot


def symbol_rows(venues: list[Venue], *, with_store: bool = True) -> list[SymbolRow]:
    """Every symbol with a table: cached live tables first, then liqmap's dated defaults."""
    from liqmap.io.bracket_snapshots import snapshot_symbols
    from liqmap.io.brackets import default_table, known_symbols

    rows: list[SymbolRow] = _cached_rows(venues) if with_store else []
    seen = {(r.exchange, r.symbol) for r in rows}
    for v in venues:
        if v.bracket_snapshots:
            for i in snapshot_symbols():
                if (v.value, i.symbol) in seen:
                    continue
                src = f"Binance snapshots {i.first_date}..{i.last_date} ({i.snapshots} dates)"
                rows.append(SymbolRow(v.value, i.symbol, "snapshot", i.last_date, i.max_leverage,
                                      0, src, i.listed_last))  # fmt: skip
            continue
        for sym in known_symbols(v):
            t = default_table(v, sym)
            if (v.value, t.symbol) not in seen:
                rows.append(SymbolRow(v.value, t.symbol, "shipped", t.as_of, t.max_leverage,
                                      len(t.tiers), t.source))  # fmt: skip
    return rows


def _cached_rows(venues: list[Venue]) -> list[SymbolRow]:
    from liqmap.io.report import fmt_ms
    from liqmap.settings import Settings
    from liqmap.store import Store

    settings = Settings.from_env()
    if not settings.store_path.exists():
        return []
    out = []
    with Store.open(settings=settings, read_only=True) as store:
        for venue, sym, fetched, n, source in store.bracket_index():
            if any(v.value == venue for v in venues):
                table = store.latest_brackets(venue, sym)
                lev = table.max_leverage if table is not None else 0.0
                out.append(SymbolRow(venue, sym, "live", fmt_ms(fetched)[:10], lev, n, source))
    return out


def symbols_cmd(
    exchange: Annotated[
        str,
        typer.Option("--exchange", help=f"{venue_names()}, all."),
    ] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """Symbols liqmap can map, with the date and source of each margin table.

    Any other symbol still maps: liqmap then uses its labelled conservative fallback (fetch the
    real tiers with ``liqmap tiers sync`` or pass ``--brackets``).
    """
    venues = list(Venue) if exchange == "all" else [Venue.parse(exchange)]
    rows = symbol_rows(venues)
    if as_json:
        sys.stdout.write(json.dumps([asdict(r) for r in rows], indent=1) + "\n")
        return
    out = Table(title=f"{len(rows):,} symbols with margin tables", title_justify="left")
    for col in ("exchange", "symbol", "table", "as of", "max lev", "source"):
        out.add_column(col, overflow="fold")
    for r in rows:
        table = r.origin + ("" if r.listed else " (delisted)")
        out.add_row(r.exchange, r.symbol, table, r.as_of, f"{r.max_leverage:g}x", r.source[:70])
    console.out().print(out)
    console.out().print(
        "[dim]other symbols map with the labelled fallback ladder (docs/model.md section 1.9); "
        "fetch real tiers with `liqmap tiers sync --exchange X`[/]"
    )


def register(app: typer.Typer) -> None:
    """Add the ``symbols`` command to the app."""
    app.command("symbols")(symbols_cmd)
