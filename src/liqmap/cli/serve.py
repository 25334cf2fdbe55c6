"""``liqmap serve``: the web dashboard and the JSON API on a local uvicorn server."""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from liqmap.cli import console
from liqmap.errors import ParameterError, StoreError
from liqmap.settings import Settings
from liqmap.web.config import DEFAULT_HOST, DEFAULT_PORT, WebConfig
from liqmap.web.guard import ANY_INTERFACE, allowed_hosts_for, is_loopback

__all__ = ["register", "serve_cmd"]


# The options of ``serve`` (types with their help, so the signature stays one line each).
_Host = Annotated[str, typer.Option("--host", help="Interface to bind (loopback by default).")]
_Port = Annotated[int, typer.Option("--port", help="TCP port.", min=1, max=65535)]
_Source = Annotated[
    str,
    typer.Option(
        "--source",
        help="Source the page opens with: demo, a stored exchange, or the --file source.",
    ),
]
_File = Annotated[
    Path | None,
    typer.Option(
        "--file",
        help="Also serve this bars file (as `liqmap map --source FILE` reads it) for --symbol.",
    ),
]
_Oi = Annotated[Path | None, typer.Option("--oi", help="Open-interest file for --file.")]
_Flow = Annotated[
    Path | None, typer.Option("--flow", help="Taker-flow file (recorder layout) for --file.")
]
_Liquidations = Annotated[
    Path | None, typer.Option("--liquidations", help="Liquidation events for --file.")
]
_Symbol = Annotated[str, typer.Option("--symbol", help="Symbol the page opens with.")]
_DemoSpeed = Annotated[
    float,
    typer.Option(
        "--demo-speed", help="Demo market: simulated 1m bars per second (0 freezes it).", min=0
    ),
]
_Alerts = Annotated[
    Path | None,
    typer.Option("--alerts", help="Alert rules file (TOML, docs/alerts.md) shown live."),
]
_NoStore = Annotated[
    bool, typer.Option("--no-store", help="Serve the demo market only (ignore the store).")
]
_CorsOrigin = Annotated[
    list[str] | None,
    typer.Option("--cors-origin", help="Allow this origin to call the API (repeatable)."),
]
_AllowHost = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-host",
        help="Also accept this Host header, e.g. a DNS name of this machine (repeatable).",
    ),
]
_Token = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="LIQMAP_WEB_TOKEN",
        show_envvar=False,
        help="Require this access token (>= 8 characters) on every request; open the page "
        "once as /?token=TOKEN. Recommended off loopback.",
    ),
]


def serve_cmd(
    host: _Host = DEFAULT_HOST,
    port: _Port = DEFAULT_PORT,
    source: _Source = "demo",
    file: _File = None,
    oi: _Oi = None,
    flow: _Flow = None,
    liquidations: _Liquidations = None,
    symbol: _Symbol = "BTCUSDT",
    demo_speed: _DemoSpeed = 0.5,
    alerts: _Alerts = None,
    no_store: _NoStore = False,
    cors_origin: _CorsOrigin = None,
    allow_host: _AllowHost = None,
    token: _Token = None,
) -> None:
    """Serve the dashboard (map, heatmap, levels, calculator, live updates) and /api/v1."""
    import asyncio

    from liqmap.extras import require

    require("web", "liqmap serve")
    settings = Settings.from_env()
    files = _file_sources(symbol, file, oi, flow, liquidations)
    if files and source == "demo":
        source = files[0].name  # a file given: the page opens with it
    config = WebConfig(
        default_source=source,
        default_symbol=symbol.upper(),
        demo_speed=demo_speed,
        cors_origins=tuple(cors_origin or ()),
        allowed_hosts=_allowed_hosts(host, allow_host or (), token),
        token=token,
    )
    store = _open_store(settings, skip=no_store, optional=source == "demo")
    asyncio.run(_serve(settings, store, alerts, config, host, port, files))


def _file_sources(
    symbol: str, bars: Path | None, oi: Path | None, flow: Path | None, liq: Path | None
) -> list[Any]:
    """The ``--file`` source, its data read now so a bad file fails before the server starts."""
    if bars is None:
        if oi or flow or liq:
            raise ParameterError("--oi, --flow and --liquidations go with --file BARS")
        return []
    from liqmap.web.sources import FileSource

    src = FileSource(symbol, bars, oi=oi, flow=flow, liquidations=liq)
    src.snapshot(symbol.upper())
    return [src]


def _allowed_hosts(host: str, extra: Sequence[str], token: str | None) -> tuple[str, ...]:
    """The Host allow-list of a bind (never any host: the DNS-rebinding defence stays on);
    warns on a bind other than loopback."""
    hosts = allowed_hosts_for(host, extra)
    if not is_loopback(host):
        where = "every interface" if host in ANY_INTERFACE else host
        guard = (
            "an access token is required"
            if token
            else "there is no authentication: add --token to require one"
        )
        console.err().print(
            f"[bold yellow]warning:[/] serving on {escape(where)}: anyone who can reach this "
            f"machine can use the dashboard ({guard}). Accepted Host names: "
            f"{escape(', '.join(hosts))}; add others with --allow-host"
        )
    return hosts


def _open_store(settings: Settings, skip: bool, optional: bool) -> Any:
    """The store (read-only, reopened for each read so writers are not locked out) when it
    exists; ``None`` when skipped, absent, or unreadable while the demo is enough."""
    if skip or importlib.util.find_spec("liqmap.store") is None:
        return None
    if not settings.store_path.exists():
        return None
    from liqmap.web.stored import ReopeningStore

    store = ReopeningStore(settings.store_path, settings)
    try:
        store.info()
    except StoreError as exc:
        if not optional:
            raise
        console.out().print(f"[yellow]store not served:[/] {exc}")
        return None
    return store


async def _serve(
    settings: Settings,
    store: Any,
    alerts_file: Path | None,
    config: WebConfig,
    host: str,
    port: int,
    files: list[Any],
) -> None:
    from liqmap.web import create_app
    from liqmap.web.server import DashboardServer, server_config

    async with contextlib.AsyncExitStack() as stack:
        hook = None
        if alerts_file is not None:
            from liqmap.alerts import AlertService

            hook = await stack.enter_async_context(AlertService.from_file(alerts_file))
        app = create_app(settings, store, hook, config=config, files=files)
        server = DashboardServer(server_config(app, host=host, port=port))
        console.out().print(
            f"liqmap dashboard on [bold]http://{_url_host(host)}:{port}/[/] "
            f"(sources: {', '.join(app.state.liqmap.sources.names())}; Ctrl+C stops)"
        )
        await server.serve()
        if not server.started:
            raise ParameterError(f"could not listen on {host}:{port} (in use, or not allowed?)")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to the app."""
    app.command("serve")(serve_cmd)
