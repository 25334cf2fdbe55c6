"""``liqmap alerts test`` and ``liqmap alerts run``: alert rules on the current map.

``test`` validates the config (exit 2 when it is bad), evaluates every rule once and shows which
would fire; with ``--send`` it delivers the alerts to the configured webhooks (exit 1 when a
delivery fails). ``run`` evaluates every ``--every`` seconds and delivers as it goes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from liqmap import api
from liqmap.alerts import (
    AlertConfigError,
    AlertsConfig,
    AlertService,
    DeliveryResult,
    RuleOutcome,
    load_config,
)
from liqmap.cli import console
from liqmap.cli.options import (
    AtOpt,
    BinsOpt,
    ExchangeOpt,
    FlowOpt,
    LeverageOpt,
    LiqOpt,
    MapRequest,
    OiOpt,
    SourceOpt,
    WindowOpt,
)
from liqmap.core.reading import format_price
from liqmap.core.results import LiquidationMap, iso_ms
from liqmap.domain.market import LiquidationEvents
from liqmap.errors import ParameterError
from liqmap.timeutil import parse_duration_ms

__all__ = ["register"]

ConfigOpt = Annotated[
    Path, typer.Option("--config", help="Alert rules file (TOML; see docs/alerts.md).")
]
SymbolOpt = Annotated[str, typer.Option("--symbol", help="Symbol to evaluate, e.g. BTCUSDT.")]
BaselineOpt = Annotated[
    str | None,
    typer.Option(
        "--baseline",
        help="Evaluate the map this long before first (e.g. 1h), so cluster_change rules have a "
        "previous evaluation to compare with.",
    ),
]
_STATUS_STYLE = {"fired": "bold red", "quiet": "green", "skipped": "dim"}


def _estimate(req: MapRequest, at: str | int | None) -> LiquidationMap:
    return api.estimate_map(
        req.data, window=req.window, at=at, exchange=req.exchange, params=req.params,
        bins=req.bins,
    )  # fmt: skip


def _request(
    symbol: str, source: str, oi: Path | None, flow: Path | None, liquidations: Path | None,
    window: str, at: str | None, exchange: str, leverage: str | None, bins: int,
) -> MapRequest:  # fmt: skip
    return MapRequest.build(
        symbol, source=source, oi=oi, flow=flow, liquidations=liquidations, window=window, at=at,
        exchange=exchange, brackets=None, leverage=leverage, params=None, bins=bins,
        range_pct=None,
    )  # fmt: skip


def _outcome_table(outcomes: tuple[RuleOutcome, ...]) -> Table:
    table = Table(title="alert rules", title_justify="left")
    for col in ("rule", "kind", "status", "message / reason"):
        table.add_column(col, overflow="fold")
    for o in outcomes:
        style = _STATUS_STYLE[o.status]
        status = "FIRES" if o.status == "fired" else o.status
        texts = [a.message for a in o.alerts] or [o.detail]
        for text in texts:  # one row per alert
            table.add_row(escape(o.rule), o.kind, f"[{style}]{status}[/]", escape(text))
    return table


def _delivery_table(results: tuple[DeliveryResult, ...]) -> Table:
    table = Table(title="deliveries", title_justify="left")
    for col in ("webhook", "rule", "status", "attempts", "HTTP", "error"):
        table.add_column(col, overflow="fold")
    for r in results:
        style = {"delivered": "green", "duplicate": "dim", "failed": "bold red"}[r.status]
        table.add_row(
            escape(r.webhook), escape(r.rule), f"[{style}]{r.status}[/]", str(r.attempts),
            "-" if r.http_status is None else str(r.http_status), escape(r.error),
        )  # fmt: skip
    return table


async def _send(
    service: AlertService, outcomes: tuple[RuleOutcome, ...]
) -> tuple[DeliveryResult, ...]:
    async with service:
        return await service.deliver([a for o in outcomes for a in o.alerts])


def _report(
    config: AlertsConfig, m: LiquidationMap, outcomes: tuple[RuleOutcome, ...],
    deliveries: tuple[DeliveryResult, ...] | None, as_json: bool,
) -> None:  # fmt: skip
    if as_json:
        out: dict[str, Any] = {
            "config": config.path, "symbol": m.symbol, "price": m.price, "as_of_ms": m.as_of_ms,
            "as_of": iso_ms(m.as_of_ms),
            "rules": [
                {"rule": o.rule, "kind": o.kind, "status": o.status, "detail": o.detail,
                 "alerts": [a.to_dict() for a in o.alerts]}
                for o in outcomes
            ],
            "deliveries": None if deliveries is None else [d.to_dict() for d in deliveries],
        }  # fmt: skip
        typer.echo(json.dumps(out, indent=2, allow_nan=False))
        return
    fired = sum(len(o.alerts) for o in outcomes)
    console.out().print(
        f"config [bold]{escape(config.path)}[/]: {len(config.rules)} rule(s), "
        f"{len(config.webhooks)} webhook(s) — valid"
    )
    console.out().print(
        f"[bold]{m.symbol}[/] price {format_price(m.price)} as of {iso_ms(m.as_of_ms)} "
        f"window {m.window_label}: {fired} alert(s) would fire"
    )
    console.out().print(_outcome_table(outcomes))
    if deliveries is not None:
        console.out().print(_delivery_table(deliveries))


def test_cmd(
    config: ConfigOpt,
    symbol: SymbolOpt = "BTCUSDT",
    source: SourceOpt = "demo",
    oi: OiOpt = None,
    flow: FlowOpt = None,
    liquidations: LiqOpt = None,
    window: WindowOpt = "24h",
    at: AtOpt = None,
    exchange: ExchangeOpt = "binance",
    leverage: LeverageOpt = None,
    bins: BinsOpt = 400,
    baseline: BaselineOpt = None,
    send: bool = typer.Option(False, "--send", help="Deliver the alerts to the webhooks."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Validate an alert config, evaluate every rule once on the current map, optionally send."""
    cfg = load_config(config)
    if send and not cfg.webhooks:
        raise ParameterError(f"--send: {config} has no [[webhook]] tables to send to")
    back_ms = parse_duration_ms(baseline, name="--baseline") if baseline else None
    req = _request(symbol, source, oi, flow, liquidations, window, at, exchange, leverage, bins)
    m = _estimate(req, at)
    service = AlertService(cfg)
    try:
        if back_ms is not None:
            service.engine.evaluate(_estimate(req, m.as_of_ms - back_ms), req.data.liquidations)
        outcomes = service.engine.evaluate_detailed(m, req.data.liquidations, m.as_of_ms)
    except AlertConfigError as exc:  # e.g. a rule's tiers are not on this map
        raise exc.located(path=str(config)) from None
    deliveries = asyncio.run(_send(service, outcomes)) if send else None
    _report(cfg, m, outcomes, deliveries, as_json)
    if deliveries is not None and not all(d.ok for d in deliveries):
        raise typer.Exit(1)


