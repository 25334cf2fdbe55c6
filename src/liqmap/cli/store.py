"""``liqmap import``, ``liqmap store info`` and ``liqmap download``: fill and inspect the store.

The store lives in ``$LIQMAP_HOME`` (see :class:`liqmap.settings.Settings`); downloads come
from ``$LIQMAP_BINANCE_ARCHIVE_URL`` (default data.binance.vision).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.filesize import decimal
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from liqmap.archive.layout import KINDS, parse_kind
from liqmap.cli.console import err as console_err
from liqmap.cli.console import out as console_out
from liqmap.core.formatting import format_kind
from liqmap.domain.enums import Venue
from liqmap.errors import DownloadError, ParameterError
from liqmap.io.report import fmt_ms
from liqmap.settings import Settings
from liqmap.store import SeriesInfo, Store
from liqmap.store.importer import IMPORT_KINDS, ImportKind, import_path

__all__ = ["RichProgress", "register"]


JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]


def _print_json(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def _import_kind(text: str | None) -> ImportKind | None:
    if text is None:
        return None
    for k in IMPORT_KINDS:
        if k.lower() == text.strip().lower():
            return k
    raise ParameterError(
        f"--kind: unknown file kind {text!r}; use one of {', '.join(IMPORT_KINDS)}"
    )


def import_cmd(
    path: Annotated[Path, typer.Argument(help="A data file, or a folder of them (archive zips).")],
    exchange: Annotated[str, typer.Option("--exchange", help="Venue the data come from.")],
    symbol: Annotated[str, typer.Option("--symbol", help="Symbol, e.g. BTCUSDT.")],
    kind: Annotated[
        str | None,
        typer.Option("--kind", help=f"Force the file kind ({', '.join(IMPORT_KINDS)})."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Load files (any layout `liqmap map` reads, archive zips included) into the store."""
    venue = Venue.parse(exchange).value
    forced = _import_kind(kind)
    settings = Settings.from_env()
    with Store.open(settings=settings) as store:
        results = import_path(store, path, venue=venue, symbol=symbol, kind=forced)
    totals: dict[str, int] = {}
    for r in results:
        for k, v in r.new_rows.items():
            totals[k] = totals.get(k, 0) + v
    if as_json:
        _print_json(
            {
                "schema": "liqmap.import/1",
                "store": str(settings.store_path),
                "files": [r.to_dict() for r in results],
                "new_rows": totals,
            }
        )
        return
    for r in results:
        console_out().print(escape(r.summary()))
    new = ", ".join(f"{k} +{v:,}" for k, v in totals.items()) or "nothing new (already stored)"
    console_out().print(
        f"[bold]{len(results)} file(s) imported[/] into {escape(str(settings.store_path))}: "
        f"{escape(new)}"
    )


def _gaps_text(s: SeriesInfo) -> str:
    if not s.step_ms:
        return "-"
    return f"{len(s.gaps)} ({s.missing:,} missing)" if s.gaps else "none"


def _short(ts_ms: int) -> str:
    return fmt_ms(ts_ms)[:16].replace("T", " ")


def info_cmd(as_json: JsonOpt = False) -> None:
    """List what the store holds: per venue, symbol and kind, rows, first and last time, gaps."""
    settings = Settings.from_env()
    with Store.open(settings=settings, read_only=True) as store:
        series = store.info()
        version = store.schema_version
    if as_json:
        _print_json(
            {
                "schema": "liqmap.store-info/1",
                "store": str(store.path),
                "schema_version": version,
                "series": [s.to_dict() for s in series],
            }
        )
        return
    if not series:
        console_out().print(
            f"the store {escape(str(store.path))} is empty: fill it with `liqmap import` or "
            "`liqmap download`"
        )
        return
    table = Table(title=f"{store.path} (schema v{version})", title_justify="left")
    for col in ("venue", "symbol", "kind", "rows", "first", "last", "gaps"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for s in series:
        table.add_row(
            s.venue,
            s.symbol,
            format_kind(s.kind),
            f"{s.rows:,}",
            _short(s.first_ms),
            _short(s.last_ms),
            _gaps_text(s),
        )
    console_out().print(table)


class RichProgress:
    """A rich progress display of a download: files handled of planned, bytes and speed."""

    def __init__(self, progress: Progress) -> None:
        self._p = progress
        self._task: TaskID = progress.add_task("files", total=0, size="", last="")
        self._bytes = 0
        self._t0 = time.monotonic()

    @classmethod
    def create(cls, console: Console, *, disable: bool = False) -> RichProgress:
        """A display on ``console`` (start it with ``with display.progress:``)."""
        progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[size]}"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[last]}"),
            console=console,
            disable=disable,
        )
        return cls(progress)

    @property
    def progress(self) -> Progress:
        """The rich :class:`Progress` (a context manager)."""
        return self._p

    def add_files(self, n: int) -> None:
        """More files planned."""
        total = self._p.tasks[0].total or 0
        self._p.update(self._task, total=total + n)

    def advance_bytes(self, n: int) -> None:
        """Bytes received."""
        self._bytes += n
        rate = self._bytes / max(time.monotonic() - self._t0, 1e-3)
        self._p.update(self._task, size=f"{decimal(self._bytes)} ({decimal(int(rate))}/s)")

    def file_done(self, name: str, status: str) -> None:
        """One file handled."""
        self._p.update(self._task, advance=1, last=f"{name}: {status}")


