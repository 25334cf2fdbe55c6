"""Terminal presentation of a :class:`~liqmap.recorder.stats.RecorderReport` (rich)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from liqmap.recorder.stats import RecorderReport

__all__ = ["print_final", "status_table"]

_STATE_STYLE = {"recording": "green", "stopped": "dim"}


def _iso(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _age(now_ms: int, ms: int | None) -> str:
    if ms is None:
        return "-"
    s = max(0, now_ms - ms) // 1000
    for limit, unit, size in ((120, "s", 1), (7200, "m", 60), (172_800, "h", 3600)):
        if s < limit:
            return f"{s // size}{unit}"
    return f"{s // 86_400}d"


def _state(v: dict[str, Any]) -> Text:
    state = str(v["state"])
    style = _STATE_STYLE.get(state, "red" if state.startswith("refused") else "yellow")
    return Text(state, style=style)


def status_table(report: RecorderReport) -> Table:
    """One row per venue: state, messages, liquidations recorded, liquidations of other symbols
    (skipped), malformed messages (bad), reconnections, gaps (count and total time) and the
    age of the last recorded liquidation."""
    elapsed = max(0, report.now_ms - report.started_ms) // 1000
    title = (
        f"liqmap record - {elapsed}s - written {report.rows_written:,} rows, "
        f"pending {report.rows_pending:,} - {report.sink}"
    )
    table = Table(title=title, title_justify="left")
    for col in ("venue", "state", "msgs", "events", "skipped", "bad", "reconn", "gaps"):
        table.add_column(col, justify="left" if col in ("venue", "state") else "right")
    table.add_column("last", justify="right")
    for v in report.venues:
        gaps = f"{v['gap_count']} ({v['gap_ms'] / 1000:.1f}s)" if v["gap_count"] else "0"
        table.add_row(
            v["venue"],
            _state(v),
            f"{v['messages']:,}",
            f"{v['events']:,}",
            f"{v['filtered']:,}",
            f"{v['malformed']:,}",
            str(v["reconnects"]),
            gaps,
            _age(report.now_ms, v["last_event_ms"]),
        )
    return table


def _details(report: RecorderReport) -> list[Text]:
    lines: list[Text] = []
    for v in report.venues:
        name = v["venue"]
        for g in v["gaps"]:
            end = _iso(g["end_ms"]) if g["end_ms"] is not None else "end"
            lines.append(Text(f"{name}: gap {_iso(g['start_ms'])} -> {end} UTC: {g['reason']}"))
        for raw in v["malformed_samples"]:
            lines.append(Text(f"{name}: malformed payload: {raw[:300]}", style="yellow"))
        if v["rejected"] and v["first_subscribed_ms"] is not None:
            lines.append(Text(f"{name}: {v['rejected']} refused: {v['last_error']}", style="red"))
        if v["first_subscribed_ms"] is None:
            why = v["last_error"] or "never subscribed"
            lines.append(Text(f"{name}: recorded nothing: {why}", style="red"))
    if report.rows_pending:
        lines.append(
            Text(
                f"{report.rows_pending:,} rows could not be written: {report.last_write_error}",
                style="bold red",
            )
        )
    return lines


def print_final(console: Console, report: RecorderReport) -> None:
    """The final table, every gap, malformed samples and failures."""
    console.print(Group(status_table(report), *_details(report)))
    if report.ok:
        console.print(f"[green]done:[/] {report.rows_written:,} rows in {escape(report.sink)}")
