"""The ``liqmap`` command: one typer app whose commands load on demand.

Each command lives in a small module exposing ``register(app)``. ``liqmap --help`` is drawn from
:data:`COMMANDS` (name, module, one-line help) without importing any command module; running a
command imports only its module (and what that module needs). A test keeps :data:`COMMANDS` equal
to what the modules register, and the lazy help equal to the eager one.

Exit codes: 0 ok, 2 bad input (:class:`liqmap.errors.InputError` or a usage error), 1 any other
error.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from liqmap.cli import console
from liqmap.errors import InputError, LiqmapError

Command = TyperCommand | TyperGroup | Any  # typer's (vendored) click command types

__all__ = ["COMMANDS", "LazyGroup", "build_app", "main", "run"]

# (command, module in liqmap.cli, first paragraph of its help), in the order of ``liqmap --help``:
# typer lists single commands before command groups (``store``, ``alerts``).
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("demo", "demo", "Simulate a leveraged market, estimate its liquidation map and heatmap, compare with the truth."),
    ("map", "maps", "Estimate the liquidation map: USD of liquidation orders per price level and leverage."),
    ("heatmap", "maps", "Estimate the liquidation heatmap: price x time, colour = USD of liquidation levels."),
    ("levels", "maps", "List the liquidation clusters (key levels), ranked by size and closeness to price."),
    ("liqprice", "liqprice", "Exact isolated-margin liquidation price, bracket used and distance from entry."),
    ("cascade", "cascade", "Simulate a liquidation cascade: a shock crosses levels and forced orders move price."),
    ("plan", "plan", "Stop-loss, take-profit, breakout zones and execution levels (decision support)."),
    ("import", "store", "Load files (any layout `liqmap map` reads, archive zips included) into the store."),
    ("download", "store", "Download data.binance.vision files (checksum-verified, resumable) into the store."),
    ("sync", "sync", "Fetch what the store lacks for SYMBOL from the exchange's public REST API."),
    ("record", "record", "Record liquidations from the venues' public streams (Ctrl-C flushes and stops)."),
    ("positions", "positions", "Build a REAL liquidation map from Hyperliquid accounts' positions, with OI coverage."),
    ("backtest", "backtest", "Walk-forward backtest: each map against the liquidations that followed it, with baselines."),
    ("calibrate", "calibrate", "Fit leverage mix, half-lives, side split and entry spread to observed liquidations."),
    ("symbols", "symbols", "Symbols liqmap can map, with the date and source of each margin table."),
    ("scan", "scan", "Rank symbols by their nearest large liquidation clusters relative to OI or volume."),
    ("serve", "serve", "Serve the dashboard (map, heatmap, levels, calculator, live updates) and /api/v1."),
    ("store", "store", "Inspect the local store ($LIQMAP_HOME)."),
    ("tiers", "tiers", "Live maintenance-margin tiers: fetch them and cache them in the store."),
    ("alerts", "alerts", "Alert rules on liquidation maps: test a config, deliver to webhooks, run a loop."),
    ("batch", "batch", "Run backfill, import, backtests, calibration or scans over many symbols x venues x periods (Dask)."),
)  # fmt: skip

#: The command modules, in order (each imported only when one of its commands runs).
COMMAND_MODULES = tuple(dict.fromkeys(module for _, module, _ in COMMANDS))

_HELP = "Liquidation maps and heatmaps for crypto perpetual futures, with exact margin math."


def load_commands(module: str) -> dict[str, Command]:
    """The click commands that ``liqmap.cli.<module>`` registers, by name."""
    import importlib

    from liqmap.cli.coercion import lighten

    scratch = typer.Typer()
    importlib.import_module(f"liqmap.cli.{module}").register(scratch)
    group = typer.main.get_group(scratch)
    return {name: lighten(cmd) for name, cmd in group.commands.items()}


class LazyGroup(TyperGroup):
    """A typer group that imports a command's module only when that command is resolved.

    Help screens and "did you mean" suggestions use light placeholders built from
    :data:`COMMANDS`.
    """

    def __init__(self, **attrs: Any) -> None:
        from liqmap.cli.coercion import lighten_param

        super().__init__(**attrs)
        for param in self.params:  # the group's own options (--tz) convert without pydantic too
            lighten_param(param)
        self._modules = {name: module for name, module, _ in COMMANDS}
        self._help = {name: text for name, _, text in COMMANDS}
        self._listing = False

    def get_help_option(self, ctx: Any) -> Any:
        from liqmap.cli.coercion import lighten_param

        option = super().get_help_option(ctx)
        return None if option is None else lighten_param(option)

    def _placeholder(self, name: str) -> Command:
        return TyperCommand(name, help=self._help[name])

    def list_commands(self, ctx: Any) -> list[str]:
        return [name for name, _, _ in COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Command | None:
        if cmd_name not in self._modules:
            return None
        if self._listing:  # drawing the help screen: the one-line help is all it needs
            return self._placeholder(cmd_name)
        if cmd_name not in self.commands:
            self.commands.update(load_commands(self._modules[cmd_name]))
        return self.commands.get(cmd_name)

    def resolve_command(
        self, ctx: Any, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        if args and args[0] not in self._modules:  # unknown: typer suggests from self.commands
            self.commands = {n: self._placeholder(n) for n in self._modules} | dict(self.commands)
        return super().resolve_command(ctx, args)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def build_app() -> typer.Typer:
    """A fresh app; its commands are imported when they run."""
    from liqmap.cli._help import tidy_help

    tidy_help()
    app = typer.Typer(
        name="liqmap",
        help=_HELP,
        cls=LazyGroup,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.callback()(_root)  # typer builds a group (not a single command) only with a callback
    return app


def _root(
    tz: str | None = typer.Option(
        None,
        "--tz",
        envvar="LIQMAP_TZ",
        help="Display time zone for text and charts: UTC (default), an IANA name such as "
        "Europe/Berlin, or an offset such as +02:00. Data and JSON stay UTC.",
        show_default=False,
        metavar="ZONE",
    ),
) -> None:
    """Liquidation maps and heatmaps for crypto perpetual futures, with exact margin math."""
    from liqmap.core.formatting import _DISPLAY_TZ, parse_tz
    from liqmap.errors import ParameterError

    if tz:
        try:
            _DISPLAY_TZ.set(parse_tz(tz))
        except ValueError as exc:
            raise ParameterError(f"--tz: {exc}") from None


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    from datetime import UTC

    from liqmap.core.formatting import display_zone

    console.reset()
    try:
        with display_zone(UTC):  # --tz / LIQMAP_TZ holds for this invocation only
            build_app()(args=argv, prog_name="liqmap", standalone_mode=True)
    except InputError as exc:
        console.line(f"[bold red]error:[/] {console.escape(str(exc))}", stderr=True)
        return 2
    except LiqmapError as exc:
        console.line(f"[bold red]error:[/] {console.escape(str(exc))}", stderr=True)
        return 1
    except SystemExit as exc:  # typer/click exit: usage errors are 2, --help is 0
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def _exit_fast(code: int) -> None:
    """Leave without the interpreter's final garbage collection and module teardown.

    Only the console script does this, and only after the ``atexit`` handlers ran (logging
    flushes there) and both standard streams were flushed; every file a command writes is closed
    and moved into place before the command returns. A failed flush (a closed pipe) takes the
    normal exit instead, which reports it.
    """
    import atexit
    import os

    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)


def run() -> None:
    """Console-script entry point."""
    _exit_fast(main())
