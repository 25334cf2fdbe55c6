"""``liqmap positions --exchange hyperliquid --addresses FILE --coin BTC``: a real liquidation map
from sampled accounts' positions."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated

import typer

from liqmap.cli import console, show
from liqmap.errors import ParameterError
from liqmap.exchanges.hyperliquid.positions import DEFAULT_CONCURRENCY, read_addresses, store_rows
from liqmap.exchanges.registry import spec_for, specs
from liqmap.exchanges.spec import PositionsMap, VenueSpec
from liqmap.settings import Settings

__all__ = ["register"]


def positions_cmd(
    addresses: Annotated[
        Path, typer.Option("--addresses", help="File of account addresses (0x..., one per line).")
    ],
    coin: Annotated[str, typer.Option("--coin", help="Coin, e.g. BTC.")] = "BTC",
    exchange: Annotated[
        str, typer.Option("--exchange", help="Only hyperliquid publishes positions.")
    ] = "hyperliquid",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the map: .png, .html, .json or .csv.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the map as JSON on stdout.")
    ] = False,
    bins: Annotated[int, typer.Option("--bins", help="Number of price bins (10..20000).")] = 400,
    range_pct: Annotated[
        float | None, typer.Option("--range", help="Half-width of the price range in %.")
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", help="Accounts read at once (1..16).")
    ] = DEFAULT_CONCURRENCY,
    store: Annotated[
        bool, typer.Option("--store/--no-store", help="Keep the snapshot in the store.")
    ] = True,
) -> None:
    """Build a REAL liquidation map from Hyperliquid accounts' positions, with OI coverage."""
    from liqmap.output import write_result

    spec, read_map = _publishing(exchange)
    if not 1 <= concurrency <= 16:
        raise ParameterError(f"--concurrency must be between 1 and 16, got {concurrency}")
    if out is not None and out.suffix.lower() not in (".png", ".html", ".json", ".csv"):
        raise ParameterError(f"--out: use a .png, .html, .json or .csv file, got {out.name!r}")
    settings = Settings.from_env()
    addrs = read_addresses(addresses)
    snapshot, m = asyncio.run(read_map(settings, addrs, coin, concurrency, bins, range_pct))
    if store:
        from liqmap.store import Store

        with Store.open(settings=settings) as st:
            st.write_positions(spec.name, snapshot.ts_ms, store_rows(snapshot))
    if out is not None:
        write_result(m, out)
    if as_json:
        typer.echo(json.dumps(m.to_dict(), allow_nan=False))
        return
    show.print_map(m)
    if out is not None:
        console.out().print(f"wrote [bold]{out}[/]")


def _publishing(exchange: str) -> tuple[VenueSpec, PositionsMap]:
    """The spec of ``--exchange`` and its positions reader (it must publish positions)."""
    spec = spec_for(exchange)
    if spec.positions is None:
        names = [s.name for s in specs() if s.publishes_positions]
        verb = "publishes" if len(names) == 1 else "publish"
        raise ParameterError(
            f"--exchange {exchange}: only {', '.join(names)} {verb} account positions",
            field="exchange",
            value=exchange,
        )
    return spec, spec.positions


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("positions")(positions_cmd)
