"""``liqmap tiers sync --exchange X [--symbol S ...]``: fetch live margin tiers into the store."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.markup import escape

from liqmap.cli import console
from liqmap.domain.enums import Venue
from liqmap.io.report import fmt_ms
from liqmap.services.tiers import TierSync, sync_tiers
from liqmap.settings import Settings

__all__ = ["register"]


def tiers_sync_cmd(
    exchange: Annotated[
        str, typer.Option("--exchange", help="bybit, okx, hyperliquid, or binance (API key).")
    ],
    symbol: Annotated[
        list[str] | None,
        typer.Option("--symbol", help="Symbol(s) to fetch (repeat); default every listed symbol."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Fetch the venue's current tiers and store them with today's fetch date.

    Later maps and ``liqprice`` use them (``liqmap symbols`` lists what is cached); maps from
    ``--source exchange`` refresh them when older than ``LIQMAP_TIERS_MAX_AGE`` (default 7d).
    Symbols the venue does not list are reported; the others are stored.
    """
    from liqmap.store import Store

    venue = Venue.parse(exchange)
    settings = Settings.from_env()
    with Store.open(settings=settings) as store:
        rep = sync_tiers(store, venue, symbol or None, settings=settings)
    if as_json:
        sys.stdout.write(json.dumps(rep.to_dict(), indent=2) + "\n")
    else:
        _print(rep)
    if rep.failures and not rep.tables:
        raise typer.Exit(1)


def _print(rep: TierSync) -> None:
    term = console.out()
    term.print(
        f"[bold]{rep.venue.value}[/]: {len(rep.tables):,} tables ({rep.rows:,} tiers) stored, "
        f"fetched {fmt_ms(rep.fetched_ms)}"
    )
    for t in rep.tables[:20]:
        term.print(f"  {t.symbol}: {len(t.tiers)} tiers, max leverage {t.max_leverage:g}x")
    if len(rep.tables) > 20:
        term.print(f"  [dim]... and {len(rep.tables) - 20} more (liqmap symbols --exchange ...)[/]")
    for sym, err in rep.failures:
        console.err().print(f"[yellow]warning:[/] {escape(sym)}: {escape(err)}")


def register(app: typer.Typer) -> None:
    """Add the ``tiers`` command group."""
    group = typer.Typer(
        name="tiers",
        help="Live maintenance-margin tiers: fetch them and cache them in the store.",
        no_args_is_help=True,
    )
    group.command("sync")(tiers_sync_cmd)
    app.add_typer(group, name="tiers")