def _day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ParameterError(
            f"{flag}: cannot read {text!r}; use a UTC date like 2024-01-31"
        ) from None


def download_cmd(
    symbol: Annotated[str, typer.Argument(help="USD-M symbol, e.g. BTCUSDT.")],
    kind: Annotated[str, typer.Option("--kind", help=f"Archive kind: {', '.join(KINDS)}.")],
    start: Annotated[str, typer.Option("--from", help="First UTC day, e.g. 2024-01-01.")],
    end: Annotated[
        str | None, typer.Option("--to", help="Last UTC day (inclusive; default yesterday).")
    ] = None,
    keep: Annotated[bool, typer.Option("--keep", help="Keep the verified zip files.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Download data.binance.vision files (checksum-verified, resumable) into the store."""
    from liqmap.archive.download import download_archive

    archive_kind = parse_kind(kind)
    first = _day(start, "--from")
    yesterday = datetime.now(tz=UTC).date() - timedelta(days=1)
    last = _day(end, "--to") if end else yesterday
    settings = Settings.from_env()
    err = console_err()
    display = RichProgress.create(err, disable=as_json or not err.is_terminal)
    with Store.open(settings=settings) as store, display.progress:
        summary = download_archive(
            store,
            symbol,
            archive_kind,
            first,
            last,
            base_url=settings.archive_url,
            folder=settings.home / "archive",
            timeout_s=settings.http_timeout_s,
            deadline_s=settings.http_deadline_s,
            observer=display,
            keep_files=keep,
        )
    if as_json:
        _print_json({"schema": "liqmap.download/1", **summary.to_dict()})
    else:
        _print_download(summary.to_dict())
    if not summary.ok:
        names = ", ".join(summary.failed)
        raise DownloadError(
            f"{len(summary.failed)} file(s) failed: {names}. Run the same command again to "
            "retry them (stored files are skipped, partial downloads resume)"
        )


def _print_download(d: dict[str, Any]) -> None:
    files, rows = d["files"], d["rows"]
    console_out().print(
        f"[bold]{d['symbol']} {d['kind']}[/] {d['from']}..{d['to']}: {files['stored']} stored, "
        f"{files['skipped']} already stored, {len(files['missing'])} missing, "
        f"{len(files['failed'])} failed; {d['bytes']:,} bytes"
    )
    new = ", ".join(f"{k} +{v:,}" for k, v in rows["new"].items()) or "nothing new"
    console_out().print(
        f"rows: {rows['read']:,} read, {rows['duplicates_dropped']:,} duplicates dropped; "
        f"stored: {escape(new)}"
    )
    if rows["excluded"]:
        console_out().print(
            "excluded: " + ", ".join(f"{k}={v:,}" for k, v in rows["excluded"].items())
        )
    for name in files["missing"]:
        console_out().print(f"[yellow]missing[/] {escape(name)} (the archive has no such file)")
    for name, why in files["failed"].items():
        console_out().print(f"[red]failed[/] {escape(name)}: {escape(why)}")
    for note in d["notes"]:
        console_out().print(f"[dim]note: {escape(note)}[/]")


def register(app: typer.Typer) -> None:
    """Add ``import``, ``store info`` and ``download`` to the app."""
    app.command("import")(import_cmd)
    app.command("download")(download_cmd)
    store_app = typer.Typer(help="Inspect the local store ($LIQMAP_HOME).", no_args_is_help=True)
    store_app.command("info")(info_cmd)
    app.add_typer(store_app, name="store")
