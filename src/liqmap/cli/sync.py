"""``liqmap sync SYMBOL --exchange X [--since DATE] [--kinds ...]``: fill the store from public REST."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from liqmap.cli import console
from liqmap.domain.enums import Venue
from liqmap.domain.venue import venue_names
from liqmap.errors import ParameterError
from liqmap.exchanges.base import INTERVALS_MS
from liqmap.exchanges.records import DataKind
from liqmap.services.sync import DEFAULT_KINDS, SyncReport, sync
from liqmap.settings import Settings
from liqmap.timeutil import parse_duration_ms, parse_time_ms

__all__ = ["register"]

_ALL_KINDS = ",".join(k.value for k in DataKind)
_DEFAULT_KINDS = ",".join(k.value for k in DEFAULT_KINDS)


def _time(text: str, name: str, now_ms: int) -> int:
    """A date/time, or a duration meaning "that long ago" (``7d``)."""
    if (
        text.strip()[-1:].lower() in ("m", "h", "d", "w")
        and text.strip()[:-1].replace(".", "").isdigit()
    ):
        return now_ms - parse_duration_ms(text, name=name)
    return parse_time_ms(text, name=name)


class _Bar:
    """A rich progress bar per kind, fed by the sync's progress callbacks."""

    def __init__(self, progress: Progress) -> None:
        self._p = progress
        self._tasks: dict[str, TaskID] = {}

    def start(self, kind: str, total_ms: int) -> None:
        self._tasks[kind] = self._p.add_task(kind, total=max(total_ms, 1), rows=0)
        if total_ms <= 0:
            self._p.update(self._tasks[kind], completed=1)

    def advance(self, kind: str, ms: int, rows: int) -> None:
        task = self._tasks[kind]
        done = self._p.tasks[self._p.task_ids.index(task)].fields.get("rows", 0)
        self._p.update(task, advance=ms, rows=int(done) + rows)


def _print(rep: SyncReport) -> None:
    console.out().print(
        f"[bold]{rep.symbol}[/] {rep.venue}: {rep.rows:,} new rows in {rep.requests:,} requests"
        + (f" ({rep.retries} retried)" if rep.retries else "")
    )
    for k in rep.kinds:
        if k.skipped:
            console.out().print(f"  [dim]{k.kind}: skipped — {k.skipped}[/]")
            continue
        line = f"  {k.kind}: {k.rows:,} new rows"
        if not k.fetched:
            line += " (already stored)"
        for _a, b in k.unavailable:
            when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(b / 1000))
            line += f"; [yellow]the venue no longer serves data before {when} UTC[/]"
        if k.rejected:
            line += (
                f"; [yellow]{k.rejected:,} rows rejected, not stored ({escape(k.rejected_why)})[/]"
            )
        console.out().print(line)


def sync_cmd(
    symbol: Annotated[str, typer.Argument(help="Symbol, e.g. BTCUSDT.")],
    exchange: Annotated[str, typer.Option("--exchange", help=f"{venue_names()}.")] = "binance",
    since: Annotated[
        str, typer.Option("--since", help="Start: ISO date/time, epoch ms, or a duration ago (7d).")
    ] = "7d",
    until: Annotated[str | None, typer.Option("--until", help="End (default now).")] = None,
    kinds: Annotated[
        str,
        typer.Option("--kinds", help=f"Comma list of: {_ALL_KINDS}."),
    ] = _DEFAULT_KINDS,
    interval: Annotated[
        str, typer.Option("--interval", help="Candle interval: 1m, 5m, 15m, 1h.")
    ] = "1m",
    as_json: Annotated[bool, typer.Option("--json", help="Print the sync report as JSON.")] = False,
) -> None:
    """Fetch what the store lacks for SYMBOL from the exchange's public REST API."""
    from liqmap.store import Store

    venue = Venue.parse(exchange)
    if interval not in INTERVALS_MS:
        raise ParameterError(f"--interval: use one of {', '.join(INTERVALS_MS)}, got {interval!r}")
    wanted = DataKind.parse_list(kinds)
    now = int(time.time() * 1000)
    start = _time(since, "--since", now)
    end = _time(until, "--until", now) if until else now
    settings = Settings.from_env()
    with Store.open(settings=settings) as store:
        if as_json:
            rep = sync(store, venue, symbol, start_ms=start, end_ms=end, kinds=wanted,
                       interval_ms=INTERVALS_MS[interval], settings=settings)  # fmt: skip
            typer.echo(json.dumps(rep.to_dict()))
            return
        cols = (TextColumn("{task.description:>12}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                TextColumn("{task.fields[rows]:>9,} rows"), TimeElapsedColumn())  # fmt: skip
        with Progress(*cols, console=console.out(), transient=False) as progress:
            rep = sync(store, venue, symbol, start_ms=start, end_ms=end, kinds=wanted,
                       interval_ms=INTERVALS_MS[interval], settings=settings,
                       progress=_Bar(progress))  # fmt: skip
    _print(rep)


def register(app: typer.Typer) -> None:
    """Add the command to the app."""
    app.command("sync")(sync_cmd)
