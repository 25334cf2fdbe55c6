"""The ``liqmap`` command: one typer app, commands registered from small modules.

Exit codes: 0 ok, 2 bad input (:class:`liqmap.errors.InputError`), 1 any other error.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from liqmap.errors import InputError, LiqmapError

__all__ = ["app", "main", "run"]

app = typer.Typer(
    name="liqmap",
    help="Liquidation maps and heatmaps for crypto perpetual futures, with exact margin math.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

err_console = Console(stderr=True)


def _register() -> None:
    from liqmap.cli import liqprice

    liqprice.register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    _register()
    try:
        app(args=argv, standalone_mode=True)
    except InputError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        return 2
    except LiqmapError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        return 1
    except SystemExit as exc:  # typer/click exit: usage errors are 2, --help is 0
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def run() -> None:
    """Console-script wrapper: exits with :func:`main`'s code."""
    sys.exit(main())
