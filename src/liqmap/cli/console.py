"""The CLI's two consoles (stdout and stderr), made per invocation, never at import.

Text printed for scripts must not depend on the terminal: when a stream is not a terminal, lines are
never wrapped (``soft_wrap``) and tables are laid out at a fixed width that ignores ``COLUMNS``, so
``grep`` finds an error message whole whatever the terminal width or the length of a path in it. On a
terminal rich measures the terminal as usual.
"""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console

__all__ = ["NON_TERMINAL_WIDTH", "err", "out", "reset"]

#: Table width used when the stream is not a terminal (pipes, files, CI logs).
NON_TERMINAL_WIDTH = 200

_consoles: dict[str, Console] = {}


def _make(stream: TextIO, *, stderr: bool) -> Console:
    is_tty = bool(getattr(stream, "isatty", lambda: False)())
    return Console(
        stderr=stderr,
        highlight=False,
        soft_wrap=not is_tty,
        width=None if is_tty else NON_TERMINAL_WIDTH,
    )


def out() -> Console:
    """The stdout console of this invocation (created on first use)."""
    if "out" not in _consoles:
        _consoles["out"] = _make(sys.stdout, stderr=False)
    return _consoles["out"]


def err() -> Console:
    """The stderr console of this invocation (created on first use)."""
    if "err" not in _consoles:
        _consoles["err"] = _make(sys.stderr, stderr=True)
    return _consoles["err"]


def reset() -> None:
    """Forget both consoles, so the next use sees the current ``sys.stdout``/``sys.stderr``.

    Also fixes the width of typer's help and usage-error panels when stdout is not a terminal
    (typer reads ``rich_utils.MAX_WIDTH``, its ``TERMINAL_WIDTH`` setting, when it draws them).
    """
    _consoles.clear()
    from typer import rich_utils

    is_tty = bool(getattr(sys.stdout, "isatty", lambda: False)())
    rich_utils.MAX_WIDTH = None if is_tty else NON_TERMINAL_WIDTH