MapSource = Callable[[], tuple[LiquidationMap, LiquidationEvents | None]]


async def _loop(
    service: AlertService, build: MapSource, every_s: float, iterations: int, as_json: bool
) -> int:
    failures, n = 0, 0
    async with service:
        while iterations <= 0 or n < iterations:
            n += 1
            m, events = build()
            batch = await service.process(m, events, m.as_of_ms)
            for alert in batch.published:
                if as_json:
                    typer.echo(alert.to_json())
                else:
                    console.out().print(f"[bold red]alert[/] {escape(alert.message)}")
            failures += sum(not d.ok for d in batch.deliveries)
            for d in batch.deliveries:
                if not d.ok:
                    console.out().print(
                        f"[red]delivery to {escape(d.webhook)} failed:[/] {escape(d.error)}"
                    )
            if iterations <= 0 or n < iterations:
                await asyncio.sleep(every_s)
    return failures


def run_cmd(
    config: ConfigOpt,
    symbol: SymbolOpt = "BTCUSDT",
    source: SourceOpt = "demo",
    oi: OiOpt = None,
    flow: FlowOpt = None,
    liquidations: LiqOpt = None,
    window: WindowOpt = "24h",
    exchange: ExchangeOpt = "binance",
    leverage: LeverageOpt = None,
    bins: BinsOpt = 400,
    every: float = typer.Option(60.0, "--every", help="Seconds between evaluations (>= 0)."),
    iterations: int = typer.Option(0, "--iterations", help="Stop after N evaluations (0 = never)."),
    as_json: bool = typer.Option(False, "--json", help="Print each alert as one JSON line."),
) -> None:
    """Evaluate the rules every --every seconds on a source (re-read each time) and deliver."""
    cfg = load_config(config)
    if every < 0 or iterations < 0:
        raise ParameterError("--every and --iterations must be >= 0")

    def build() -> tuple[LiquidationMap, LiquidationEvents | None]:
        req = _request(
            symbol, source, oi, flow, liquidations, window, None, exchange, leverage, bins
        )
        return _estimate(req, None), req.data.liquidations

    if not as_json:
        console.out().print(
            f"watching {symbol} on {source} every {every:g} s with {len(cfg.rules)} rule(s) "
            f"(started {iso_ms(int(time.time() * 1000))}; Ctrl-C stops)"
        )
    try:
        failures = asyncio.run(_loop(AlertService(cfg), build, every, iterations, as_json))
    except KeyboardInterrupt:
        return
    if failures:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``alerts`` command group."""
    group = typer.Typer(
        name="alerts",
        help="Alert rules on liquidation maps: test a config, deliver to webhooks, run a loop.",
        no_args_is_help=True,
    )
    group.command("test")(test_cmd)
    group.command("run")(run_cmd)
    app.add_typer(group, name="alerts")
