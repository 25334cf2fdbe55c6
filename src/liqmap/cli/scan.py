"""``liqmap scan [SYMBOL ...]``: many symbols' maps ranked by their nearest large clusters."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from liqmap.cli import console
from liqmap.core.scan import DEFAULT_MIN_SHARE, ScanResult, ScanRow
from liqmap.domain.enums import Venue
from liqmap.render.formatting import format_usd
from liqmap.timeutil import parse_duration_ms

__all__ = ["register", "scan_cmd"]


def scan_cmd(
    symbols: Annotated[
        list[str] | None,
        typer.Argument(help="Symbols (or comma lists); default every symbol in the store."),
    ] = None,
    exchange: Annotated[
        str, typer.Option("--exchange", help="binance, bybit, okx, hyperliquid.")
    ] = "binance",
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="'store' (stored data only), 'exchange' (sync first) or a path template with "
            "{symbol}, e.g. data/{symbol}-5m.csv.gz.",
        ),
    ] = "store",
    window: Annotated[str, typer.Option("--window", help="Map window (7d, 24h...).")] = "7d",
    interval: Annotated[
        str, typer.Option("--interval", help="Stored bar size (1m, 5m...).")
    ] = "5m",
    at: Annotated[
        str | None, typer.Option("--at", help="Map time; default the last stored bar.")
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", help="Maps built at once (1..32).")
    ] = 4,
    min_share: Annotated[
        float,
        typer.Option("--min-share", help="A large cluster holds at least this share of OI/volume."),
    ] = DEFAULT_MIN_SHARE,
    top: Annotated[int, typer.Option("--top", help="Rows shown in the table (JSON: all).")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print the ranking as JSON.")] = False,
) -> None:
    """Rank symbols by their nearest large liquidation clusters relative to OI or volume.

    Each symbol's map is built as ``liqmap map`` would; the score is the largest
    ``cluster USD / scale / |distance %|`` over clusters holding at least ``--min-share`` of
    the scale (open interest at the map time, else a day's traded value). Symbols that fail
    are listed with their error; the scan never stops for one.
    """
    from liqmap.scan import ScanRequest, run_scan, stored_symbols, symbols_from

    venue = Venue.parse(exchange)
    interval_ms = parse_duration_ms(interval, name="--interval")
    names = symbols_from(symbols or ()) or stored_symbols(venue, interval_ms)
    req = ScanRequest(
        names, exchange=venue, source=source, window=window, interval_ms=interval_ms, at=at,
        concurrency=concurrency, min_share=min_share,
    )  # fmt: skip
    with Progress(
        TextColumn("scan"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[last]}"),
        TimeElapsedColumn(), console=console.err(), transient=True, disable=as_json,
    ) as bar:  # fmt: skip
        task = bar.add_task("scan", total=len(names), last="")

        def step(symbol: str, ok: bool) -> None:
            bar.update(task, advance=1, last=symbol + ("" if ok else " (failed)"))

        result = run_scan(req, progress=step)
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), allow_nan=False) + "\n")
        return
    _print(result, top)


def _side(row: ScanRow, side: str) -> str:
    c = row.long if side == "long" else row.short
    if c is None:
        return "-"
    share = row.share(c)
    return f"{c.price:,.6g} ({c.distance_pct:+.2f}%) {format_usd(c.usd)} = {share * 100:.1f}%"


def _print(result: ScanResult, top: int) -> None:
    ok = [r for r in result.rows if r.ok]
    out = Table(
        title=f"{len(ok)} of {len(result.rows)} symbols mapped, window {result.window}; "
        f"large cluster >= {result.min_share * 100:g}% of OI or daily volume",
        title_justify="left",
    )
    for col in (
        "#",
        "symbol",
        "price",
        "scale",
        "nearest long cluster",
        "nearest short cluster",
        "score",
    ):
        out.add_column(col, overflow="fold")
    for i, r in enumerate(ok[:top], start=1):
        scale = f"{format_usd(r.scale_usd)} {'OI' if r.scale_kind == 'open_interest' else 'vol/d'}"
        fb = " [bold yellow]FALLBACK tiers[/]" if "(FALLBACK" in r.table else ""
        out.add_row(str(i), r.symbol + fb, f"{r.price:,.6g}", scale, _side(r, "long"),
                    _side(r, "short"), f"{r.score:.3g}")  # fmt: skip
    console.out().print(out)
    for r in result.failures:
        console.err().print(f"[yellow]failed:[/] {escape(r.symbol)}: {escape(r.error)}")


def register(app: typer.Typer) -> None:
    """Add the ``scan`` command to the app."""
    app.command("scan")(scan_cmd)
