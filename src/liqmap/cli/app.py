"""The ``liqmap`` command: one typer app, commands registered from small modules.

Exit codes: 0 ok, 2 bad input (:class:`liqmap.errors.InputError` or a usage error), 1 any other
error.
"""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from liqmap.cli import console
from liqmap.errors import InputError, LiqmapError

__all__ = ["build_app", "main", "run"]

# Each module exposes ``register(app)``; the order is the order of ``liqmap --help``.
COMMAND_MODULES = (
    "demo", "maps", "liqprice", "cascade", "plan", "store", "sync", "record", "positions",
    "backtest", "calibrate", "serve", "alerts", "symbols", "tiers", "scan",
)  # fmt: skip


def build_app() -> typer.Typer:
    """A fresh app with every command registered."""
    import importlib

    from liqmap.cli._help import tidy_help

    tidy_help()
    app = typer.Typer(
        name="liqmap",
        help="Liquidation maps and heatmaps for crypto perpetual futures, with exact margin math.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.callback()(_root)
    for name in COMMAND_MODULES:
        importlib.import_module(f"liqmap.cli.{name}").register(app)
    return app


def _root(
    tz: str | None = typer.Option(
        None,
        "--tz",
        envvar="LIQMAP_TZ",
        help="Display time zone for text and charts: UTC (default), an IANA name such as "
        "Europe/Berlin, or an offset such as +02:00. Data and JSON stay UTC.",
        show_default=False,
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
        console.err().print(f"[bold red]error:[/] {escape(str(exc))}")
        return 2
    except LiqmapError as exc:
        console.err().print(f"[bold red]error:[/] {escape(str(exc))}")
        return 1
    except SystemExit as exc:  # typer/click exit: usage errors are 2, --help is 0
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
