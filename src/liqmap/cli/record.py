"""``liqmap record``: record public liquidation streams into the store (thin layer over
:mod:`liqmap.recorder`)."""

from __future__ import annotations

import json
import logging
import time
from typing import Annotated

import typer
from rich.live import Live
from rich.logging import RichHandler

from liqmap.cli import console
from liqmap.errors import ParameterError
from liqmap.recorder import FlushPolicy, RecorderConfig, RecorderReport, parse_seconds, record
from liqmap.recorder.status import print_final, status_table
from liqmap.recorder.venues import parse_symbols, parse_venues, recordable

__all__ = ["parse_contract_values", "record_cmd", "register"]

PLAIN_STATUS_EVERY_S = 60.0


def parse_contract_values(items: list[str]) -> dict[str, float]:
    """``['XRP-USDT-SWAP=100']`` -> ``{'XRP-USDT-SWAP': 100.0}``."""
    out: dict[str, float] = {}
    for item in items:
        inst, sep, value = item.partition("=")
        try:
            ct_val = float(value)
        except ValueError:
            ct_val = float("nan")
        if not sep or not inst.strip() or not ct_val > 0:
            raise ParameterError(
                f"--okx-contract-value {item!r}: use INSTID=CTVAL, e.g. XRP-USDT-SWAP=100"
            )
        out[inst.strip().upper()] = ct_val
    return out


def record_cmd(
    *,
    exchange: Annotated[
        str,
        typer.Option(
            "--exchange",
            "-e",
            help="Venues, comma-separated: " + ",".join(v.value for v in recordable()) + ".",
        ),
    ] = "binance,bybit,okx",
    symbols: Annotated[
        str, typer.Option("--symbols", "-s", help="Linear perpetuals, e.g. BTCUSDT,ETHUSDT.")
    ] = "BTCUSDT",
    duration: Annotated[
        str | None,
        typer.Option("--duration", help="Stop after this long (30s, 10m, 2h); default: Ctrl-C."),
    ] = None,
    flush_every: Annotated[
        str,
        typer.Option(
            "--flush-every",
            help="Write a batch every interval (1s, 500ms) or every N rows; a SIGKILL loses at "
            "most this much.",
        ),
    ] = "1s",
    okx_contract_value: Annotated[
        list[str] | None,
        typer.Option(
            "--okx-contract-value",
            help="Contract value of an OKX instrument liqmap does not know: INSTID=CTVAL.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the final report as JSON on stdout.")
    ] = False,
) -> None:
    """Record liquidations from the venues' public streams (Ctrl-C flushes and stops)."""
    config = RecorderConfig(
        venues=parse_venues(exchange),
        symbols=parse_symbols(symbols),
        duration_s=parse_seconds(duration, name="--duration") if duration else None,
        flush=FlushPolicy.parse(flush_every),
        okx_contract_values=parse_contract_values(okx_contract_value or []),
    )
    _setup_logging()
    console.err().print(
        f"recording {', '.join(v.value for v in config.venues)} x {', '.join(config.symbols)}, "
        f"flush {config.flush.describe()}"
        + (f", for {duration}" if duration else " (Ctrl-C to stop)")
    )
    report = _run(config)
    print_final(console.err(), report)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    if not report.ok:
        raise typer.Exit(1)


def _run(config: RecorderConfig) -> RecorderReport:
    if console.err().is_terminal:
        with Live(console=console.err(), refresh_per_second=2, transient=True) as live:
            return record(config, on_status=lambda r: live.update(status_table(r)))
    last = [time.monotonic()]

    def plain(r: RecorderReport) -> None:
        if time.monotonic() - last[0] >= PLAIN_STATUS_EVERY_S:
            last[0] = time.monotonic()
            parts = [f"{v['venue']} {v['state']} events={v['events']}" for v in r.venues]
            console.err().print(f"written {r.rows_written:,} rows; " + "; ".join(parts))

    return record(config, on_status=plain)


def _setup_logging() -> None:
    logger = logging.getLogger("liqmap.recorder")
    if not any(isinstance(h, RichHandler) for h in logger.handlers):
        handler = RichHandler(console=console.err(), show_path=False, markup=False)
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def register(app: typer.Typer) -> None:
    """Add the ``record`` command to the app (once)."""
    if any(c.name == "record" for c in app.registered_commands):
        return
    app.command("record")(record_cmd)
